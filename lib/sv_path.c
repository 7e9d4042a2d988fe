/*
 * Safe relative paths (see sv_path.h).
 */

#include "sv_path.h"

#include <stdio.h>
#include <string.h>

static bool
component_ok(const char *c, size_t len)
{
    return len > 0 && !(len == 1 && c[0] == '.')
           && !(len == 2 && c[0] == '.' && c[1] == '.');
}

bool
sv_path_relative_ok(const char *p, char *err, size_t errlen)
{
    size_t len = strlen(p);

    if (len == 0 || len > SV_PATH_REL_MAX) {
        snprintf(err, errlen, "must be 1..%d bytes", SV_PATH_REL_MAX);
        return false;
    }
    if (p[0] == '/') {
        snprintf(err, errlen, "must be relative (no leading '/')");
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char) p[i];

        if (ch < 0x20 || ch == 0x7f || ch == '\\') {
            snprintf(err, errlen, "contains a control byte or backslash");
            return false;
        }
    }
    for (const char *c = p;;) {
        const char *slash = strchr(c, '/');
        size_t      clen = slash != NULL ? (size_t) (slash - c) : strlen(c);

        if (!component_ok(c, clen)) {
            snprintf(err, errlen, "has an empty, '.' or '..' component");
            return false;
        }
        if (slash == NULL) {
            return true;
        }
        c = slash + 1;
    }
}

bool
sv_path_join(const char *root, const char *rel, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", root, rel);

    return n >= 0 && (size_t) n < cap;
}

bool
sv_path_within(const char *root, const char *path)
{
    size_t rlen = strlen(root);

    /* "/" is every absolute path's root; strip its slash so the test below
     * holds for it too. */
    while (rlen > 0 && root[rlen - 1] == '/') {
        rlen--;
    }
    return strncmp(root, path, rlen) == 0
           && (path[rlen] == '\0' || path[rlen] == '/');
}

bool
sv_path_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}
