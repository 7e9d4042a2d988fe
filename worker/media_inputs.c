/*
 * A job's raw inputs under the media root (see media_inputs.h).
 */

#include "media_inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media_path.h"
#include "sv_path.h"

/* True when rel names nothing: the file itself is gone, its directories
 * may be (a directory swapped for a file is an error, not gone). */
static bool
gone(const char *rel)
{
    char        path[PATH_MAX];
    struct stat st;

    return sv_path_join(sv_media_root(), rel, path, sizeof(path))
           && lstat(path, &st) != 0 && errno == ENOENT;
}

bool
sv_media_inputs_resolve(const char *const *rel, size_t count,
                        struct sv_media_inputs *in, char *err, size_t errlen)
{
    char real[PATH_MAX], why[PATH_MAX + 64];

    in->count = count;
    in->present = 0;
    in->real = calloc(count, sizeof(*in->real));
    if (in->real == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        if (gone(rel[i])) {
            continue;
        }
        if (!sv_media_resolve_input(rel[i], real, why, sizeof(why))) {
            snprintf(err, errlen, "input %zu: %s", i + 1, why);
            return false;
        }
        in->real[i] = strdup(real);
        if (in->real[i] == NULL) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        in->present++;
    }
    return true;
}

void
sv_media_inputs_free(struct sv_media_inputs *in)
{
    for (size_t i = 0; in->real != NULL && i < in->count; i++) {
        free(in->real[i]);
    }
    free(in->real);
    in->real = NULL;
}

static bool
fsync_dir_of(const char *path)
{
    char  dir[PATH_MAX];
    char *slash;
    int   fd;
    bool  ok;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        return true;
    }
    *slash = '\0';
    fd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

/* True when path's directory is that of an earlier present input (the
 * usual case: all segments in one folder), so it is fsynced once. */
static bool
dir_seen(const struct sv_media_inputs *in, size_t upto, const char *path)
{
    size_t dirlen = (size_t) (strrchr(path, '/') - path);

    for (size_t i = 0; i < upto; i++) {
        const char *p = in->real[i];

        if (p != NULL && (size_t) (strrchr(p, '/') - p) == dirlen
            && strncmp(p, path, dirlen) == 0) {
            return true;
        }
    }
    return false;
}

bool
sv_media_inputs_delete(const struct sv_media_inputs *in, char *err,
                       size_t errlen)
{
    for (size_t i = 0; i < in->count; i++) {
        if (in->real[i] != NULL && unlink(in->real[i]) != 0
            && errno != ENOENT) {
            snprintf(err, errlen, "deleting input %zu (%s): %s", i + 1,
                     in->real[i], strerror(errno));
            return false;
        }
    }
    for (size_t i = 0; i < in->count; i++) {
        if (in->real[i] != NULL && !dir_seen(in, i, in->real[i])
            && !fsync_dir_of(in->real[i])) {
            snprintf(err, errlen, "syncing the folder of input %zu (%s): %s",
                     i + 1, in->real[i], strerror(errno));
            return false;
        }
    }
    return true;
}
