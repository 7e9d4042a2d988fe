/*
 * The REST API's route table and its matching: plain C with no nginx
 * types, shared by the module (dispatch, OpenAPI) and the unit tests.
 *
 * A route is one method on one path pattern. Patterns are literal segments
 * and typed parameters: "/api/streamers/{id:int}" is a positive decimal that
 * JSON carries exactly (at most 2^53 - 1), "/api/jobs/{id:uuid}" a UUID in
 * its canonical 8-4-4-4-12 hex form.
 */

#ifndef SV_ROUTE_H
#define SV_ROUTE_H

#include <stddef.h>
#include <stdint.h>

enum sv_method {
    SV_GET    = 0x01,
    SV_HEAD   = 0x02,
    SV_POST   = 0x04,
    SV_PUT    = 0x08,
    SV_PATCH  = 0x10,
    SV_DELETE = 0x20,
};

/* Who may call a route; the roles are ordered. */
enum sv_role {
    SV_ROLE_PUBLIC,
    SV_ROLE_VIEWER,
    SV_ROLE_ADMIN,
};

/* What the module does for a route besides calling its SQL function. */
enum sv_route_kind {
    SV_ROUTE_SQL,           /* the request document to api.<function> */
    SV_ROUTE_HEALTH,        /* answered by the module, no I/O */
    SV_ROUTE_OPENAPI,       /* the document built from this table */
    SV_ROUTE_LOGIN,         /* rate limit, verify the password, session */
    SV_ROUTE_LOGOUT,        /* and the session cookies are cleared */
    SV_ROUTE_PASSWORD,      /* verify the current password, hash the new */
    SV_ROUTE_HASH_PASSWORD, /* body.password is hashed before the call */
    SV_ROUTE_TOKEN_CREATE,  /* the module makes the token */
    SV_ROUTE_STATUS,        /* Redis and disk figures join the call */
    SV_ROUTE_UPLOAD,        /* the raw body is a file for the import folder;
                               its doc names it (ngx_http_streamvault_upload.c) */
    SV_ROUTE_SCHEDULE,      /* cron and timezone checked, the next runs join
                               the doc (ngx_http_streamvault_schedule.c) */
    SV_ROUTE_SETTINGS,      /* the Twitch secrets in the body are sealed
                               (ngx_http_streamvault_settings.c) */
    SV_ROUTE_MEDIA_URLS,    /* the files the answer names become signed
                               media URLs (ngx_http_streamvault_media_urls.c) */
    SV_ROUTE_SHARED,        /* body.token is hashed before the call, and the
                               answer's files signed for its share (same) */
    SV_ROUTE_EVENTS,        /* once the call allows it, the Server-Sent
                               Events stream (ngx_http_streamvault_events.c) */
    SV_ROUTE_STREAMER,      /* body.filename_template is checked by the code
                               that renders it (ngx_http_streamvault_template.c) */
    SV_ROUTE_TEMPLATE,      /* the template checked, and the path the worker
                               would write added to the answer
                               (ngx_http_streamvault_template.c) */
};

struct sv_route {
    unsigned             method;
    const char          *pattern;
    enum sv_route_kind   kind;
    const char          *function;     /* api.<function>, NULL for module-only */
    enum sv_role         role;
    unsigned             body_limit;   /* bytes; 0: the route takes no body
                                          (SV_ROUTE_UPLOAD: streamvault_upload_max_size
                                          bounds it, any nonzero value here) */
    unsigned             status;       /* on success: 200 or 201 */
    const char          *summary;
};

extern const struct sv_route  sv_routes[];
extern const size_t           sv_routes_count;

#define SV_ROUTE_MAX_PARAMS  4
#define SV_JSON_INT_MAX      9007199254740991LL   /* 2^53 - 1 */

enum sv_param_type {
    SV_PARAM_INT,
    SV_PARAM_UUID,
};

struct sv_route_param {
    const char          *name;       /* points into the pattern */
    size_t               name_len;
    enum sv_param_type   type;
    int64_t              value;      /* SV_PARAM_INT */
    const char          *text;       /* SV_PARAM_UUID: points into the path */
    size_t               text_len;
};

struct sv_route_params {
    unsigned               count;
    struct sv_route_param  param[SV_ROUTE_MAX_PARAMS];
};

enum sv_match {
    SV_MATCH_OK,
    SV_MATCH_NOT_FOUND,
    SV_MATCH_BAD_METHOD,     /* the path exists; *allowed says with which */
};

/*
 * Matches an already normalized path (nginx's r->uri) against the table.
 * On SV_MATCH_OK sets *route and *params; on SV_MATCH_BAD_METHOD sets
 * *allowed to the methods the path has.
 */
enum sv_match sv_route_match(unsigned method, const char *path, size_t len,
                             const struct sv_route **route,
                             struct sv_route_params *params,
                             unsigned *allowed);

/* Matches one pattern; 1 and *params filled on a match, else 0. */
int sv_route_pattern_match(const char *pattern, const char *path, size_t len,
                           struct sv_route_params *params);

/* "GET", "POST", ...; NULL for a combination. */
const char *sv_method_name(unsigned method);

const char *sv_role_name(enum sv_role role);

#endif /* SV_ROUTE_H */
