
/*
 * StreamVault nginx module: calling an API function and a Redis command on
 * behalf of a request, and turning their answers and errors into HTTP.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_tree.h>

#include "ngx_http_streamvault_api.h"


static void ngx_http_streamvault_call_done(void *data, ngx_int_t rc,
    PGresult *res);
static void ngx_http_streamvault_read_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
static void ngx_http_streamvault_redis_done(void *data, ngx_int_t rc,
    redisReply *reply);
static ngx_int_t ngx_http_streamvault_unavailable(ngx_http_request_t *r,
    ngx_int_t rc, const char *backend);
static ngx_uint_t ngx_http_streamvault_detail_retry_after(char *detail);


ngx_int_t
ngx_http_streamvault_call(ngx_http_streamvault_ctx_t *ctx, ngx_int_t stmt,
    ngx_str_t *body, ngx_str_t *extra, ngx_http_streamvault_next_pt next)
{
    ngx_str_t            doc;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (stmt == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "streamvault: no statement for \"%V\"", &r->uri);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_streamvault_document(ctx, body, extra, &doc) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->next = next;
    ctx->pg_op = ngx_http_streamvault_pg_send(r->connection->log, stmt,
                                              doc.data, doc.len,
                                              ngx_http_streamvault_call_done,
                                              ctx);
    if (ctx->pg_op == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_AGAIN;
}


static void
ngx_http_streamvault_call_done(void *data, ngx_int_t rc, PGresult *res)
{
    ngx_http_streamvault_ctx_t  *ctx = data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;

    ctx->pg_op = NULL;

    /* whatever a write did, this worker's cached reads may not show it */

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        ngx_http_streamvault_cache_invalidate();
    }

    if ((rc != NGX_OK || PQresultStatus(res) != PGRES_TUPLES_OK)
        && ctx->route->kind == SV_ROUTE_UPLOAD)
    {
        /* no import: the uploaded file goes before the error is sent */
        ngx_http_streamvault_upload_failed(ctx);
    }

    if (rc != NGX_OK) {
        rc = ngx_http_streamvault_unavailable(r, rc, "PostgreSQL");

    } else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = ngx_http_streamvault_send_sql_error(ctx, res);

    } else {
        ctx->next(ctx, res);
        ngx_http_run_posted_requests(c);
        return;
    }

    ngx_http_streamvault_finish(ctx, rc);
    ngx_http_run_posted_requests(c);
}


ngx_int_t
ngx_http_streamvault_command(ngx_http_streamvault_ctx_t *ctx, int argc,
    const char **argv, const size_t *argvlen,
    ngx_http_streamvault_redis_next_pt next)
{
    ngx_http_request_t  *r;

    r = ctx->request;

    ctx->redis_next = next;
    ctx->redis_op = ngx_http_streamvault_redis_send(r->connection->log, argc,
                                               argv, argvlen,
                                               ngx_http_streamvault_redis_done,
                                               ctx);
    if (ctx->redis_op == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_AGAIN;
}


static void
ngx_http_streamvault_redis_done(void *data, ngx_int_t rc, redisReply *reply)
{
    ngx_http_streamvault_ctx_t  *ctx = data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;

    ctx->redis_op = NULL;

    if (rc == NGX_OK && reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "streamvault: Redis answered \"%*s\"",
                      reply->len, reply->str);
        rc = NGX_ERROR;
    }

    if (rc != NGX_OK) {
        ngx_http_streamvault_finish(ctx,
                          ngx_http_streamvault_unavailable(r, rc, "Redis"));

    } else {
        ctx->redis_next(ctx, reply);
    }

    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_streamvault_unavailable(ngx_http_request_t *r, ngx_int_t rc,
    const char *backend)
{
    u_char  message[64];

    if (ngx_http_streamvault_retry_after(r, 1) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (rc == NGX_BUSY) {
        return ngx_http_streamvault_send_error(r,
                                         NGX_HTTP_SERVICE_UNAVAILABLE, "busy",
                                         "the server is busy; try again");
    }

    *ngx_snprintf(message, sizeof(message) - 1, "%s is unavailable; "
                  "try again", backend) = '\0';

    return ngx_http_streamvault_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "unavailable", (char *) message);
}


void
ngx_http_streamvault_reply(ngx_http_streamvault_ctx_t *ctx, PGresult *res)
{
    ngx_int_t   rc;
    ngx_str_t   json;

    rc = ngx_http_streamvault_result_json(ctx, res, &json);

    if (rc == NGX_OK) {
        rc = ngx_http_streamvault_send_json(ctx->request, ctx->route->status,
                                            &json);
    }

    ngx_http_streamvault_finish(ctx, rc);
}


/*
 * Reads (GET of an SQL route) are answered from this worker's cache when
 * nothing changed since (ngx_http_streamvault_cache.c), and carry an ETag
 * so that nginx's not-modified filter answers If-None-Match with 304.
 */

ngx_int_t
ngx_http_streamvault_read(ngx_http_streamvault_ctx_t *ctx)
{
    uint32_t   etag;
    ngx_str_t  json;

    if (ngx_http_streamvault_cache_key(ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_streamvault_cache_get(ctx, &json, &etag) == NGX_OK) {
        return ngx_http_streamvault_send_read(ctx, &json, etag);
    }

    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, NULL, ngx_http_streamvault_read_done);
}


static void
ngx_http_streamvault_read_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    uint32_t   etag;
    ngx_int_t  rc;
    ngx_str_t  json;

    rc = ngx_http_streamvault_result_json(ctx, res, &json);

    if (rc == NGX_OK) {
        etag = ngx_crc32_long(json.data, json.len);
        ngx_http_streamvault_cache_put(ctx, &json, etag);
        rc = ngx_http_streamvault_send_read(ctx, &json, etag);
    }

    ngx_http_streamvault_finish(ctx, rc);
}


ngx_int_t
ngx_http_streamvault_send_read(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *json, uint32_t etag)
{
    ngx_table_elt_t     *h;
    ngx_http_request_t  *r;

    r = ctx->request;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, sizeof("\"\"") - 1 + 8);
    if (h->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "ETag");
    h->value.len = ngx_sprintf(h->value.data, "\"%08xD\"", etag)
                   - h->value.data;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    r->headers_out.etag = h;

    return ngx_http_streamvault_send_json(r, NGX_HTTP_OK, json);
}


/* The one value a function returns, copied with a newline after it. */

ngx_int_t
ngx_http_streamvault_result_json(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res, ngx_str_t *json)
{
    size_t               len;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: api.%s returned no value",
                      ctx->route->function);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = PQgetlength(res, 0, 0);

    json->data = ngx_pnalloc(r->pool, len + 1);
    if (json->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(json->data, PQgetvalue(res, 0, 0), len);
    json->data[len] = '\n';
    json->len = len + 1;

    return NGX_OK;
}


/*
 * Errors raised by the API functions carry SQLSTATE "SV" + the HTTP status,
 * the code in HINT and extra fields as JSON in DETAIL; PostgreSQL's own
 * errors map to a few statuses, and the unexpected ones are logged and
 * never shown (docs/architecture.md).
 */

ngx_int_t
ngx_http_streamvault_send_sql_error(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    char                *state, *message, *hint, *detail;
    ngx_int_t            status;
    ngx_uint_t           retry_after;
    ngx_http_request_t  *r;

    r = ctx->request;

    state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

    if (state == NULL || message == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: api.%s failed: %s", ctx->route->function,
                      PQresultErrorMessage(res));
        return ngx_http_streamvault_send_error(r,
                                      NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      "internal", "internal error");
    }

    if (state[0] == 'S' && state[1] == 'V') {
        status = ngx_atoi((u_char *) state + 2, 3);

        if (status >= 400 && status <= 599) {
            retry_after = ngx_http_streamvault_detail_retry_after(detail);

            if (retry_after
                && ngx_http_streamvault_retry_after(r, retry_after) != NGX_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_streamvault_send_error(r, status,
                                                   hint ? hint : "error",
                                                   message);
        }
    }

    if (ngx_strcmp(state, "23505") == 0 || ngx_strcmp(state, "23503") == 0) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_CONFLICT,
                                               "conflict", message);
    }

    if (ngx_strcmp(state, "23514") == 0 || ngx_strncmp(state, "22", 2) == 0)
    {
        return ngx_http_streamvault_send_error(r, 422, "invalid", message);
    }

    if (ngx_strcmp(state, "57014") == 0) {
        if (ngx_http_streamvault_retry_after(r, 1) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_streamvault_send_error(r,
                                      NGX_HTTP_SERVICE_UNAVAILABLE, "timeout",
                                      "the database took too long");
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "streamvault: api.%s failed with SQLSTATE %s: %s",
                  ctx->route->function, state, message);

    return ngx_http_streamvault_send_error(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                           "internal", "internal error");
}


ngx_int_t
ngx_http_streamvault_retry_after(ngx_http_request_t *r, ngx_uint_t seconds)
{
    ngx_str_t   value;

    static ngx_str_t  key = ngx_string("Retry-After");

    value.data = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (value.data == NULL) {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(value.data, "%ui", seconds) - value.data;

    return ngx_http_streamvault_set_header(r, &key, &value);
}


static ngx_uint_t
ngx_http_streamvault_detail_retry_after(char *detail)
{
    yajl_val     tree, v;
    ngx_uint_t   seconds;

    static const char  *path[] = { "retry_after", NULL };

    if (detail == NULL || detail[0] != '{') {
        return 0;
    }

    tree = yajl_tree_parse(detail, NULL, 0);
    if (tree == NULL) {
        return 0;
    }

    v = yajl_tree_get(tree, path, yajl_t_number);

    seconds = (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0
               && YAJL_GET_INTEGER(v) <= 86400)
              ? (ngx_uint_t) YAJL_GET_INTEGER(v) : 0;

    yajl_tree_free(tree);

    return seconds;
}
