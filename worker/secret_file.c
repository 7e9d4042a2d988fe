/*
 * Atomic owner-only file writes (see secret_file.h).
 */

#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        data += n;
        len -= (size_t) n;
    }

    return 0;
}

int
sv_secret_file_write(const char *path, const char *data, size_t len,
                     char *err, size_t errlen)
{
    char  tmp[PATH_MAX];
    int   fd, n;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        snprintf(err, errlen, "file name is too long");
        return -1;
    }

    /* O_NOFOLLOW: a planted symlink must not redirect the secret. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }

    /* A left-over .tmp keeps its old mode through O_TRUNC; fix it first. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0
        || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }

    if (close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }

    return 0;
}
