/*
 * Files under the media root, for media jobs. Payload paths are checked
 * lexically at injection (sv_path_relative_ok); here, when the job runs,
 * they are resolved and checked again after symlinks, so no job reads or
 * writes outside the root.
 */

#ifndef SV_MEDIA_PATH_H
#define SV_MEDIA_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* The media root (the config's media_root); set once at start. A restart is
 * needed to change it, so children forked later see the same. */
void sv_media_root_set(const char *root);
const char *sv_media_root(void);

/* The real path (out, PATH_MAX bytes) of an existing regular file rel under
 * the root; false with the reason. */
bool sv_media_resolve_input(const char *rel, char *out, char *err,
                            size_t errlen);

/* The real path (out, PATH_MAX bytes) of a folder rel under the root;
 * *missing (and true) when it does not exist; false with the reason. */
bool sv_media_resolve_dir(const char *rel, char *out, bool *missing,
                          char *err, size_t errlen);

/* The path (out, PATH_MAX bytes) a new file rel under the root will have,
 * its directories created; false with the reason. */
bool sv_media_prepare_output(const char *rel, char *out, char *err,
                             size_t errlen);

/* Makes the finished tmp file durable and moves it to path atomically. */
bool sv_media_commit(const char *tmp, const char *path, char *err,
                     size_t errlen);

#endif /* SV_MEDIA_PATH_H */
