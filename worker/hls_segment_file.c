/*
 * A recording's files in its output folder (see hls_segment_file.h).
 */

#include "hls_segment_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PART_NAME_SIZE  40
#define NUMBER_DIGITS   18          /* below INT64_MAX, whatever they are */
#define OFFSET_FILE     ".sequence-offset"
#define OFFSET_TEMP     ".sequence-offset.tmp"
#define SEGMENT_LOG     ".segments"
#define LOG_LINE_MAX    160

static void
part_name(int64_t file, bool part, char out[PART_NAME_SIZE])
{
    snprintf(out, PART_NAME_SIZE, "%012lld.ts%s", (long long) file,
             part ? ".part" : "");
}

int
sv_hls_part_open(int dir_fd, int64_t file)
{
    char name[PART_NAME_SIZE];

    part_name(file, true, name);
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
sv_hls_part_discard(int dir_fd, int64_t file)
{
    char name[PART_NAME_SIZE];

    part_name(file, true, name);
    unlinkat(dir_fd, name, 0);
}

/* Appends line to dir_fd's name in one write(), so that a reader sees
 * whole lines but for the last; best effort. */
static void
append_line(int dir_fd, const char *name, const char *line)
{
    int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                    0644);

    if (fd >= 0) {
        if (write(fd, line, strlen(line)) < 0) {
            /* best effort: the recording goes on without it */
        }
        close(fd);
    }
}

bool
sv_hls_part_commit(int dir_fd, const char *dir_name, int64_t file,
                   double duration_s, int *fd, char *err, size_t errlen)
{
    char part[PART_NAME_SIZE], name[PART_NAME_SIZE], line[LOG_LINE_MAX];
    int  failed = 0;

    part_name(file, true, part);
    part_name(file, false, name);
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
    snprintf(line, sizeof(line), "%lld %.3f\n", (long long) file,
             duration_s > 0 && duration_s < 1e6 ? duration_s : 0);
    append_line(dir_fd, SEGMENT_LOG, line);
    return true;
}

/* Rare, so an open-append-close each time is cheap enough. */
void
sv_hls_discontinuity_note(int dir_fd, int64_t file, const char *why)
{
    char line[LOG_LINE_MAX];

    snprintf(line, sizeof(line), "%lld %.100s\n", (long long) file, why);
    append_line(dir_fd, ".discontinuities", line);
    snprintf(line, sizeof(line), "%lld gap\n", (long long) file);
    append_line(dir_fd, SEGMENT_LOG, line);
}

void
sv_hls_folder_forget(const char *dir)
{
    static const char *const notes[] = {
        SEGMENT_LOG, ".discontinuities", OFFSET_FILE, OFFSET_TEMP
    };
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dir_fd >= 0) {
        for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
            unlinkat(dir_fd, notes[i], 0);
        }
        close(dir_fd);
    }
}

void
sv_hls_segments_end(const char *dir)
{
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (dir_fd >= 0) {
        append_line(dir_fd, SEGMENT_LOG, "end\n");
        close(dir_fd);
    }
}

/* The number of a name "<digits><suffix>" (-1: not such a name). */
static int64_t
name_number(const char *name, const char *suffix)
{
    size_t digits = strspn(name, "0123456789");

    if (digits == 0 || digits > NUMBER_DIGITS
        || strcmp(name + digits, suffix) != 0) {
        return -1;
    }
    return strtoll(name, NULL, 10);
}

/* The offset kept in the folder: true with 0 when there is none. */
static bool
offset_load(int dir_fd, const char *dir_name, int64_t *offset, char *err,
            size_t errlen)
{
    char    text[32];
    int     fd = openat(dir_fd, OFFSET_FILE, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    *offset = 0;
    if (fd < 0) {
        if (errno == ENOENT) {
            return true;
        }
        snprintf(err, errlen, "cannot read %s/" OFFSET_FILE ": %s", dir_name,
                 strerror(errno));
        return false;
    }
    n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n > 0) {
        text[n] = '\0';
        *offset = name_number(text, "\n");
    }
    if (n <= 0 || *offset < 0) {
        snprintf(err, errlen, "%s/" OFFSET_FILE " is not a number", dir_name);
        return false;
    }
    return true;
}

bool
sv_hls_folder_open(int dir_fd, const char *dir_name, int64_t *highest,
                   int64_t *offset, char *err, size_t errlen)
{
    int            fd = dup(dir_fd);
    DIR           *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;

    *highest = -1;
    if (d == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", dir_name,
                 strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    /* The copy shares the descriptor's position: from the start. */
    rewinddir(d);
    while ((de = readdir(d)) != NULL) {
        int64_t number = name_number(de->d_name, ".ts");

        if (number > *highest) {
            *highest = number;
        }
        /* Half a segment (the writer died): never a segment. */
        if (name_number(de->d_name, ".ts.part") >= 0) {
            unlinkat(dir_fd, de->d_name, 0);
        }
    }
    closedir(d);
    return offset_load(dir_fd, dir_name, offset, err, errlen);
}

bool
sv_hls_offset_save(int dir_fd, const char *dir_name, int64_t offset,
                   char *err, size_t errlen)
{
    int fd = openat(dir_fd, OFFSET_TEMP,
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int failed = 0;

    if (fd < 0 || dprintf(fd, "%lld\n", (long long) offset) < 0
        || fdatasync(fd) != 0) {
        failed = errno;
    }
    if (fd >= 0 && close(fd) != 0 && failed == 0) {
        failed = errno;
    }
    if (failed == 0
        && renameat(dir_fd, OFFSET_TEMP, dir_fd, OFFSET_FILE) != 0) {
        failed = errno;
    }
    if (failed != 0) {
        snprintf(err, errlen, "cannot write %s/" OFFSET_FILE ": %s", dir_name,
                 strerror(failed));
        unlinkat(dir_fd, OFFSET_TEMP, 0);
        return false;
    }
    /* Before the files numbered with it. */
    fsync(dir_fd);
    return true;
}
