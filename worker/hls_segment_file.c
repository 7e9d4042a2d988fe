/*
 * A recording's files in its output folder (see hls_segment_file.h).
 */

#include "hls_segment_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PART_NAME_SIZE 40

static void
part_name(int64_t seq, bool part, char out[PART_NAME_SIZE])
{
    snprintf(out, PART_NAME_SIZE, "%012lld.ts%s", (long long) seq,
             part ? ".part" : "");
}

int
sv_hls_part_open(int dir_fd, int64_t seq)
{
    char name[PART_NAME_SIZE];

    part_name(seq, true, name);
    return openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  0644);
}

bool
sv_hls_part_write(int fd, const char *p, size_t n, int *err_no)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            *err_no = errno;
            return false;
        }
        done += (size_t) w;
    }
    return true;
}

void
sv_hls_part_discard(int dir_fd, int64_t seq)
{
    char name[PART_NAME_SIZE];

    part_name(seq, true, name);
    unlinkat(dir_fd, name, 0);
}

bool
sv_hls_part_commit(int dir_fd, const char *dir_name, int64_t seq, int *fd,
                   char *err, size_t errlen)
{
    char part[PART_NAME_SIZE], name[PART_NAME_SIZE];
    int  failed = 0;

    part_name(seq, true, part);
    part_name(seq, false, name);
    /* The data, not the metadata (fdatasync): the rename below is what
     * must not come before it. Closed whatever it said: the first error is
     * the one told. */
    if (fdatasync(*fd) != 0) {
        failed = errno;
    }
    if (close(*fd) != 0 && failed == 0) {
        failed = errno;
    }
    *fd = -1;
    if (failed != 0) {
        snprintf(err, errlen, "cannot write %s/%s: %s", dir_name, part,
                 strerror(failed));
        return false;
    }
    if (renameat(dir_fd, part, dir_fd, name) != 0) {
        snprintf(err, errlen, "cannot rename %s/%s: %s", dir_name, part,
                 strerror(errno));
        return false;
    }
    /* The rename itself must survive a crash too. */
    fsync(dir_fd);
    return true;
}

/* Rare, so an open-append-close each time is cheap enough. */
void
sv_hls_discontinuity_note(int dir_fd, int64_t seq, const char *why)
{
    int fd = openat(dir_fd, ".discontinuities",
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    if (fd >= 0) {
        dprintf(fd, "%lld %s\n", (long long) seq, why);
        close(fd);
    }
}
