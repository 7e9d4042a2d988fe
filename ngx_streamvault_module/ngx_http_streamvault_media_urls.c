
/*
 * StreamVault nginx module: the routes that hand out media URLs. The SQL
 * function names a recording's files ({"id", "files": {name: path}}, the
 * paths relative to the media root); each becomes a URL signed for
 * streamvault_media_ttl (lib/sv_media_url.h), which the /media/ location
 * checks with no I/O:
 *
 *   {"id": 7, "expires_at": 1767225600,
 *    "urls": {"mp4": "/media/1767225600/0/<sig>/library/...mp4", ...}}
 *
 * A path that is no media file is left out and logged: the database and
 * the module disagree on what is served.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_gen.h>

#include <sv_media_url.h>

#include "ngx_http_streamvault_api.h"


static void ngx_http_streamvault_media_urls_done(
    ngx_http_streamvault_ctx_t *ctx, PGresult *res);
static ngx_int_t ngx_http_streamvault_media_url(ngx_http_request_t *r,
    yajl_gen g, const char *name, const char *path, time_t expires);


ngx_int_t
ngx_http_streamvault_media_urls(ngx_http_streamvault_ctx_t *ctx)
{
    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, NULL, ngx_http_streamvault_media_urls_done);
}


static void
ngx_http_streamvault_media_urls_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    size_t                             len;
    time_t                             expires;
    yajl_gen                           g;
    yajl_val                           doc, id, files, v;
    ngx_int_t                          rc;
    ngx_str_t                          json, out;
    ngx_uint_t                         i;
    const u_char                      *buf;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    static const char  *id_path[] = { "id", NULL };
    static const char  *files_path[] = { "files", NULL };

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    g = NULL;

    rc = ngx_http_streamvault_result_json(ctx, res, &json);
    if (rc != NGX_OK) {
        goto done;
    }

    doc = ngx_http_streamvault_json_tree(r, &json);

    id = doc ? yajl_tree_get(doc, id_path, yajl_t_number) : NULL;
    files = doc ? yajl_tree_get(doc, files_path, yajl_t_object) : NULL;

    if (id == NULL || !YAJL_IS_INTEGER(id) || files == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: api.%s answered no id and files",
                      ctx->route->function);
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    expires = ngx_time() + smcf->media_ttl;

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    yajl_gen_map_open(g);
    yajl_gen_string(g, (u_char *) "id", 2);
    yajl_gen_integer(g, YAJL_GET_INTEGER(id));
    yajl_gen_string(g, (u_char *) "expires_at", 10);
    yajl_gen_integer(g, expires);
    yajl_gen_string(g, (u_char *) "urls", 4);
    yajl_gen_map_open(g);

    for (i = 0; i < files->u.object.len; i++) {
        v = files->u.object.values[i];

        if (!YAJL_IS_STRING(v)) {
            continue;
        }

        rc = ngx_http_streamvault_media_url(r, g, files->u.object.keys[i],
                                            YAJL_GET_STRING(v), expires);
        if (rc != NGX_OK) {
            goto done;
        }
    }

    yajl_gen_map_close(g);
    yajl_gen_map_close(g);

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    out.data = ngx_pnalloc(r->pool, len + 1);
    if (out.data == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    ngx_memcpy(out.data, buf, len);
    out.data[len] = '\n';
    out.len = len + 1;

    rc = ngx_http_streamvault_send_json(r, ctx->route->status, &out);

done:

    if (g) {
        yajl_gen_free(g);
    }

    ngx_http_streamvault_finish(ctx, rc);
}


/* "name": "/media/<expires>/0/<signature>/<path, percent-encoded>" */

static ngx_int_t
ngx_http_streamvault_media_url(ngx_http_request_t *r, yajl_gen g,
    const char *name, const char *path, time_t expires)
{
    u_char                            *url, *p;
    size_t                             len;
    struct sv_media_file              *f;
    ngx_http_streamvault_main_conf_t  *smcf;
    char                               sig[SV_MEDIA_SIG_LEN + 1], err[128];

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    len = ngx_strlen(path);

    f = ngx_palloc(r->pool, sizeof(struct sv_media_file));
    if (f == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!sv_media_parse(path, len, f, err, sizeof(err))) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: \"%s\" of \"%s\" is not served: %s",
                      name, path, err);
        return NGX_OK;
    }

    sv_media_sign(smcf->media_key, expires, 0, f->scope, f->scope_len, sig);

    url = ngx_pnalloc(r->pool, sizeof(SV_MEDIA_PREFIX) - 1 + NGX_TIME_T_LEN
                               + sizeof("/0/") - 1 + SV_MEDIA_SIG_LEN + 1
                               + 3 * len);
    if (url == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(url, SV_MEDIA_PREFIX "%T/0/%s/", expires, sig);
    p += sv_media_escape(path, len, 1, (char *) p);

    yajl_gen_string(g, (u_char *) name, ngx_strlen(name));
    yajl_gen_string(g, url, p - url);

    return NGX_OK;
}
