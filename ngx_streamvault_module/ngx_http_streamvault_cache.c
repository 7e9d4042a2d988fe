
/*
 * StreamVault nginx module: a per-worker cache of API reads, so repeated
 * reads of unchanged data need no PostgreSQL at all.
 *
 * Every pooled PostgreSQL connection LISTENs on "streamvault_changes",
 * which a statement trigger on every table notifies (sql/003_changes.sql);
 * any notification, any write through this worker, and any connection that
 * comes or goes start a new generation, and only entries of the current
 * generation are served. While no connection listens nothing is served
 * from the cache. Entries also expire after streamvault_api_cache_ttl, the
 * bound on what a notification still in flight can leave stale.
 *
 * The key is the function and the caller's token hash, parameters and
 * query: an entry answers only the credential that was authorized for it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_CACHE_SLOTS      1024
#define NGX_HTTP_STREAMVAULT_CACHE_BYTES      (16 * 1024 * 1024)
#define NGX_HTTP_STREAMVAULT_CACHE_ENTRY_MAX  (1024 * 1024)


typedef struct {
    u_char      *key;        /* key and body in one allocation */
    size_t       key_len;
    u_char      *body;
    size_t       body_len;
    uint32_t     etag;       /* CRC32 of the body */
    uint32_t     hash;
    ngx_uint_t   generation;
    ngx_msec_t   expires;
} ngx_http_streamvault_cache_entry_t;


static ngx_http_streamvault_cache_entry_t
    ngx_http_streamvault_cache[NGX_HTTP_STREAMVAULT_CACHE_SLOTS];

static ngx_uint_t  ngx_http_streamvault_cache_generation = 1;
static size_t      ngx_http_streamvault_cache_size;


static void ngx_http_streamvault_cache_drop(
    ngx_http_streamvault_cache_entry_t *e);


void
ngx_http_streamvault_cache_invalidate(void)
{
    ngx_http_streamvault_cache_generation++;
}


/* the key: function, token hash, parameters, query; into r->pool */

ngx_int_t
ngx_http_streamvault_cache_key(ngx_http_streamvault_ctx_t *ctx)
{
    u_char              *p;
    size_t               len;
    ngx_uint_t           i;
    ngx_http_request_t  *r;

    r = ctx->request;

    len = ngx_strlen(ctx->route->function) + 1
          + NGX_HTTP_STREAMVAULT_HASH_HEX_LEN + 1 + ctx->query.len;

    for (i = 0; i < ctx->params.count; i++) {
        len += NGX_INT64_LEN + ctx->params.param[i].text_len + 1;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->cache_key.data = p;

    p = ngx_sprintf(p, "%s %*s ", ctx->route->function,
                    (size_t) NGX_HTTP_STREAMVAULT_HASH_HEX_LEN,
                    ctx->token_hash);

    for (i = 0; i < ctx->params.count; i++) {
        p = ngx_cpymem(p, ctx->params.param[i].text,
                       ctx->params.param[i].text_len);
        *p++ = '/';
    }

    p = ngx_cpymem(p, ctx->query.data, ctx->query.len);

    ctx->cache_key.len = p - ctx->cache_key.data;
    ctx->cache_hash = ngx_crc32_long(ctx->cache_key.data, ctx->cache_key.len);
    ctx->cache_generation = ngx_http_streamvault_cache_generation;

    return NGX_OK;
}


/* NGX_OK, the body and its ETag if the current generation has an answer */

ngx_int_t
ngx_http_streamvault_cache_get(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *body, uint32_t *etag)
{
    ngx_http_streamvault_cache_entry_t  *e;

    e = &ngx_http_streamvault_cache[ctx->cache_hash
                                    % NGX_HTTP_STREAMVAULT_CACHE_SLOTS];

    if (e->key == NULL
        || e->generation != ngx_http_streamvault_cache_generation
        || ngx_http_streamvault_pg_listening() == 0
        || (ngx_msec_int_t) (e->expires - ngx_current_msec) <= 0
        || e->hash != ctx->cache_hash
        || e->key_len != ctx->cache_key.len
        || ngx_memcmp(e->key, ctx->cache_key.data, e->key_len) != 0)
    {
        return NGX_DECLINED;
    }

    body->data = e->body;
    body->len = e->body_len;
    *etag = e->etag;

    return NGX_OK;
}


/*
 * Keeps an answer, unless a change came while it was being made (its
 * generation is no longer the current one).
 */

void
ngx_http_streamvault_cache_put(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *body, uint32_t etag)
{
    u_char                              *p;
    size_t                               size;
    ngx_msec_t                           ttl;
    ngx_http_streamvault_main_conf_t    *smcf;
    ngx_http_streamvault_cache_entry_t  *e;

    smcf = ngx_http_get_module_main_conf(ctx->request, ngx_streamvault_module);
    ttl = smcf->api_cache_ttl;

    size = ctx->cache_key.len + body->len;

    if (ttl == 0
        || ctx->cache_generation != ngx_http_streamvault_cache_generation
        || ngx_http_streamvault_pg_listening() == 0
        || size > NGX_HTTP_STREAMVAULT_CACHE_ENTRY_MAX)
    {
        return;
    }

    e = &ngx_http_streamvault_cache[ctx->cache_hash
                                    % NGX_HTTP_STREAMVAULT_CACHE_SLOTS];

    ngx_http_streamvault_cache_drop(e);

    if (ngx_http_streamvault_cache_size + size
        > NGX_HTTP_STREAMVAULT_CACHE_BYTES)
    {
        return;
    }

    p = ngx_alloc(size, ctx->request->connection->log);
    if (p == NULL) {
        return;
    }

    e->key = p;
    e->key_len = ctx->cache_key.len;
    e->body = ngx_cpymem(p, ctx->cache_key.data, ctx->cache_key.len);
    e->body_len = body->len;
    ngx_memcpy(e->body, body->data, body->len);

    e->etag = etag;
    e->hash = ctx->cache_hash;
    e->generation = ctx->cache_generation;
    e->expires = ngx_current_msec + ttl;

    ngx_http_streamvault_cache_size += size;
}


static void
ngx_http_streamvault_cache_drop(ngx_http_streamvault_cache_entry_t *e)
{
    if (e->key) {
        ngx_http_streamvault_cache_size -= e->key_len + e->body_len;
        ngx_free(e->key);
        e->key = NULL;
    }
}


void
ngx_http_streamvault_cache_free(void)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_STREAMVAULT_CACHE_SLOTS; i++) {
        ngx_http_streamvault_cache_drop(&ngx_http_streamvault_cache[i]);
    }
}
