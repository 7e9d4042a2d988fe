/*
 * Deleting library files (see library_files.h).
 */

#include "library_files.h"

#include <dirent.h>
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

/* Components of a path (SV_PATH_REL_MAX bytes: at most half as many), and
 * how deep a raw folder may nest. */
#define MAX_COMPONENTS  (SV_PATH_REL_MAX / 2 + 1)
#define MAX_TREE_DEPTH  16
/* A folder emptied while it is read may list an entry late: look again. */
#define TREE_PASSES     3

/* True when the folder open as fd really lies inside root (after every
 * symlink on the way to it). */
static bool
fd_within(int fd, const char *root)
{
    char    link[32], real[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, real, sizeof(real) - 1);
    if (n <= 0) {
        return false;
    }
    real[n] = '\0';
    return sv_path_within(root, real);
}

static void
fsync_fd(int fd)
{
    /* Best effort: the entry is gone either way; a crash that brings it
     * back only means the next run removes it again. */
    (void) fsync(fd);
}

/* Removes everything in the folder name (in the folder parent), then the
 * folder; never follows a symlink. */
static enum sv_library_removed
remove_tree(int parent, const char *name, unsigned depth, unsigned *files,
            char *err, size_t errlen)
{
    int            fd;
    DIR           *d;
    struct dirent *e;
    struct stat    st;

    if (depth >= MAX_TREE_DEPTH) {
        snprintf(err, errlen, "folders nested more than %d deep",
                 MAX_TREE_DEPTH);
        return SV_LIBRARY_FAILED;
    }
    fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        snprintf(err, errlen, "opening %s: %s", name, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return SV_LIBRARY_FAILED;
    }
    for (int pass = 0; pass < TREE_PASSES; pass++) {
        rewinddir(d);
        while ((errno = 0, e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                continue;   /* gone meanwhile */
            }
            if (S_ISDIR(st.st_mode)) {
                if (remove_tree(fd, e->d_name, depth + 1, files, err, errlen)
                    != SV_LIBRARY_REMOVED) {
                    closedir(d);
                    return SV_LIBRARY_FAILED;
                }
            } else if (unlinkat(fd, e->d_name, 0) == 0) {
                (*files)++;
            } else if (errno != ENOENT) {
                snprintf(err, errlen, "deleting %s/%s: %s", name, e->d_name,
                         strerror(errno));
                closedir(d);
                return SV_LIBRARY_FAILED;
            }
        }
        fsync_fd(fd);
        if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
            closedir(d);
            return SV_LIBRARY_REMOVED;
        }
        if (errno != ENOTEMPTY && errno != EEXIST) {
            break;
        }
    }
    snprintf(err, errlen, "removing the folder %s: %s", name,
             strerror(errno));
    closedir(d);
    return SV_LIBRARY_FAILED;
}

/* The last component, in the folder dir: a file, or a tree. */
static enum sv_library_removed
remove_last(int dir, const char *name, bool tree, unsigned *files, char *err,
            size_t errlen)
{
    struct stat st;

    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
            return SV_LIBRARY_GONE;
        }
        snprintf(err, errlen, "%s", strerror(errno));
        return SV_LIBRARY_FAILED;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!tree) {
            snprintf(err, errlen, "a folder, not a file");
            return SV_LIBRARY_REFUSED;
        }
        return remove_tree(dir, name, 0, files, err, errlen);
    }
    /* a file, or a symlink: the link itself, never its target */
    if (unlinkat(dir, name, 0) != 0) {
        if (errno == ENOENT) {
            return SV_LIBRARY_GONE;
        }
        snprintf(err, errlen, "%s", strerror(errno));
        return SV_LIBRARY_FAILED;
    }
    (*files)++;
    return SV_LIBRARY_REMOVED;
}

enum sv_library_removed
sv_library_remove(const char *rel, bool tree, unsigned *files, char *err,
                  size_t errlen)
{
    char                     root[PATH_MAX], copy[SV_PATH_REL_MAX + 1];
    char                     why[256];
    char                    *comp[MAX_COMPONENTS];
    int                      fds[MAX_COMPONENTS];
    size_t                   n = 0, opened = 0;
    enum sv_library_removed  r = SV_LIBRARY_GONE;

    if (!sv_path_relative_ok(rel, why, sizeof(why))) {
        snprintf(err, errlen, "%s", why);
        return SV_LIBRARY_REFUSED;
    }
    if (realpath(sv_media_root(), root) == NULL) {
        snprintf(err, errlen, "media_root \"%s\": %s", sv_media_root(),
                 strerror(errno));
        return SV_LIBRARY_FAILED;
    }
    snprintf(copy, sizeof(copy), "%s", rel);
    for (char *save = NULL, *c = strtok_r(copy, "/", &save);
         c != NULL && n < MAX_COMPONENTS; c = strtok_r(NULL, "/", &save)) {
        comp[n++] = c;
    }

    /* fds[k]: the folder of comp[k], opened from fds[k - 1] */
    fds[0] = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fds[0] < 0) {
        snprintf(err, errlen, "media_root: %s", strerror(errno));
        return SV_LIBRARY_FAILED;
    }
    opened = 1;
    for (; opened < n; opened++) {
        fds[opened] = openat(fds[opened - 1], comp[opened - 1],
                             O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fds[opened] < 0) {
            if (errno == ENOENT) {
                r = SV_LIBRARY_GONE;
            } else if (errno == ENOTDIR) {
                snprintf(err, errlen, "%s is not a folder", comp[opened - 1]);
                r = SV_LIBRARY_REFUSED;
            } else {
                snprintf(err, errlen, "opening %s: %s", comp[opened - 1],
                         strerror(errno));
                r = SV_LIBRARY_FAILED;
            }
            goto done;
        }
        if (!fd_within(fds[opened], root)) {
            opened++;
            snprintf(err, errlen, "leads outside the media root");
            r = SV_LIBRARY_REFUSED;
            goto done;
        }
    }

    r = remove_last(fds[n - 1], comp[n - 1], tree, files, err, errlen);
    if (r != SV_LIBRARY_REMOVED) {
        goto done;
    }
    fsync_fd(fds[n - 1]);
    /* Folders left empty, up to the first component; one that is not empty
     * (or anything else) stops the climb. */
    for (size_t j = n - 1; j-- > 1;) {
        if (unlinkat(fds[j], comp[j], AT_REMOVEDIR) != 0) {
            break;
        }
        fsync_fd(fds[j]);
    }

done:
    while (opened > 0) {
        close(fds[--opened]);
    }
    return r;
}
