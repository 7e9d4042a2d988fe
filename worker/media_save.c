/*
 * Saving small files atomically (see media_save.h).
 */

#include "media_save.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "media_path.h"

#define TMP_SUFFIX  ".tmp"

static bool
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data += n;
        len -= (size_t) n;
    }
    return true;
}

bool
sv_media_save(const char *rel, const char *data, size_t len, char *err,
              size_t errlen)
{
    char path[PATH_MAX], tmp[PATH_MAX + sizeof(TMP_SUFFIX)];
    int  fd;
    bool ok;

    if (!sv_media_prepare_output(rel, path, err, errlen)) {
        return false;
    }
    snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, path);
    /* O_NOFOLLOW: a planted symlink at the temp name leads nowhere. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
              0644);
    ok = fd >= 0 && write_all(fd, data, len);
    if (fd >= 0 && close(fd) != 0) {
        ok = false;
    }
    if (!ok) {
        snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
    }
    if (ok && sv_media_commit(tmp, path, err, errlen)) {
        return true;
    }
    unlink(tmp);
    return false;
}
