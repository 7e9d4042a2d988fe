/*
 * Route matching (see sv_route.h).
 */

#include "sv_route.h"

#include <string.h>

/* Parses a positive decimal that fits JSON exactly; 0 if it is not one. */
static int
parse_id(const char *s, size_t len, int64_t *out)
{
    int64_t  v = 0;
    size_t   i;

    if (len == 0 || len > 16 || s[0] == '0') {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }

    if (v > SV_JSON_INT_MAX) {
        return 0;
    }

    *out = v;
    return 1;
}

/* The canonical 8-4-4-4-12 form, either case. */
static int
is_uuid(const char *s, size_t len)
{
    size_t  i;

    if (len != 36) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-'
                 : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')
                     || (s[i] >= 'A' && s[i] <= 'F'))) {
            return 0;
        }
    }

    return 1;
}

/* Reads one "{name:type}" parameter segment into *param; 0 if no match. */
static int
match_param(const char *spec, const char *colon, const char *seg,
            size_t seg_len, struct sv_route_param *param)
{
    param->name = spec;
    param->name_len = (size_t) (colon - spec);
    param->text = seg;
    param->text_len = seg_len;

    if (strncmp(colon, ":int}", 5) == 0) {
        param->type = SV_PARAM_INT;
        return parse_id(seg, seg_len, &param->value);
    }

    if (strncmp(colon, ":uuid}", 6) == 0) {
        param->type = SV_PARAM_UUID;
        param->value = 0;
        return is_uuid(seg, seg_len);
    }

    return 0;
}

int
sv_route_pattern_match(const char *pattern, const char *path, size_t len,
                       struct sv_route_params *params)
{
    const char  *p = pattern, *end = path + len;

    params->count = 0;

    while (*p != '\0') {
        if (*p == '{') {
            const char  *name = p + 1;
            const char  *colon = strchr(name, ':');
            const char  *close = strchr(name, '}');
            const char  *seg_end = memchr(path, '/', (size_t) (end - path));

            if (seg_end == NULL) {
                seg_end = end;
            }

            if (colon == NULL || close == NULL || colon > close
                || params->count == SV_ROUTE_MAX_PARAMS
                || !match_param(name, colon, path, (size_t) (seg_end - path),
                                &params->param[params->count])) {
                return 0;
            }

            params->count++;

            p = close + 1;
            path = seg_end;
            continue;
        }

        if (path == end || *path != *p) {
            return 0;
        }
        p++;
        path++;
    }

    return path == end;
}

enum sv_match
sv_route_match(unsigned method, const char *path, size_t len,
               const struct sv_route **route, struct sv_route_params *params,
               unsigned *allowed)
{
    /* HEAD is GET without the body. */
    unsigned  want = method == SV_HEAD ? SV_GET : method;
    size_t    i;

    *allowed = 0;

    for (i = 0; i < sv_routes_count; i++) {
        const struct sv_route   *r = &sv_routes[i];
        struct sv_route_params   found;

        if (!sv_route_pattern_match(r->pattern, path, len, &found)) {
            continue;
        }

        if (r->method == want) {
            *route = r;
            *params = found;
            return SV_MATCH_OK;
        }

        *allowed |= r->method == SV_GET ? (SV_GET | SV_HEAD) : r->method;
    }

    return *allowed != 0 ? SV_MATCH_BAD_METHOD : SV_MATCH_NOT_FOUND;
}

const char *
sv_method_name(unsigned method)
{
    switch (method) {
    case SV_GET:    return "GET";
    case SV_HEAD:   return "HEAD";
    case SV_POST:   return "POST";
    case SV_PUT:    return "PUT";
    case SV_PATCH:  return "PATCH";
    case SV_DELETE: return "DELETE";
    default:        return NULL;
    }
}

const char *
sv_role_name(enum sv_role role)
{
    switch (role) {
    case SV_ROLE_PUBLIC: return "public";
    case SV_ROLE_VIEWER: return "viewer";
    case SV_ROLE_ADMIN:  return "admin";
    }
    return NULL;
}
