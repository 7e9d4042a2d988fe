
/*
 * StreamVault nginx module: routes whose body carries a secret the database
 * must never see in clear. A user's "password" becomes "password_hash"
 * (hashed in the thread pool); a new API token is made here, and only its
 * SHA-256 is stored; the clear token goes back to the caller once.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_gen.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_PASSWORD_MIN  8
#define NGX_HTTP_STREAMVAULT_PASSWORD_MAX  1024


static void ngx_http_streamvault_password_hashed(
    ngx_http_streamvault_ctx_t *ctx, ngx_flag_t verified, char *new_hash);


ngx_int_t
ngx_http_streamvault_hash_password(ngx_http_streamvault_ctx_t *ctx)
{
    yajl_val                       body, password;
    ngx_http_request_t            *r;
    ngx_http_streamvault_field_t   fields[] = {
        { "password", ngx_null_string },
        { "password_hash", ngx_null_string },    /* never from a client */
        { NULL, ngx_null_string }
    };

    static const char  *key[] = { "password", NULL };

    r = ctx->request;

    body = ngx_http_streamvault_json_tree(r, &ctx->body);

    password = body ? yajl_tree_get(body, key, yajl_t_any) : NULL;

    if (password == NULL) {
        return ngx_http_streamvault_rewrite_call(ctx, fields,
                                          ngx_http_streamvault_reply);
    }

    if (ngx_http_streamvault_json_string_field(body, "password",
                                               &ctx->new_password,
                                               NGX_HTTP_STREAMVAULT_PASSWORD_MIN,
                                               NGX_HTTP_STREAMVAULT_PASSWORD_MAX)
        != NGX_OK)
    {
        return ngx_http_streamvault_send_error(r, 422, "invalid",
                                               "\"password\" must be a string "
                                               "of 8 to 1024 bytes");
    }

    return ngx_http_streamvault_crypt(ctx, NULL, NULL, &ctx->new_password,
                                      ngx_http_streamvault_password_hashed);
}


static void
ngx_http_streamvault_password_hashed(ngx_http_streamvault_ctx_t *ctx,
    ngx_flag_t verified, char *new_hash)
{
    ngx_int_t                     rc;
    ngx_http_streamvault_field_t  fields[] = {
        { "password", ngx_null_string },
        { "password_hash", { ngx_strlen(new_hash), (u_char *) new_hash } },
        { NULL, ngx_null_string }
    };

    rc = ngx_http_streamvault_rewrite_call(ctx, fields,
                                          ngx_http_streamvault_reply);

    ngx_http_streamvault_continue(ctx, rc);
}


/*
 * POST /api/tokens: "sv_<prefix>_<secret>"; the prefix finds the token in
 * lists, the secret is 32 random bytes.
 */

ngx_int_t
ngx_http_streamvault_token_create(ngx_http_streamvault_ctx_t *ctx)
{
    u_char              *p, hash[NGX_HTTP_STREAMVAULT_HASH_HEX_LEN];
    ngx_uint_t           i;
    ngx_str_t            prefix, secret, token;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ngx_http_streamvault_random_token(r->pool, 9, &prefix) != NGX_OK
        || ngx_http_streamvault_random_token(r->pool, 32, &secret) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the prefix is shown in lists: letters and digits only */

    for (i = 0; i < prefix.len; i++) {
        if (prefix.data[i] == '-' || prefix.data[i] == '_') {
            prefix.data[i] = 'x';
        }
    }

    token.data = ngx_pnalloc(r->pool, sizeof("sv__") - 1 + prefix.len
                                      + secret.len);
    if (token.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(token.data, "sv_%V_%V", &prefix, &secret);
    token.len = p - token.data;

    ngx_http_streamvault_sha256_hex(token.data, token.len, hash);

    {
        ngx_http_streamvault_field_t  fields[] = {
            { "token", token },
            { "token_hash", { sizeof(hash), hash } },
            { "token_prefix", prefix },
            { NULL, ngx_null_string }
        };

        return ngx_http_streamvault_rewrite_call(ctx, fields,
                                          ngx_http_streamvault_reply);
    }
}


/*
 * Calls the route's function with the body's fields except those named in
 * fields, followed by the fields that have a value; its answer goes to next.
 */

ngx_int_t
ngx_http_streamvault_rewrite_call(ngx_http_streamvault_ctx_t *ctx,
    ngx_http_streamvault_field_t *fields, ngx_http_streamvault_next_pt next)
{
    size_t                         len;
    yajl_gen                       g;
    yajl_val                       body;
    ngx_str_t                      out;
    ngx_uint_t                     i, skip;
    const unsigned char           *buf;
    ngx_http_request_t            *r;
    ngx_http_streamvault_field_t  *f;

    r = ctx->request;

    body = ngx_http_streamvault_json_tree(r, &ctx->body);

    if (ctx->body.len && !YAJL_IS_OBJECT(body)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    yajl_gen_map_open(g);

    for (i = 0; body && i < body->u.object.len; i++) {
        skip = 0;

        for (f = fields; f->key; f++) {
            if (ngx_strcmp(body->u.object.keys[i], f->key) == 0) {
                skip = 1;
            }
        }

        if (!skip) {
            yajl_gen_string(g, (u_char *) body->u.object.keys[i],
                            ngx_strlen(body->u.object.keys[i]));
            ngx_http_streamvault_gen_value(g, body->u.object.values[i]);
        }
    }

    for (f = fields; f->key; f++) {
        if (f->value.data) {
            yajl_gen_string(g, (u_char *) f->key, ngx_strlen(f->key));
            yajl_gen_string(g, f->value.data, f->value.len);
        }
    }

    yajl_gen_map_close(g);

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        yajl_gen_free(g);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out.data = (u_char *) buf;
    out.len = len;
    out.data = ngx_pstrdup(r->pool, &out);

    /* the generator's copy held the clear values too */

    ngx_explicit_memzero((void *) buf, len);
    yajl_gen_free(g);

    if (out.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         &out, NULL, next);
}
