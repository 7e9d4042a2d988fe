/*
 * Deleting library files named by database rows (a recording's video, its
 * assets, its raw folder), relative to the media root. Rows are data, not
 * trust: each path is checked as a payload path is, every folder on the way
 * is opened and must really lie inside the root (symlinks followed only
 * while they stay inside), and the last component is never followed: a
 * symlink there is removed itself, never what it points to.
 *
 * Folders left empty are removed up to, not including, the path's first
 * component ("library", "raw"); every folder changed is fsynced. Deleting
 * what is already gone succeeds, so a re-run after a crash is harmless.
 */

#ifndef SV_LIBRARY_FILES_H
#define SV_LIBRARY_FILES_H

#include <stdbool.h>
#include <stddef.h>

enum sv_library_removed {
    SV_LIBRARY_REMOVED,     /* it was there and is gone now */
    SV_LIBRARY_GONE,        /* nothing was there */
    SV_LIBRARY_REFUSED,     /* not a path inside the root: left alone */
    SV_LIBRARY_FAILED       /* the file system said no (EACCES, EIO, ...) */
};

/*
 * Removes rel: a file (or symlink) when tree is false, refusing a folder;
 * when tree is true a folder with everything in it (symlinks inside are
 * removed, never followed), or a file in its place. *files grows by the
 * entries that were not folders. The reason of REFUSED and FAILED goes to
 * err.
 */
enum sv_library_removed sv_library_remove(const char *rel, bool tree,
                                          unsigned *files, char *err,
                                          size_t errlen);

#endif /* SV_LIBRARY_FILES_H */
