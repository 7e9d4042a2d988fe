/*
 * The muxer's output file (see media_output.h).
 */

#include "media_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/error.h>
#include <libavutil/mem.h>

#define BUFFER_SIZE      (1 << 20)
#define WRITEBACK_EVERY  (8 << 20)      /* bytes */

struct output {
    int   fd;
    off_t flushed;                      /* writeback started up to here */
    int   error;                        /* the first write error, or 0 */
};

static int
write_out(void *opaque, uint8_t *buf, int len)
{
    struct output *o = opaque;

    for (int done = 0; done < len;) {
        ssize_t n = write(o->fd, buf + done, (size_t) (len - done));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            o->error = AVERROR(n < 0 ? errno : EIO);
            return o->error;
        }
        done += (int) n;
    }

    off_t end = lseek(o->fd, 0, SEEK_CUR);

    if (end - o->flushed >= WRITEBACK_EVERY) {
        /* Only starts the I/O; never waits for it. */
        sync_file_range(o->fd, o->flushed, end - o->flushed,
                        SYNC_FILE_RANGE_WRITE);
        o->flushed = end;
    }
    return len;
}

static int64_t
seek_out(void *opaque, int64_t offset, int whence)
{
    struct output *o = opaque;
    struct stat    st;

    if (whence == AVSEEK_SIZE) {
        return fstat(o->fd, &st) == 0 ? st.st_size : AVERROR(errno);
    }
    offset = lseek(o->fd, offset, whence & ~AVSEEK_FORCE);
    return offset < 0 ? AVERROR(errno) : offset;
}

AVIOContext *
sv_media_output_open(const char *path)
{
    struct output *o = calloc(1, sizeof(*o));
    uint8_t       *buf = av_malloc(BUFFER_SIZE);
    AVIOContext   *pb = NULL;

    if (o != NULL && buf != NULL) {
        o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (o->fd >= 0) {
            pb = avio_alloc_context(buf, BUFFER_SIZE, 1, o, NULL, write_out,
                                    seek_out);
            if (pb == NULL) {
                close(o->fd);
            }
        }
    }
    if (pb == NULL) {
        int saved = errno;

        av_free(buf);
        free(o);
        errno = saved != 0 ? saved : ENOMEM;
    }
    return pb;
}

int
sv_media_output_close(AVIOContext **pb)
{
    struct output *o;
    int            rc;

    if (*pb == NULL) {
        return 0;
    }
    o = (*pb)->opaque;
    avio_flush(*pb);
    rc = (*pb)->error < 0 ? (*pb)->error : o->error;
    if (close(o->fd) != 0 && rc == 0) {
        rc = AVERROR(errno);
    }
    av_freep(&(*pb)->buffer);
    avio_context_free(pb);
    free(o);
    return rc;
}
