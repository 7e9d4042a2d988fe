/*
 * The OpenAPI document (lib/sv_openapi.c): well-formed JSON, and every
 * route of the table in it with its method, parameters and security.
 */

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "sv_openapi.h"
#include "sv_route.h"
#include "tap.h"

static yajl_val
get(yajl_val v, const char *a, const char *b, const char *c)
{
    const char *path[] = { a, b, c, NULL };
    return yajl_tree_get(v, path, yajl_t_any);
}

int
main(void)
{
    size_t    len = 0;
    char     *doc = sv_openapi_json("1.2.3", &len);
    char      err[256];
    yajl_val  tree;

    tap_ok(doc != NULL && len == strlen(doc), "the document is built");
    tree = doc ? yajl_tree_parse(doc, err, sizeof(err)) : NULL;
    if (!tap_ok(tree != NULL, "and is well-formed JSON")) {
        fprintf(stderr, "# %s\n", err);
        return tap_done();
    }

    tap_is_str(YAJL_GET_STRING(get(tree, "openapi", NULL, NULL)), "3.0.3",
               "OpenAPI 3");
    tap_is_str(YAJL_GET_STRING(get(tree, "info", "version", NULL)), "1.2.3",
               "with our version");
    tap_ok(YAJL_IS_OBJECT(get(tree, "components", "securitySchemes", "bearer")),
           "bearer tokens are described");

    for (size_t i = 0; i < sv_routes_count; i++) {
        const struct sv_route *r = &sv_routes[i];
        char   path[128], method[8];
        size_t n = 0;

        for (const char *p = r->pattern; *p && n < sizeof(path) - 1; p++) {
            if (*p == ':') {
                p = strchr(p, '}');
            }
            path[n++] = *p;
        }
        path[n] = '\0';
        for (n = 0; sv_method_name(r->method)[n]; n++) {
            method[n] = (char) (sv_method_name(r->method)[n] | 0x20);
        }
        method[n] = '\0';

        yajl_val op = get(get(tree, "paths", NULL, NULL), path, method, NULL);
        if (!tap_ok(YAJL_IS_OBJECT(op), "%s %s is documented", method, path)) {
            continue;
        }

        yajl_val security = get(op, "security", NULL, NULL);
        tap_ok(YAJL_IS_ARRAY(security)
               && (r->role == SV_ROLE_PUBLIC) == (security->u.array.len == 0),
               "%s %s: security matches its role", method, path);

        unsigned want = 0;
        for (const char *p = r->pattern; (p = strchr(p, '{')) != NULL; p++) {
            want++;
        }
        yajl_val params = get(op, "parameters", NULL, NULL);
        tap_ok(YAJL_IS_ARRAY(params) && params->u.array.len == want,
               "%s %s: %u path parameter(s)", method, path, want);
        tap_ok((r->body_limit > 0) == YAJL_IS_OBJECT(get(op, "requestBody", NULL, NULL)),
               "%s %s: a request body exactly when it takes one", method, path);
    }

    yajl_tree_free(tree);
    free(doc);
    return tap_done();
}
