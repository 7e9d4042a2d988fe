
/*
 * StreamVault nginx module: GET /api/system/status. What only nginx can see
 * (free space of the media root, its own versions) and what Redis holds
 * (its version, the inbox depth, the workers' heartbeats, in one script)
 * join the request document of api.system_status, which adds the rest.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sys/statvfs.h>

#include <sv_version.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_STATUS_WORKERS  100


static void ngx_http_streamvault_status_redis(ngx_http_streamvault_ctx_t *ctx,
    redisReply *reply);


ngx_int_t
ngx_http_streamvault_status(ngx_http_streamvault_ctx_t *ctx)
{
    static const char  *script =
        "local version = string.match(redis.call('INFO', 'server'), "
        "  'redis_version:([%w%.%-]+)') "
        "local depth = redis.call('LLEN', KEYS[1]) "
        "local workers = {} "
        "local cursor = '0' "
        "repeat "
        "  local page = redis.call('SCAN', cursor, 'MATCH', "
        "                          'streamvault:worker:*', 'COUNT', 100) "
        "  cursor = page[1] "
        "  for _, key in ipairs(page[2]) do "
        "    local beat = redis.call('GET', key) "
        "    if beat then workers[#workers + 1] = beat end "
        "  end "
        "until cursor == '0' or #workers >= tonumber(ARGV[1]) "
        "return {version, depth, workers}";

    const char  *argv[5] = {
        "EVAL", script, "1", "streamvault:inbox", "100"
    };
    size_t       argvlen[5] = {
        4, ngx_strlen(script), 1, sizeof("streamvault:inbox") - 1, 3
    };

    return ngx_http_streamvault_command(ctx, 5, argv, argvlen,
                                      ngx_http_streamvault_status_redis);
}


static void
ngx_http_streamvault_status_redis(ngx_http_streamvault_ctx_t *ctx,
    redisReply *reply)
{
    u_char                            *p;
    size_t                             len, i;
    ngx_int_t                          rc;
    ngx_str_t                          extra, version, beat;
    struct statvfs                     fs;
    redisReply                        *workers;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || reply->element[1]->type != REDIS_REPLY_INTEGER
        || reply->element[2]->type != REDIS_REPLY_ARRAY)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: unexpected Redis answer to the status "
                      "script");
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    version.data = (u_char *) reply->element[0]->str;
    version.len = reply->element[0]->type == REDIS_REPLY_STRING
                  ? reply->element[0]->len : 0;

    workers = reply->element[2];

    /* heartbeats are the workers' own JSON objects; others are left out */

    len = sizeof("{\"disk\":{\"total_bytes\":,\"free_bytes\":},"
                 "\"redis\":{\"version\":,\"queue_depth\":},"
                 "\"nginx_version\":\"" NGINX_VERSION "\","
                 "\"module_version\":\"" STREAMVAULT_VERSION "\","
                 "\"workers\":[]}") - 1
          + 3 * NGX_OFF_T_LEN
          + ngx_http_streamvault_json_string_len(&version);

    for (i = 0; i < workers->elements; i++) {
        len += workers->element[i]->len + 1;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    extra.data = p;

    /* one statvfs() of a local directory: no I/O worth a thread */

    if (statvfs((char *) smcf->media_root.data, &fs) == -1) {
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, ngx_errno,
                      "statvfs(\"%V\") failed", &smcf->media_root);
        ngx_memzero(&fs, sizeof(fs));
    }

    p = ngx_sprintf(p, "{\"disk\":{\"total_bytes\":%O,\"free_bytes\":%O},"
                    "\"redis\":{\"version\":",
                    (off_t) fs.f_blocks * fs.f_frsize,
                    (off_t) fs.f_bavail * fs.f_frsize);
    p = ngx_http_streamvault_json_string(p, &version);
    p = ngx_sprintf(p, ",\"queue_depth\":%O},"
                    "\"nginx_version\":\"" NGINX_VERSION "\","
                    "\"module_version\":\"" STREAMVAULT_VERSION "\","
                    "\"workers\":[", (off_t) reply->element[1]->integer);

    for (i = 0; i < workers->elements; i++) {
        beat.data = (u_char *) workers->element[i]->str;
        beat.len = workers->element[i]->len;

        if (workers->element[i]->type != REDIS_REPLY_STRING
            || ngx_http_streamvault_json_check(beat.data, beat.len) != NGX_OK)
        {
            continue;
        }

        if (p[-1] != '[') {
            *p++ = ',';
        }

        p = ngx_cpymem(p, beat.data, beat.len);
    }

    p = ngx_cpymem(p, "]}", 2);
    extra.len = p - extra.data;

    rc = ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, &extra, ngx_http_streamvault_reply);
    ngx_http_streamvault_continue(ctx, rc);
}
