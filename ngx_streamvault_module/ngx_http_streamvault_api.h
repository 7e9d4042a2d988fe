
/*
 * StreamVault nginx module: the REST API's request context and the steps
 * a request goes through (see docs/architecture.md).
 */


#ifndef _NGX_HTTP_STREAMVAULT_API_H_INCLUDED_
#define _NGX_HTTP_STREAMVAULT_API_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_tree.h>

#include <sv_route.h>

#include "ngx_http_streamvault.h"


#define NGX_HTTP_STREAMVAULT_HASH_HEX_LEN   64      /* SHA-256 in hex */
#define NGX_HTTP_STREAMVAULT_JSON_DEPTH     32
#define NGX_HTTP_STREAMVAULT_TEMPLATE_ERR   256     /* a template's verdict */


typedef struct ngx_http_streamvault_ctx_s  ngx_http_streamvault_ctx_t;

/* the next step of a request, given the SQL function's answer */
typedef void (*ngx_http_streamvault_next_pt)(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);

/* the next step, given Redis' answer */
typedef void (*ngx_http_streamvault_redis_next_pt)(
    ngx_http_streamvault_ctx_t *ctx, redisReply *reply);

/* the next step after the thread pool verified and/or hashed a password */
typedef void (*ngx_http_streamvault_crypt_pt)(ngx_http_streamvault_ctx_t *ctx,
    ngx_flag_t verified, char *new_hash);

typedef struct ngx_http_streamvault_crypt_s  ngx_http_streamvault_crypt_t;

typedef struct ngx_http_streamvault_events_client_s
    ngx_http_streamvault_events_client_t;

/* a body field the module sets (or removes: no value) before the call */
typedef struct {
    const char  *key;
    ngx_str_t    value;
} ngx_http_streamvault_field_t;


typedef enum {
    NGX_HTTP_STREAMVAULT_AUTH_NONE = 0,
    NGX_HTTP_STREAMVAULT_AUTH_SESSION,
    NGX_HTTP_STREAMVAULT_AUTH_TOKEN
} ngx_http_streamvault_auth_e;


struct ngx_http_streamvault_ctx_s {
    ngx_http_request_t                *request;
    const struct sv_route             *route;
    struct sv_route_params             params;

    ngx_str_t                          query;      /* JSON object */
    ngx_str_t                          body;       /* JSON, validated */

    ngx_http_streamvault_auth_e        auth;
    u_char                             token_hash[NGX_HTTP_STREAMVAULT_HASH_HEX_LEN];
    ngx_str_t                          csrf;

    /* in flight; detached when the request goes away first */
    ngx_http_streamvault_pg_op_t      *pg_op;
    ngx_http_streamvault_redis_op_t   *redis_op;
    ngx_http_streamvault_next_pt       next;
    ngx_http_streamvault_redis_next_pt  redis_next;

    /* reads: the cache key, and the generation it was asked in */
    ngx_str_t                          cache_key;
    uint32_t                           cache_hash;
    ngx_uint_t                         cache_generation;

    /* the password steps (login, change, hashing) */
    ngx_str_t                          user_name;
    ngx_str_t                          password;
    ngx_str_t                          new_password;
    ngx_str_t                          stored_hash;
    int64_t                            user_id;    /* 0: no such user */
    ngx_str_t                          session_token;
    ngx_str_t                          csrf_token;

    /* an upload: its body so far, its file once renamed, its document */
    off_t                              upload_size;
    ngx_str_t                          upload_name;   /* <hex>-<name> */
    ngx_str_t                          upload_file;   /* null-terminated */
    ngx_str_t                          upload_doc;    /* the body doc */
    /* GET /api/events: the stream, once it started */
    ngx_http_streamvault_events_client_t  *events;

    unsigned                           upload:1;
    unsigned                           upload_reading:1;
    unsigned                           upload_accepted:1;
    unsigned                           upload_keepalive:1;
};


/* ngx_http_streamvault_api.c */
void ngx_http_streamvault_finish(ngx_http_streamvault_ctx_t *ctx,
    ngx_int_t rc);
void ngx_http_streamvault_continue(ngx_http_streamvault_ctx_t *ctx,
    ngx_int_t rc);
ngx_int_t ngx_http_streamvault_init_statements(ngx_conf_t *cf);
ngx_int_t ngx_http_streamvault_statement(const char *function);

/* the statement that only checks the caller is an admin */
#define NGX_HTTP_STREAMVAULT_AUTHORIZE_ADMIN  "authorize:admin"

/* the statement that says whether share $1 may still be watched */
#define NGX_HTTP_STREAMVAULT_SHARE_ACTIVE     "share:active"


/* ngx_http_streamvault_call.c */
ngx_int_t ngx_http_streamvault_call(ngx_http_streamvault_ctx_t *ctx,
    ngx_int_t stmt, ngx_str_t *body, ngx_str_t *extra,
    ngx_http_streamvault_next_pt next);
void ngx_http_streamvault_reply(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
ngx_int_t ngx_http_streamvault_read(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_send_read(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *json, uint32_t etag);
ngx_int_t ngx_http_streamvault_result_json(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res, ngx_str_t *json);
ngx_int_t ngx_http_streamvault_send_sql_error(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
ngx_int_t ngx_http_streamvault_command(ngx_http_streamvault_ctx_t *ctx,
    int argc, const char **argv, const size_t *argvlen,
    ngx_http_streamvault_redis_next_pt next);
ngx_int_t ngx_http_streamvault_retry_after(ngx_http_request_t *r,
    ngx_uint_t seconds);

/* ngx_http_streamvault_request.c */
ngx_int_t ngx_http_streamvault_parse_query(ngx_http_request_t *r,
    ngx_str_t *json);
ngx_int_t ngx_http_streamvault_read_json_body(ngx_http_request_t *r,
    ngx_str_t *body);
ngx_int_t ngx_http_streamvault_json_check(u_char *data, size_t len);
yajl_val ngx_http_streamvault_json_tree(ngx_http_request_t *r,
    ngx_str_t *json);
ngx_int_t ngx_http_streamvault_json_string_field(yajl_val object,
    const char *key, ngx_str_t *value, size_t min, size_t max);
const char *ngx_http_streamvault_json_member_string(yajl_val object,
    const char *key);
ngx_int_t ngx_http_streamvault_document(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *body, ngx_str_t *extra, ngx_str_t *doc);
u_char *ngx_http_streamvault_json_string(u_char *p, ngx_str_t *s);
size_t ngx_http_streamvault_json_string_len(ngx_str_t *s);
ngx_table_elt_t *ngx_http_streamvault_header_in(ngx_http_request_t *r,
    ngx_str_t *name);

/* ngx_http_streamvault_auth.c */
ngx_int_t ngx_http_streamvault_credentials(ngx_http_streamvault_ctx_t *ctx);
void ngx_http_streamvault_sha256_hex(u_char *data, size_t len, u_char *hex);
ngx_int_t ngx_http_streamvault_random_token(ngx_pool_t *pool, size_t n,
    ngx_str_t *out);
ngx_int_t ngx_http_streamvault_login(ngx_http_streamvault_ctx_t *ctx);
void ngx_http_streamvault_logout_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
ngx_int_t ngx_http_streamvault_password(ngx_http_streamvault_ctx_t *ctx);

/* ngx_http_streamvault_crypt.c */
ngx_int_t ngx_http_streamvault_crypt(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *password, ngx_str_t *stored_hash, ngx_str_t *new_password,
    ngx_http_streamvault_crypt_pt done);

/* ngx_http_streamvault_secrets.c */
ngx_int_t ngx_http_streamvault_hash_password(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_token_create(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_rewrite_call(ngx_http_streamvault_ctx_t *ctx,
    ngx_http_streamvault_field_t *fields, ngx_http_streamvault_next_pt next);

/* ngx_http_streamvault_settings.c */
ngx_int_t ngx_http_streamvault_settings(ngx_http_streamvault_ctx_t *ctx);

/* ngx_http_streamvault_cache.c */
ngx_int_t ngx_http_streamvault_cache_key(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_cache_get(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *body, uint32_t *etag);
void ngx_http_streamvault_cache_put(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *body, uint32_t etag);

/* ngx_http_streamvault_upload.c */
ngx_int_t ngx_http_streamvault_upload(ngx_http_streamvault_ctx_t *ctx);
void ngx_http_streamvault_upload_failed(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_upload_init(ngx_conf_t *cf);

/* ngx_http_streamvault_status.c */
ngx_int_t ngx_http_streamvault_status(ngx_http_streamvault_ctx_t *ctx);

/* ngx_http_streamvault_media_urls.c */
ngx_int_t ngx_http_streamvault_media_urls(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_shared(ngx_http_streamvault_ctx_t *ctx);

/* ngx_http_streamvault_events.c */
ngx_int_t ngx_http_streamvault_events(ngx_http_streamvault_ctx_t *ctx);

/* ngx_http_streamvault_schedule.c */
ngx_int_t ngx_http_streamvault_schedule(ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_invalid_extra(ngx_pool_t *pool,
    const char *field, const char *why, ngx_str_t *extra);

/* ngx_http_streamvault_template.c */
ngx_int_t ngx_http_streamvault_template_preview(
    ngx_http_streamvault_ctx_t *ctx);
ngx_int_t ngx_http_streamvault_template_check(const char *name,
    const char *tmpl, u_char *message, size_t size);
ngx_int_t ngx_http_streamvault_template_members(yajl_val object,
    const char *key, u_char *message, size_t size);
ngx_int_t ngx_http_streamvault_streamer_template(
    ngx_http_streamvault_ctx_t *ctx);


#endif /* _NGX_HTTP_STREAMVAULT_API_H_INCLUDED_ */
