/*
 * Route matching and the route table (lib/sv_route.c, lib/sv_routes.c).
 */

#include <string.h>

#include "sv_route.h"
#include "tap.h"

static enum sv_match
match(unsigned method, const char *path, const struct sv_route **route,
      struct sv_route_params *params, unsigned *allowed)
{
    return sv_route_match(method, path, strlen(path), route, params, allowed);
}

static void
test_patterns(void)
{
    struct sv_route_params  p;

    tap_ok(sv_route_pattern_match("/api/health", "/api/health", 11, &p)
           && p.count == 0, "a literal path matches itself");
    tap_ok(!sv_route_pattern_match("/api/health", "/api/healthz", 12, &p),
           "but not a longer one");
    tap_ok(!sv_route_pattern_match("/api/health", "/api/healt", 10, &p),
           "nor a shorter one");

    tap_ok(sv_route_pattern_match("/api/s/{id:int}", "/api/s/42", 9, &p)
           && p.count == 1 && p.param[0].value == 42
           && p.param[0].type == SV_PARAM_INT
           && p.param[0].name_len == 2 && memcmp(p.param[0].name, "id", 2) == 0,
           "an int parameter is read with its name");
    tap_ok(sv_route_pattern_match("/api/s/{id:int}/x", "/api/s/7/x", 10, &p)
           && p.param[0].value == 7, "a parameter between literals");
    tap_ok(sv_route_pattern_match("/api/s/{id:int}", "/api/s/9007199254740991",
                                  23, &p)
           && p.param[0].value == 9007199254740991LL, "2^53 - 1 is the largest id");

    static const char *const bad_ids[] = {
        "/api/s/0", "/api/s/-1", "/api/s/+1", "/api/s/01", "/api/s/1.5",
        "/api/s/1e3", "/api/s/", "/api/s/9007199254740992",
        "/api/s/99999999999999999999999", "/api/s/12a", "/api/s/ 1",
        "/api/s/1/", "/api/s/0x10", "/api/s/%31",
    };
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        tap_ok(!sv_route_pattern_match("/api/s/{id:int}", bad_ids[i],
                                       strlen(bad_ids[i]), &p),
               "'%s' is no id", bad_ids[i]);
    }

    const char *uuid = "/api/j/0f8fad5b-d9cb-469f-a165-70867728950e";
    tap_ok(sv_route_pattern_match("/api/j/{id:uuid}", uuid, strlen(uuid), &p)
           && p.param[0].type == SV_PARAM_UUID && p.param[0].text_len == 36
           && memcmp(p.param[0].text, uuid + 7, 36) == 0, "a uuid parameter");
    const char *upper = "/api/j/0F8FAD5B-D9CB-469F-A165-70867728950E";
    tap_ok(sv_route_pattern_match("/api/j/{id:uuid}", upper, strlen(upper), &p),
           "in upper case too");
    static const char *const bad_uuids[] = {
        "/api/j/0f8fad5b-d9cb-469f-a165-70867728950", "/api/j/0f8fad5bd9cb469fa16570867728950e",
        "/api/j/0f8fad5b-d9cb-469f-a165-70867728950g", "/api/j/0f8fad5b_d9cb-469f-a165-70867728950e",
        "/api/j/42",
    };
    for (size_t i = 0; i < sizeof(bad_uuids) / sizeof(bad_uuids[0]); i++) {
        tap_ok(!sv_route_pattern_match("/api/j/{id:uuid}", bad_uuids[i],
                                       strlen(bad_uuids[i]), &p),
               "'%s' is no uuid", bad_uuids[i]);
    }

    tap_ok(!sv_route_pattern_match("/api/s/{id:float}", "/api/s/1", 8, &p),
           "an unknown parameter type never matches");
}

static void
test_table(void)
{
    const struct sv_route   *r = NULL;
    struct sv_route_params   p;
    unsigned                 allowed;

    tap_is_int(match(SV_GET, "/api/health", &r, &p, &allowed), SV_MATCH_OK,
               "GET /api/health");
    tap_ok(r != NULL && r->kind == SV_ROUTE_HEALTH, "is the health route");
    tap_is_int(match(SV_HEAD, "/api/health", &r, &p, &allowed), SV_MATCH_OK,
               "HEAD matches a GET route");

    tap_is_int(match(SV_POST, "/api/health", &r, &p, &allowed),
               SV_MATCH_BAD_METHOD, "POST /api/health is a wrong method");
    tap_is_int(allowed, SV_GET | SV_HEAD, "allowed: GET, HEAD");

    tap_is_int(match(SV_PUT, "/api/streamers/5", &r, &p, &allowed),
               SV_MATCH_BAD_METHOD, "PUT /api/streamers/5 is a wrong method");
    tap_is_int(allowed, SV_GET | SV_HEAD | SV_PATCH | SV_DELETE,
               "allowed: GET, HEAD, PATCH, DELETE");

    tap_is_int(match(SV_PATCH, "/api/streamers/5", &r, &p, &allowed),
               SV_MATCH_OK, "PATCH /api/streamers/5");
    tap_ok(r != NULL && strcmp(r->function, "streamers_update") == 0
           && p.param[0].value == 5, "is streamers_update with id 5");

    tap_is_int(match(SV_POST, "/api/streamers/bulk", &r, &p, &allowed),
               SV_MATCH_OK, "a literal beside a parameter");
    tap_ok(r != NULL && strcmp(r->function, "streamers_bulk") == 0,
           "is streamers_bulk");
    tap_is_int(match(SV_GET, "/api/jobs/stats", &r, &p, &allowed), SV_MATCH_OK,
               "GET /api/jobs/stats");

    tap_is_int(match(SV_GET, "/api/nope", &r, &p, &allowed), SV_MATCH_NOT_FOUND,
               "an unknown path");
    tap_is_int(match(SV_GET, "/api/streamers/abc", &r, &p, &allowed),
               SV_MATCH_NOT_FOUND, "a bad id is no route");
    tap_is_int(match(SV_GET, "", &r, &p, &allowed), SV_MATCH_NOT_FOUND,
               "an empty path");

    /* Every row is sound: one method, /api/ prefix, a summary, the body
     * limit exactly where a body is allowed (POST, PUT, PATCH), a function
     * unless the module answers. */
    for (size_t i = 0; i < sv_routes_count; i++) {
        const struct sv_route *t = &sv_routes[i];
        int takes_body = t->method & (SV_POST | SV_PUT | SV_PATCH);

        tap_ok(sv_method_name(t->method) != NULL
               && strncmp(t->pattern, "/api/", 5) == 0
               && t->summary != NULL && t->summary[0] != '\0'
               && (t->status == 200 || t->status == 201 || t->status == 202)
               && (takes_body ? t->body_limit > 0 : t->body_limit == 0)
               && ((t->kind == SV_ROUTE_HEALTH || t->kind == SV_ROUTE_OPENAPI)
                   == (t->function == NULL)),
               "route %s %s is well-formed", sv_method_name(t->method),
               t->pattern);

        for (size_t j = 0; j < i; j++) {
            if (sv_routes[j].method == t->method
                && strcmp(sv_routes[j].pattern, t->pattern) == 0) {
                tap_ok(0, "route %s %s is listed twice",
                       sv_method_name(t->method), t->pattern);
            }
        }
    }
}

int
main(void)
{
    test_patterns();
    test_table();
    return tap_done();
}
