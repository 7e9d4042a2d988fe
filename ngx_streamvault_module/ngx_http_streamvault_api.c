
/*
 * StreamVault nginx module: the API content handler. It matches the route
 * (lib/sv_routes.c), checks method, query, credentials and body, and hands
 * the request to the step its route's kind names (docs/architecture.md).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_openapi.h>
#include <sv_version.h>

#include "ngx_http_streamvault_api.h"


static ngx_int_t ngx_http_streamvault_not_allowed(ngx_http_request_t *r,
    unsigned allowed);
static void ngx_http_streamvault_body_read(ngx_http_request_t *r);
static void ngx_http_streamvault_start(ngx_http_streamvault_ctx_t *ctx);
static void ngx_http_streamvault_cleanup(void *data);
static ngx_int_t ngx_http_streamvault_health(ngx_http_request_t *r);
static ngx_int_t ngx_http_streamvault_openapi(ngx_http_request_t *r);


static struct {
    ngx_uint_t  ngx;
    unsigned    sv;
} ngx_http_streamvault_methods[] = {
    { NGX_HTTP_GET,    SV_GET },
    { NGX_HTTP_HEAD,   SV_HEAD },
    { NGX_HTTP_POST,   SV_POST },
    { NGX_HTTP_PUT,    SV_PUT },
    { NGX_HTTP_PATCH,  SV_PATCH },
    { NGX_HTTP_DELETE, SV_DELETE },
    { 0, 0 }
};


/* the functions the routes and their steps call, by statement number */
static ngx_array_t  *ngx_http_streamvault_functions;


ngx_int_t
ngx_http_streamvault_api_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_uint_t                   i;
    unsigned                     method, allowed;
    enum sv_match                match;
    ngx_http_cleanup_t          *cln;
    const struct sv_route       *route;
    struct sv_route_params       params;
    ngx_http_streamvault_ctx_t  *ctx;

    method = 0;

    for (i = 0; ngx_http_streamvault_methods[i].ngx; i++) {
        if (r->method == ngx_http_streamvault_methods[i].ngx) {
            method = ngx_http_streamvault_methods[i].sv;
            break;
        }
    }

    match = sv_route_match(method, (char *) r->uri.data, r->uri.len, &route,
                           &params, &allowed);

    if (match == SV_MATCH_NOT_FOUND) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_FOUND,
                                               "not_found",
                                               "no such API route");
    }

    if (match == SV_MATCH_BAD_METHOD) {
        return ngx_http_streamvault_not_allowed(r, allowed);
    }

    switch (route->kind) {

    case SV_ROUTE_HEALTH:
        return ngx_http_streamvault_health(r);

    case SV_ROUTE_OPENAPI:
        return ngx_http_streamvault_openapi(r);

    default:
        break;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_streamvault_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ctx->route = route;
    ctx->params = params;

    ngx_http_set_ctx(r, ctx, ngx_streamvault_module);

    /* what is in flight is detached if the request goes away first */

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_streamvault_cleanup;
    cln->data = ctx;

    rc = ngx_http_streamvault_parse_query(r, &ctx->query);
    if (rc != NGX_OK) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_BAD_REQUEST,
                                               "bad_request",
                                               "malformed query string");
    }

    if (ngx_http_streamvault_credentials(ctx) != NGX_OK) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                               "unauthorized",
                                               "malformed credentials");
    }

    /* api.authorize() would say the same; no backend work for nobody */

    if (route->role != SV_ROLE_PUBLIC
        && ctx->auth == NGX_HTTP_STREAMVAULT_AUTH_NONE)
    {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_UNAUTHORIZED,
                                               "unauthorized",
                                               "authentication required");
    }

    if (route->kind == SV_ROUTE_UPLOAD) {
        return ngx_http_streamvault_upload(ctx);
    }

    if (route->body_limit == 0
        || (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked))
    {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        r->main->count++;
        ngx_http_streamvault_start(ctx);

        return NGX_DONE;
    }

    if (r->headers_in.content_type == NULL
        || ngx_strncasecmp(r->headers_in.content_type->value.data,
                           (u_char *) "application/json",
                           sizeof("application/json") - 1) != 0
        || (r->headers_in.content_type->value.len
                > sizeof("application/json") - 1
            && r->headers_in.content_type->value.data
                   [sizeof("application/json") - 1] != ';'))
    {
        return ngx_http_streamvault_send_error(r,
                                        NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                        "unsupported_media_type",
                                        "the body must be application/json");
    }

    if (r->headers_in.content_length_n > (off_t) route->body_limit) {
        return ngx_http_streamvault_send_error(r,
                                          NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                          "too_large",
                                          "the body is larger than this "
                                          "route accepts");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_streamvault_body_read);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_streamvault_body_read(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_http_streamvault_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_streamvault_module);

    rc = ngx_http_streamvault_read_json_body(r, &ctx->body);

    switch (rc) {

    case NGX_OK:
        ngx_http_streamvault_start(ctx);
        return;

    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        rc = ngx_http_streamvault_send_error(r, rc, "too_large",
                                             "the body is larger than this "
                                             "route accepts");
        break;

    case NGX_HTTP_BAD_REQUEST:
        rc = ngx_http_streamvault_send_error(r, rc, "bad_json",
                                             "the body is not a JSON object "
                                             "(or is nested too deeply)");
        break;

    default:
        break;
    }

    ngx_http_streamvault_finish(ctx, rc);
}


static void
ngx_http_streamvault_start(ngx_http_streamvault_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->request;

    /* a client that goes away is noticed while the backends work */

    r->read_event_handler = ngx_http_test_reading;

    switch (ctx->route->kind) {

    case SV_ROUTE_LOGIN:
        rc = ngx_http_streamvault_login(ctx);
        break;

    case SV_ROUTE_LOGOUT:
        rc = ngx_http_streamvault_call(ctx,
                  ngx_http_streamvault_statement(ctx->route->function),
                  &ctx->body, NULL, ngx_http_streamvault_logout_done);
        break;

    case SV_ROUTE_PASSWORD:
        rc = ngx_http_streamvault_password(ctx);
        break;

    case SV_ROUTE_HASH_PASSWORD:
        rc = ngx_http_streamvault_hash_password(ctx);
        break;

    case SV_ROUTE_TOKEN_CREATE:
        rc = ngx_http_streamvault_token_create(ctx);
        break;

    case SV_ROUTE_STATUS:
        rc = ngx_http_streamvault_status(ctx);
        break;

    case SV_ROUTE_SCHEDULE:
        rc = ngx_http_streamvault_schedule(ctx);
        break;

    case SV_ROUTE_SETTINGS:
        rc = ngx_http_streamvault_settings(ctx);
        break;

    case SV_ROUTE_MEDIA_URLS:
        rc = ngx_http_streamvault_media_urls(ctx);
        break;

    case SV_ROUTE_SHARED:
        rc = ngx_http_streamvault_shared(ctx);
        break;

    case SV_ROUTE_EVENTS:
        rc = ngx_http_streamvault_events(ctx);
        break;

    case SV_ROUTE_STREAMER:
        rc = ngx_http_streamvault_streamer_template(ctx);
        break;

    case SV_ROUTE_TEMPLATE:
        rc = ngx_http_streamvault_template_preview(ctx);
        break;

    default:
        if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
            rc = ngx_http_streamvault_read(ctx);
            break;
        }

        rc = ngx_http_streamvault_call(ctx,
                  ngx_http_streamvault_statement(ctx->route->function),
                  &ctx->body, NULL, ngx_http_streamvault_reply);
        break;
    }

    ngx_http_streamvault_continue(ctx, rc);
}


void
ngx_http_streamvault_finish(ngx_http_streamvault_ctx_t *ctx, ngx_int_t rc)
{
    ngx_http_finalize_request(ctx->request, rc);
}


/* a step ends the request, unless it set more work in motion (NGX_AGAIN) */

void
ngx_http_streamvault_continue(ngx_http_streamvault_ctx_t *ctx, ngx_int_t rc)
{
    if (rc != NGX_AGAIN) {
        ngx_http_streamvault_finish(ctx, rc);
    }
}


static void
ngx_http_streamvault_cleanup(void *data)
{
    ngx_http_streamvault_ctx_t  *ctx = data;

    /* an upload that was not accepted leaves no file behind */

    if (ctx->upload_file.data) {
        ngx_http_streamvault_upload_failed(ctx);
    }

    if (ctx->pg_op) {
        ngx_http_streamvault_pg_detach(ctx->pg_op);
        ctx->pg_op = NULL;
    }

    if (ctx->redis_op) {
        ngx_http_streamvault_redis_detach(ctx->redis_op);
        ctx->redis_op = NULL;
    }
}


/*
 * Each SQL function is one prepared statement. Routes that need a user get
 * api.authorize() around the request document, so authentication, the role
 * and the work are one round trip.
 */

static struct {
    const char    *function;
    enum sv_role   role;
} ngx_http_streamvault_steps[] = {
    { "login_finish", SV_ROLE_PUBLIC },
    { "auth_password_finish", SV_ROLE_VIEWER },
    { NULL, SV_ROLE_PUBLIC }
};


static ngx_int_t
ngx_http_streamvault_add_function(ngx_conf_t *cf, const char *function,
    enum sv_role role, const char *text)
{
    ngx_str_t    sql;
    const char  *name;
    ngx_uint_t   i;

    name = NULL;

    for (i = 0; i < ngx_http_streamvault_functions->nelts; i++) {
        name = ((const char **) ngx_http_streamvault_functions->elts)[i];

        if (ngx_strcmp(name, function) == 0) {
            return NGX_OK;
        }
    }

    sql.data = ngx_pnalloc(cf->pool, 128 + ngx_strlen(function));
    if (sql.data == NULL) {
        return NGX_ERROR;
    }

    if (text) {
        sql.len = ngx_sprintf(sql.data, "%s", text) - sql.data;

    } else if (role == SV_ROLE_PUBLIC) {
        sql.len = ngx_sprintf(sql.data, "SELECT api.%s($1::jsonb)", function)
                  - sql.data;

    } else {
        sql.len = ngx_sprintf(sql.data,
                              "SELECT api.%s(api.authorize($1::jsonb, '%s'))",
                              function, sv_role_name(role))
                  - sql.data;
    }

    if (ngx_http_streamvault_pg_add_statement(cf, &sql)
        != (ngx_int_t) ngx_http_streamvault_functions->nelts)
    {
        return NGX_ERROR;
    }

    *(const char **) ngx_array_push(ngx_http_streamvault_functions) = function;

    return NGX_OK;
}


ngx_int_t
ngx_http_streamvault_init_statements(ngx_conf_t *cf)
{
    size_t  i;

    ngx_http_streamvault_functions = ngx_array_create(cf->pool, 64,
                                                      sizeof(const char *));
    if (ngx_http_streamvault_functions == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < sv_routes_count; i++) {
        if (sv_routes[i].function
            && ngx_http_streamvault_add_function(cf, sv_routes[i].function,
                                                 sv_routes[i].role, NULL)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    for (i = 0; ngx_http_streamvault_steps[i].function; i++) {
        if (ngx_http_streamvault_add_function(cf,
                                          ngx_http_streamvault_steps[i].function,
                                          ngx_http_streamvault_steps[i].role,
                                          NULL)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    /* an upload's caller is known to be an admin before its body is read */

    if (ngx_http_streamvault_add_function(cf,
                          NGX_HTTP_STREAMVAULT_AUTHORIZE_ADMIN, SV_ROLE_ADMIN,
                          "SELECT true FROM api.authorize($1::jsonb, 'admin')")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* a media playlist made for a share link: is it revoked? */

    if (ngx_http_streamvault_add_function(cf,
                          NGX_HTTP_STREAMVAULT_SHARE_ACTIVE, SV_ROLE_PUBLIC,
                          "SELECT api_internal.share_active($1::bigint)")
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_streamvault_statement(const char *function)
{
    ngx_uint_t    i;
    const char  **name;

    name = ngx_http_streamvault_functions->elts;

    for (i = 0; i < ngx_http_streamvault_functions->nelts; i++) {
        if (ngx_strcmp(name[i], function) == 0) {
            return i;
        }
    }

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_streamvault_not_allowed(ngx_http_request_t *r, unsigned allowed)
{
    u_char      *p;
    ngx_str_t    allow;
    ngx_uint_t   i;
    const char  *name;

    static ngx_str_t  allow_key = ngx_string("Allow");

    allow.data = ngx_pnalloc(r->pool, sizeof("GET, HEAD, POST, PUT, PATCH, "
                                             "DELETE") - 1);
    if (allow.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = allow.data;

    for (i = 0; ngx_http_streamvault_methods[i].ngx; i++) {
        if (!(allowed & ngx_http_streamvault_methods[i].sv)) {
            continue;
        }

        if (p != allow.data) {
            *p++ = ','; *p++ = ' ';
        }

        name = sv_method_name(ngx_http_streamvault_methods[i].sv);
        p = ngx_cpymem(p, name, ngx_strlen(name));
    }

    allow.len = p - allow.data;

    if (ngx_http_streamvault_set_header(r, &allow_key, &allow) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                           "method_not_allowed",
                                           "method not allowed for this "
                                           "API route");
}


/*
 * Liveness, and what this worker last saw of its backends, without any I/O:
 * "up", "down", or "unknown" before the first use.
 */

static ngx_int_t
ngx_http_streamvault_health(ngx_http_request_t *r)
{
    ngx_int_t   rc;
    ngx_str_t   body;

    static const char  *state[] = { "unknown", "up", "down" };

#define ngx_http_streamvault_state(rc)                                        \
    state[(rc) == NGX_OK ? 1 : (rc) == NGX_ERROR ? 2 : 0]

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    body.data = ngx_pnalloc(r->pool, sizeof("{\"status\":\"ok\",\"version\":\""
                                            STREAMVAULT_VERSION "\","
                                            "\"postgres\":\"unknown\","
                                            "\"redis\":\"unknown\"}\n"));
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body.len = ngx_sprintf(body.data, "{\"status\":\"ok\",\"version\":\""
                           STREAMVAULT_VERSION "\",\"postgres\":\"%s\","
                           "\"redis\":\"%s\"}\n",
                           ngx_http_streamvault_state(
                               ngx_http_streamvault_pg_status()),
                           ngx_http_streamvault_state(
                               ngx_http_streamvault_redis_status()))
               - body.data;

    return ngx_http_streamvault_send_json(r, NGX_HTTP_OK, &body);
}


static ngx_int_t
ngx_http_streamvault_openapi(ngx_http_request_t *r)
{
    ngx_int_t   rc;
    ngx_str_t   json;

    /* built from the static route table once per cycle, in its pool */

    static ngx_str_t     doc;
    static ngx_cycle_t  *built;

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (built != ngx_cycle) {
        json.data = (u_char *) sv_openapi_json(STREAMVAULT_VERSION, &json.len);
        if (json.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        doc.data = ngx_pstrdup(ngx_cycle->pool, &json);
        doc.len = json.len;
        free(json.data);

        if (doc.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        built = (ngx_cycle_t *) ngx_cycle;
    }

    return ngx_http_streamvault_send_json(r, NGX_HTTP_OK, &doc);
}
