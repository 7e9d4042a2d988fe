/*
 * Files under the media root (see media_path.h).
 */

#include "media_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv_path.h"

static char media_root[PATH_MAX];

void
sv_media_root_set(const char *root)
{
    snprintf(media_root, sizeof(media_root), "%s", root);
}

const char *
sv_media_root(void)
{
    return media_root;
}

/* The root's own real path. */
static bool
real_root(char *out, char *err, size_t errlen)
{
    if (media_root[0] == '\0' || realpath(media_root, out) == NULL) {
        snprintf(err, errlen, "media_root \"%s\": %s", media_root,
                 media_root[0] == '\0' ? "not set" : strerror(errno));
        return false;
    }
    return true;
}

bool
sv_media_resolve_input(const char *rel, char *out, char *err, size_t errlen)
{
    char        root[PATH_MAX], joined[PATH_MAX];
    struct stat st;

    if (!real_root(root, err, errlen)) {
        return false;
    }
    if (!sv_path_join(root, rel, joined, sizeof(joined))
        || realpath(joined, out) == NULL) {
        snprintf(err, errlen, "%s: %s", rel, strerror(errno));
        return false;
    }
    if (!sv_path_within(root, out)) {
        snprintf(err, errlen, "%s: leads outside the media root", rel);
        return false;
    }
    if (stat(out, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", rel);
        return false;
    }
    return true;
}

bool
sv_media_resolve_dir(const char *rel, char *out, bool *missing, char *err,
                     size_t errlen)
{
    char        root[PATH_MAX], joined[PATH_MAX];
    struct stat st;

    *missing = false;
    if (!sv_path_relative_ok(rel, err, errlen)
        || !real_root(root, err, errlen)) {
        return false;
    }
    if (!sv_path_join(root, rel, joined, sizeof(joined))
        || realpath(joined, out) == NULL) {
        *missing = errno == ENOENT;
        snprintf(err, errlen, "%s: %s", rel, strerror(errno));
        return *missing;
    }
    if (!sv_path_within(root, out)) {
        snprintf(err, errlen, "%s: leads outside the media root", rel);
        return false;
    }
    if (stat(out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a folder", rel);
        return false;
    }
    return true;
}

bool
sv_media_prepare_output(const char *rel, char *out, char *err, size_t errlen)
{
    char        root[PATH_MAX], dir[PATH_MAX], real_dir[PATH_MAX];
    const char *base = strrchr(rel, '/');

    if (!real_root(root, err, errlen)) {
        return false;
    }
    snprintf(real_dir, sizeof(real_dir), "%s", root);
    /* Each directory in turn, checked before anything is made inside it
     * (a symlink could lead out); rel was checked to have no "..". */
    for (const char *c = rel; base != NULL && c <= base;) {
        const char *slash = strchr(c, '/');

        if (snprintf(dir, sizeof(dir), "%s/%.*s", real_dir,
                     (int) (slash - c), c) >= (int) sizeof(dir)
            || (mkdir(dir, 0755) != 0 && errno != EEXIST)
            || realpath(dir, real_dir) == NULL) {
            snprintf(err, errlen, "%s: cannot create its directory: %s", rel,
                     strerror(errno));
            return false;
        }
        if (!sv_path_within(root, real_dir)) {
            snprintf(err, errlen, "%s: its directory leads outside the "
                     "media root", rel);
            return false;
        }
        c = slash + 1;
    }
    if (!sv_path_join(real_dir, base != NULL ? base + 1 : rel, out,
                      PATH_MAX)) {
        snprintf(err, errlen, "%s: path too long", rel);
        return false;
    }
    return true;
}

static bool
fsync_path(const char *path, int flags)
{
    int  fd = open(path, flags | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;

    if (fd >= 0) {
        close(fd);
    }
    return ok;
}

bool
sv_media_commit(const char *tmp, const char *path, char *err, size_t errlen)
{
    char  dir[PATH_MAX];
    char *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    if (!fsync_path(tmp, O_RDONLY) || rename(tmp, path) != 0
        || !fsync_path(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY)) {
        snprintf(err, errlen, "saving %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}
