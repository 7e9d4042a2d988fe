
/*
 * StreamVault nginx module: credentials and sessions. The module reads the
 * bearer token or the session cookie and passes only its SHA-256 on; it
 * verifies passwords (in the thread pool), limits logins per address in
 * Redis, makes session and CSRF tokens and sets their cookies. Whether a
 * credential is valid is api.authorize()'s to say (docs/architecture.md).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_SESSION_AGE   1209600     /* 14 days */
#define NGX_HTTP_STREAMVAULT_PASSWORD_MIN  8
#define NGX_HTTP_STREAMVAULT_PASSWORD_MAX  1024
#define NGX_HTTP_STREAMVAULT_TOKEN_MIN     16
#define NGX_HTTP_STREAMVAULT_TOKEN_MAX     256


static ngx_int_t ngx_http_streamvault_token_chars(ngx_str_t *s);
static void ngx_http_streamvault_login_limited(ngx_http_streamvault_ctx_t *ctx,
    redisReply *reply);
static void ngx_http_streamvault_login_found(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
static void ngx_http_streamvault_login_checked(
    ngx_http_streamvault_ctx_t *ctx, ngx_flag_t verified, char *new_hash);
static void ngx_http_streamvault_login_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
static ngx_int_t ngx_http_streamvault_set_cookies(ngx_http_request_t *r,
    ngx_str_t *session, ngx_str_t *csrf, ngx_uint_t max_age);
static yajl_val ngx_http_streamvault_stored_hash(
    ngx_http_streamvault_ctx_t *ctx, PGresult *res);
static void ngx_http_streamvault_password_found(
    ngx_http_streamvault_ctx_t *ctx, PGresult *res);
static void ngx_http_streamvault_password_checked(
    ngx_http_streamvault_ctx_t *ctx, ngx_flag_t verified, char *new_hash);


static ngx_str_t  ngx_http_streamvault_session_cookie = ngx_string("sv_session");
static ngx_str_t  ngx_http_streamvault_csrf_header = ngx_string("X-CSRF-Token");


/*
 * "Authorization: Bearer <token>" wins over the session cookie. A malformed
 * bearer token is an error; a malformed cookie is ignored (it may be a stale
 * one, and must not stand in the way of logging in again).
 */

ngx_int_t
ngx_http_streamvault_credentials(ngx_http_streamvault_ctx_t *ctx)
{
    ngx_str_t            token;
    ngx_table_elt_t     *h;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (r->headers_in.authorization) {
        token = r->headers_in.authorization->value;

        if (token.len < sizeof("Bearer ") - 1
            || ngx_strncasecmp(token.data, (u_char *) "Bearer ",
                               sizeof("Bearer ") - 1) != 0)
        {
            return NGX_DECLINED;
        }

        token.data += sizeof("Bearer ") - 1;
        token.len -= sizeof("Bearer ") - 1;

        if (ngx_http_streamvault_token_chars(&token) != NGX_OK) {
            return NGX_DECLINED;
        }

        ctx->auth = NGX_HTTP_STREAMVAULT_AUTH_TOKEN;
        ngx_http_streamvault_sha256_hex(token.data, token.len,
                                        ctx->token_hash);
        return NGX_OK;
    }

    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies,
                                          &ngx_http_streamvault_session_cookie,
                                          &token)
        == NGX_DECLINED
        || ngx_http_streamvault_token_chars(&token) != NGX_OK)
    {
        return NGX_OK;
    }

    ctx->auth = NGX_HTTP_STREAMVAULT_AUTH_SESSION;
    ngx_http_streamvault_sha256_hex(token.data, token.len, ctx->token_hash);

    h = ngx_http_streamvault_header_in(r, &ngx_http_streamvault_csrf_header);

    if (h && ngx_http_streamvault_token_chars(&h->value) == NGX_OK) {
        ctx->csrf = h->value;
    }

    return NGX_OK;
}


/* tokens are made of base64url characters and "_": nothing to escape */

static ngx_int_t
ngx_http_streamvault_token_chars(ngx_str_t *s)
{
    ngx_uint_t  i;

    if (s->len < NGX_HTTP_STREAMVAULT_TOKEN_MIN
        || s->len > NGX_HTTP_STREAMVAULT_TOKEN_MAX)
    {
        return NGX_DECLINED;
    }

    for (i = 0; i < s->len; i++) {
        if (!((s->data[i] >= 'a' && s->data[i] <= 'z')
              || (s->data[i] >= 'A' && s->data[i] <= 'Z')
              || (s->data[i] >= '0' && s->data[i] <= '9')
              || s->data[i] == '-' || s->data[i] == '_'))
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


void
ngx_http_streamvault_sha256_hex(u_char *data, size_t len, u_char *hex)
{
    u_char  md[SHA256_DIGEST_LENGTH];

    SHA256(data, len, md);
    ngx_hex_dump(hex, md, sizeof(md));
}


/* n random bytes as base64url, without padding */

ngx_int_t
ngx_http_streamvault_random_token(ngx_pool_t *pool, size_t n, ngx_str_t *out)
{
    u_char     bytes[64];
    ngx_str_t  raw;

    if (n > sizeof(bytes) || RAND_bytes(bytes, (int) n) != 1) {
        return NGX_ERROR;
    }

    out->data = ngx_pnalloc(pool, ngx_base64_encoded_length(n));
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    raw.data = bytes;
    raw.len = n;

    ngx_encode_base64url(out, &raw);
    ngx_explicit_memzero(bytes, n);

    return NGX_OK;
}


/*
 * POST /api/auth/login {"username", "password"}: the address' rate in
 * Redis, the stored hash from api.login_begin, the verdict from crypt_rn()
 * in the thread pool, the session from api.login_finish.
 */

ngx_int_t
ngx_http_streamvault_login(ngx_http_streamvault_ctx_t *ctx)
{
    u_char                            *p;
    ngx_str_t                          key, window;
    yajl_val                           body;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    static const char  *script =
        "local n = redis.call('INCR', KEYS[1]) "
        "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
        "return {n, redis.call('TTL', KEYS[1])}";

    const char  *argv[5];
    size_t       argvlen[5];

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    body = ngx_http_streamvault_json_tree(r, &ctx->body);

    if (body == NULL
        || ngx_http_streamvault_json_string_field(body, "username",
                                                  &ctx->user_name, 1, 64)
           != NGX_OK
        || ngx_http_streamvault_json_string_field(body, "password",
                                   &ctx->password, 1,
                                   NGX_HTTP_STREAMVAULT_PASSWORD_MAX)
           != NGX_OK)
    {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_BAD_REQUEST,
                                               "bad_request",
                                               "\"username\" and \"password\" "
                                               "strings are required");
    }

    key.data = ngx_pnalloc(r->pool, sizeof("streamvault:login:ip:") - 1
                                    + r->connection->addr_text.len);
    window.data = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (key.data == NULL || window.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(key.data, "streamvault:login:ip:",
                   sizeof("streamvault:login:ip:") - 1);
    p = ngx_cpymem(p, r->connection->addr_text.data,
                   r->connection->addr_text.len);
    key.len = p - key.data;

    window.len = ngx_sprintf(window.data, "%T", smcf->login_window)
                 - window.data;

    argv[0] = "EVAL";           argvlen[0] = sizeof("EVAL") - 1;
    argv[1] = script;           argvlen[1] = ngx_strlen(script);
    argv[2] = "1";              argvlen[2] = 1;
    argv[3] = (char *) key.data;     argvlen[3] = key.len;
    argv[4] = (char *) window.data;  argvlen[4] = window.len;

    return ngx_http_streamvault_command(ctx, 5, argv, argvlen,
                                      ngx_http_streamvault_login_limited);
}


static void
ngx_http_streamvault_login_limited(ngx_http_streamvault_ctx_t *ctx,
    redisReply *reply)
{
    u_char                            *p;
    ngx_int_t                          rc;
    ngx_str_t                          body;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || reply->element[1]->type != REDIS_REPLY_INTEGER)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: unexpected Redis answer to the login "
                      "rate script");
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (reply->element[0]->integer > (long long) smcf->login_rate) {
        rc = ngx_http_streamvault_retry_after(r,
                                 reply->element[1]->integer > 0
                                 ? (ngx_uint_t) reply->element[1]->integer : 1);
        if (rc == NGX_OK) {
            rc = ngx_http_streamvault_send_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                                 "rate_limited",
                                                 "too many logins from this "
                                                 "address; try again later");
        }

        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    /* the password stays here: api.login_begin gets the name only */

    body.data = ngx_pnalloc(r->pool, sizeof("{\"username\":}") - 1
                       + ngx_http_streamvault_json_string_len(&ctx->user_name));
    if (body.data == NULL) {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = ngx_cpymem(body.data, "{\"username\":", sizeof("{\"username\":") - 1);
    p = ngx_http_streamvault_json_string(p, &ctx->user_name);
    *p++ = '}';
    body.len = p - body.data;

    rc = ngx_http_streamvault_call(ctx,
                                 ngx_http_streamvault_statement("login_begin"),
                                 &body, NULL,
                                 ngx_http_streamvault_login_found);
    ngx_http_streamvault_continue(ctx, rc);
}


static void
ngx_http_streamvault_login_found(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    ngx_int_t            rc;
    yajl_val             found, id;
    ngx_http_request_t  *r;

    static const char  *user_id[] = { "user_id", NULL };

    r = ctx->request;

    found = ngx_http_streamvault_stored_hash(ctx, res);
    if (found == NULL) {
        return;
    }

    id = yajl_tree_get(found, user_id, yajl_t_any);

    if (id == NULL || !(YAJL_IS_NULL(id) || YAJL_IS_INTEGER(id))) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: unexpected answer from api.login_begin");
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ctx->user_id = YAJL_IS_NULL(id) ? 0 : YAJL_GET_INTEGER(id);

    rc = ngx_http_streamvault_crypt(ctx, &ctx->password, &ctx->stored_hash,
                                    NULL, ngx_http_streamvault_login_checked);
    ngx_http_streamvault_continue(ctx, rc);
}


static void
ngx_http_streamvault_login_checked(ngx_http_streamvault_ctx_t *ctx,
    ngx_flag_t verified, char *new_hash)
{
    u_char               *p, hash[NGX_HTTP_STREAMVAULT_HASH_HEX_LEN];
    ngx_int_t             rc;
    ngx_str_t             body, agent;
    ngx_http_request_t   *r;

    r = ctx->request;

    ngx_explicit_memzero(ctx->password.data, ctx->password.len);

    if (ngx_http_streamvault_random_token(r->pool, 32, &ctx->session_token)
           != NGX_OK
        || ngx_http_streamvault_random_token(r->pool, 24, &ctx->csrf_token)
           != NGX_OK)
    {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_streamvault_sha256_hex(ctx->session_token.data,
                                    ctx->session_token.len, hash);

    ngx_str_null(&agent);

    if (r->headers_in.user_agent) {
        agent = r->headers_in.user_agent->value;
        agent.len = ngx_min(agent.len, 512);
    }

    body.data = ngx_pnalloc(r->pool,
                     sizeof("{\"user_id\":,\"ok\":false,\"token_hash\":\"\","
                            "\"csrf_token\":\"\",\"user_agent\":}") - 1
                     + NGX_INT64_LEN + sizeof(hash) + ctx->csrf_token.len
                     + ngx_http_streamvault_json_string_len(&agent));
    if (body.data == NULL) {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = body.data;

    if (ctx->user_id) {
        p = ngx_sprintf(p, "{\"user_id\":%L", ctx->user_id);

    } else {
        p = ngx_cpymem(p, "{\"user_id\":null", sizeof("{\"user_id\":null") - 1);
    }

    p = ngx_sprintf(p, ",\"ok\":%s,\"token_hash\":\"%*s\",\"csrf_token\":\"%V\","
                    "\"user_agent\":",
                    verified ? "true" : "false", sizeof(hash), hash,
                    &ctx->csrf_token);
    p = ngx_http_streamvault_json_string(p, &agent);
    *p++ = '}';
    body.len = p - body.data;

    rc = ngx_http_streamvault_call(ctx,
                                ngx_http_streamvault_statement("login_finish"),
                                &body, NULL, ngx_http_streamvault_login_done);
    ngx_http_streamvault_continue(ctx, rc);
}


static void
ngx_http_streamvault_login_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    ngx_int_t  rc;

    rc = ngx_http_streamvault_set_cookies(ctx->request, &ctx->session_token,
                                          &ctx->csrf_token,
                                          NGX_HTTP_STREAMVAULT_SESSION_AGE);
    if (rc != NGX_OK) {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_streamvault_reply(ctx, res);
}


/*
 * The answer of api.login_begin or api.auth_password_begin, with the stored
 * hash taken into ctx; NULL when it is not what they answer (the request is
 * then finished).
 */

static yajl_val
ngx_http_streamvault_stored_hash(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    ngx_int_t  rc;
    ngx_str_t  json;
    yajl_val   answer;

    rc = ngx_http_streamvault_result_json(ctx, res, &json);
    if (rc != NGX_OK) {
        ngx_http_streamvault_finish(ctx, rc);
        return NULL;
    }

    answer = ngx_http_streamvault_json_tree(ctx->request, &json);

    if (answer == NULL
        || ngx_http_streamvault_json_string_field(answer, "password_hash",
                                                  &ctx->stored_hash, 1, 512)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, ctx->request->connection->log, 0,
                      "streamvault: unexpected answer from api.%s",
                      ctx->route->function);
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NULL;
    }

    return answer;
}


/* after POST /api/auth/logout: the cookies are cleared */

void
ngx_http_streamvault_logout_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    static ngx_str_t  empty = ngx_null_string;

    if (ngx_http_streamvault_set_cookies(ctx->request, &empty, &empty, 0)
        != NGX_OK)
    {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    ngx_http_streamvault_reply(ctx, res);
}


/*
 * sv_session is HttpOnly; sv_csrf is for the page's script to echo in
 * X-CSRF-Token. Both SameSite=Strict, and Secure when the request came over
 * TLS. A max_age of 0 clears them.
 */

static ngx_int_t
ngx_http_streamvault_set_cookies(ngx_http_request_t *r, ngx_str_t *session,
    ngx_str_t *csrf, ngx_uint_t max_age)
{
    u_char            *p;
    size_t             len;
    ngx_str_t          value;
    ngx_uint_t         i, secure;
    ngx_table_elt_t   *h;

    static ngx_str_t  set_cookie = ngx_string("Set-Cookie");

#if (NGX_HTTP_SSL)
    secure = r->connection->ssl != NULL;
#else
    secure = 0;
#endif

    for (i = 0; i < 2; i++) {
        value = i ? *csrf : *session;

        len = sizeof("sv_session=; Path=/; Max-Age=; SameSite=Strict; "
                     "HttpOnly; Secure") - 1 + value.len + NGX_INT_T_LEN;

        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        h->key = set_cookie;
        h->value.data = p;

        p = ngx_sprintf(p, "%s=%V; Path=/; Max-Age=%ui; SameSite=Strict%s%s",
                        i ? "sv_csrf" : "sv_session", &value, max_age,
                        i ? "" : "; HttpOnly", secure ? "; Secure" : "");

        h->value.len = p - h->value.data;
    }

    return NGX_OK;
}


/*
 * POST /api/auth/password {"current_password", "new_password"}: the stored
 * hash from api.auth_password_begin, the current one verified and the new
 * one hashed in the thread pool, then api.auth_password_finish.
 */

ngx_int_t
ngx_http_streamvault_password(ngx_http_streamvault_ctx_t *ctx)
{
    /* who asks is known first: a bad body is nobody's business before */

    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, NULL, ngx_http_streamvault_password_found);
}


static void
ngx_http_streamvault_password_found(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    ngx_int_t            rc;
    yajl_val             body;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ngx_http_streamvault_stored_hash(ctx, res) == NULL) {
        return;
    }

    body = ngx_http_streamvault_json_tree(r, &ctx->body);

    if (body == NULL
        || ngx_http_streamvault_json_string_field(body, "current_password",
                                  &ctx->password, 1,
                                  NGX_HTTP_STREAMVAULT_PASSWORD_MAX)
           != NGX_OK)
    {
        rc = ngx_http_streamvault_send_error(r, NGX_HTTP_BAD_REQUEST,
                                             "bad_request",
                                             "\"current_password\" and "
                                             "\"new_password\" strings are "
                                             "required");
        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    if (ngx_http_streamvault_json_string_field(body, "new_password",
                                               &ctx->new_password,
                                               NGX_HTTP_STREAMVAULT_PASSWORD_MIN,
                                               NGX_HTTP_STREAMVAULT_PASSWORD_MAX)
        != NGX_OK)
    {
        rc = ngx_http_streamvault_send_error(r, 422, "invalid",
                                             "\"new_password\" must be a "
                                             "string of 8 to 1024 bytes");
        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    rc = ngx_http_streamvault_crypt(ctx, &ctx->password, &ctx->stored_hash,
                                    &ctx->new_password,
                                    ngx_http_streamvault_password_checked);
    ngx_http_streamvault_continue(ctx, rc);
}


static void
ngx_http_streamvault_password_checked(ngx_http_streamvault_ctx_t *ctx,
    ngx_flag_t verified, char *new_hash)
{
    u_char              *p;
    ngx_int_t            rc;
    ngx_str_t            body, hash;
    ngx_http_request_t  *r;

    r = ctx->request;

    hash.data = (u_char *) new_hash;
    hash.len = ngx_strlen(new_hash);

    body.data = ngx_pnalloc(r->pool,
                            sizeof("{\"ok\":false,\"new_password_hash\":}") - 1
                            + ngx_http_streamvault_json_string_len(&hash));
    if (body.data == NULL) {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = ngx_sprintf(body.data, "{\"ok\":%s,\"new_password_hash\":",
                    verified ? "true" : "false");
    p = ngx_http_streamvault_json_string(p, &hash);
    *p++ = '}';
    body.len = p - body.data;

    rc = ngx_http_streamvault_call(ctx,
                        ngx_http_streamvault_statement("auth_password_finish"),
                        &body, NULL, ngx_http_streamvault_reply);
    ngx_http_streamvault_continue(ctx, rc);
}
