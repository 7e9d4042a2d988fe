
/*
 * StreamVault nginx module: the routes that hand out media URLs. The SQL
 * function names files ("files": {name: path}, the paths relative to the
 * media root) at the top of its answer or in each of its "recordings";
 * each becomes a URL signed for streamvault_media_ttl (lib/sv_media_url.h),
 * which the /media/ location checks with no I/O:
 *
 *   {"id": 7, "urls": {"mp4": "/media/1767225600/0/<sig>/library/...mp4"},
 *    "expires_at": 1767225600}
 *
 * A share code's answer ({"share": 3, "expires_at": <the share's end>,
 * "recordings": [...]}) is signed for that share, and never past its end.
 * A path that is no media file is left out and logged: the database and
 * the module disagree on what is served.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_media_url.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_SHARE_CODE_MAX  256


typedef struct {
    ngx_http_request_t    *request;
    yajl_gen               gen;
    int64_t                share;
    time_t                 expires;
    struct sv_media_file  *file;        /* reused for each path */
} ngx_http_streamvault_signer_t;


static void ngx_http_streamvault_media_urls_done(
    ngx_http_streamvault_ctx_t *ctx, PGresult *res);
static ngx_int_t ngx_http_streamvault_media_object(
    ngx_http_streamvault_signer_t *s, yajl_val obj);
static ngx_int_t ngx_http_streamvault_media_url(
    ngx_http_streamvault_signer_t *s, const char *name, const char *path);


ngx_int_t
ngx_http_streamvault_media_urls(ngx_http_streamvault_ctx_t *ctx)
{
    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, NULL, ngx_http_streamvault_media_urls_done);
}


/* POST /api/shared {"token"}: the database sees only its SHA-256 */

ngx_int_t
ngx_http_streamvault_shared(ngx_http_streamvault_ctx_t *ctx)
{
    yajl_val                       body;
    ngx_str_t                      token;
    ngx_http_request_t            *r;
    u_char                         hash[NGX_HTTP_STREAMVAULT_HASH_HEX_LEN];
    ngx_http_streamvault_field_t   fields[] = {
        { "token", ngx_null_string },
        { "token_hash", { sizeof(hash), hash } },
        { NULL, ngx_null_string }
    };

    r = ctx->request;

    body = ngx_http_streamvault_json_tree(r, &ctx->body);

    if (body == NULL
        || ngx_http_streamvault_json_string_field(body, "token", &token, 1,
                                       NGX_HTTP_STREAMVAULT_SHARE_CODE_MAX)
           != NGX_OK)
    {
        return ngx_http_streamvault_send_error(r, 422, "invalid",
                                               "\"token\" must be the share "
                                               "code, a string");
    }

    ngx_http_streamvault_sha256_hex(token.data, token.len, hash);

    return ngx_http_streamvault_rewrite_call(ctx, fields,
                                         ngx_http_streamvault_media_urls_done);
}


static void
ngx_http_streamvault_media_urls_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    yajl_val                           doc, v;
    ngx_int_t                          rc;
    ngx_str_t                          json;
    ngx_http_request_t                *r;
    ngx_http_streamvault_signer_t      s;
    ngx_http_streamvault_main_conf_t  *smcf;

    static const char  *share_path[] = { "share", NULL };
    static const char  *expires_path[] = { "expires_at", NULL };

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    s.request = r;
    s.gen = NULL;
    s.share = 0;
    s.expires = ngx_time() + smcf->media_ttl;

    s.file = ngx_palloc(r->pool, sizeof(struct sv_media_file));
    if (s.file == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    rc = ngx_http_streamvault_result_json(ctx, res, &json);
    if (rc != NGX_OK) {
        goto done;
    }

    doc = ngx_http_streamvault_json_tree(r, &json);

    if (!YAJL_IS_OBJECT(doc)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: api.%s answered no object",
                      ctx->route->function);
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    v = yajl_tree_get(doc, share_path, yajl_t_number);
    if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0) {
        s.share = YAJL_GET_INTEGER(v);
    }

    v = yajl_tree_get(doc, expires_path, yajl_t_number);
    if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) < s.expires) {
        s.expires = YAJL_GET_INTEGER(v);
    }

    s.gen = yajl_gen_alloc(NULL);
    if (s.gen == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    rc = ngx_http_streamvault_media_object(&s, doc);
    if (rc != NGX_OK) {
        goto done;
    }

    rc = ngx_http_streamvault_send_gen(r, ctx->route->status, s.gen);

done:

    if (s.gen) {
        yajl_gen_free(s.gen);
    }

    ngx_http_streamvault_finish(ctx, rc);
}


/*
 * An object of the answer as it is, but "files" becomes "urls",
 * "expires_at" the URLs' expiry, and each of "recordings" the same again.
 */

static ngx_int_t
ngx_http_streamvault_media_object(ngx_http_streamvault_signer_t *s,
    yajl_val obj)
{
    size_t       i, j;
    yajl_val     v, files;
    ngx_int_t    rc;
    const char  *key;

    yajl_gen_map_open(s->gen);

    for (i = 0; i < obj->u.object.len; i++) {
        key = obj->u.object.keys[i];
        v = obj->u.object.values[i];

        if (ngx_strcmp(key, "expires_at") == 0) {
            continue;
        }

        if (ngx_strcmp(key, "files") == 0 && YAJL_IS_OBJECT(v)) {
            files = v;

            yajl_gen_string(s->gen, (u_char *) "urls", 4);
            yajl_gen_map_open(s->gen);

            for (j = 0; j < files->u.object.len; j++) {
                if (!YAJL_IS_STRING(files->u.object.values[j])) {
                    continue;
                }

                rc = ngx_http_streamvault_media_url(s,
                                   files->u.object.keys[j],
                                   YAJL_GET_STRING(files->u.object.values[j]));
                if (rc != NGX_OK) {
                    return rc;
                }
            }

            yajl_gen_map_close(s->gen);
            continue;
        }

        yajl_gen_string(s->gen, (u_char *) key, ngx_strlen(key));

        if (ngx_strcmp(key, "recordings") == 0 && YAJL_IS_ARRAY(v)) {
            yajl_gen_array_open(s->gen);

            for (j = 0; j < v->u.array.len; j++) {
                if (!YAJL_IS_OBJECT(v->u.array.values[j])) {
                    continue;
                }

                rc = ngx_http_streamvault_media_object(s,
                                                       v->u.array.values[j]);
                if (rc != NGX_OK) {
                    return rc;
                }
            }

            yajl_gen_array_close(s->gen);
            continue;
        }

        ngx_http_streamvault_gen_value(s->gen, v);
    }

    yajl_gen_string(s->gen, (u_char *) "expires_at", 10);
    yajl_gen_integer(s->gen, s->expires);

    yajl_gen_map_close(s->gen);

    return NGX_OK;
}


/* "name": "/media/<expires>/<share>/<signature>/<path, percent-encoded>" */

static ngx_int_t
ngx_http_streamvault_media_url(ngx_http_streamvault_signer_t *s,
    const char *name, const char *path)
{
    u_char                            *url, *p;
    size_t                             len;
    struct sv_media_file              *f;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;
    char                               sig[SV_MEDIA_SIG_LEN + 1], err[128];

    r = s->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    len = ngx_strlen(path);
    f = s->file;

    if (!sv_media_parse(path, len, f, err, sizeof(err))) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: \"%s\" of \"%s\" is not served: %s",
                      name, path, err);
        return NGX_OK;
    }

    sv_media_sign(smcf->media_key, s->expires, s->share, f->scope,
                  f->scope_len, sig);

    url = ngx_pnalloc(r->pool, sizeof(SV_MEDIA_PREFIX) - 1 + NGX_TIME_T_LEN
                               + 1 + NGX_INT64_LEN + 1 + SV_MEDIA_SIG_LEN + 1
                               + 3 * len);
    if (url == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(url, SV_MEDIA_PREFIX "%T/%L/%s/", s->expires, s->share,
                    sig);
    p += sv_media_escape(path, len, 1, (char *) p);

    yajl_gen_string(s->gen, (u_char *) name, ngx_strlen(name));
    yajl_gen_string(s->gen, url, p - url);

    return NGX_OK;
}
