/*
 * Chat archive files (see chat_file.h).
 */

#include "chat_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
sv_chat_file_open(struct sv_chat_file *f, const char *path, char *err,
                  size_t errlen)
{
    struct stat st;

    *f = (struct sv_chat_file) { .fd = -1 };
    /* O_NONBLOCK: a FIFO without a reader fails instead of hanging the
     * loop; a regular file ignores it. */
    f->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK,
                 0644);
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        if (f->fd >= 0) {
            close(f->fd);
            f->fd = -1;
        }
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        close(f->fd);
        f->fd = -1;
        return -1;
    }
    f->size = st.st_size;
    return 0;
}

int
sv_chat_file_append(struct sv_chat_file *f, const char *line, size_t len,
                    int64_t now_ms, char *err, size_t errlen)
{
    ssize_t n;

    do {
        n = write(f->fd, line, len);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t) len) {
        f->size += n;
        if (!f->dirty) {
            f->dirty = true;
            f->sync_at_ms = now_ms + SV_CHAT_SYNC_MS;
        }
        return 0;
    }
    snprintf(err, errlen, "cannot write the chat file: %s",
             n < 0 ? strerror(errno) : "short write (disk full?)");
    /* Half a line would glue itself to the next one. */
    if (n > 0 && ftruncate(f->fd, f->size) != 0) {
        snprintf(err, errlen, "cannot write the chat file, nor cut the "
                 "half line: %s", strerror(errno));
    }
    return -1;
}

int
sv_chat_file_sync(struct sv_chat_file *f, int64_t now_ms, char *err,
                  size_t errlen)
{
    if (!f->dirty || now_ms < f->sync_at_ms) {
        return 0;
    }
    f->dirty = false;
    if (fdatasync(f->fd) != 0) {
        snprintf(err, errlen, "cannot fdatasync the chat file: %s",
                 strerror(errno));
        return -1;
    }
    return 0;
}

int64_t
sv_chat_file_due(const struct sv_chat_file *f)
{
    return f->dirty ? f->sync_at_ms : INT64_MAX;
}

int
sv_chat_file_close(struct sv_chat_file *f, char *err, size_t errlen)
{
    int status = 0;

    if (f->fd < 0) {
        return 0;
    }
    if (f->dirty && fdatasync(f->fd) != 0) {
        snprintf(err, errlen, "cannot fdatasync the chat file: %s",
                 strerror(errno));
        status = -1;
    }
    if (close(f->fd) != 0 && status == 0) {
        snprintf(err, errlen, "cannot close the chat file: %s",
                 strerror(errno));
        status = -1;
    }
    f->fd = -1;
    f->dirty = false;
    return status;
}
