/*
 * Paths that come from outside (job payloads, requests) and must name a file
 * under a root directory. Pure string checks: no file system access, so the
 * worker and the nginx module share them. Symlinks are the caller's concern
 * (resolve, then sv_path_within).
 */

#ifndef SV_PATH_H
#define SV_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define SV_PATH_REL_MAX  1024          /* bytes of a relative path */

/* True when p is a safe relative path: 1..SV_PATH_REL_MAX bytes, not
 * starting with '/', no empty, "." or ".." component, no control byte
 * (0x01-0x1f, 0x7f), no backslash. Otherwise false with the reason. */
bool sv_path_relative_ok(const char *p, char *err, size_t errlen);

/* root "/" rel into out; false if it does not fit. */
bool sv_path_join(const char *root, const char *rel, char *out, size_t cap);

/* True when path is root itself or lies below it (both absolute and
 * normalised, e.g. from realpath). */
bool sv_path_within(const char *root, const char *path);

/* True when s ends with suffix. */
bool sv_path_has_suffix(const char *s, const char *suffix);

#endif /* SV_PATH_H */
