
/*
 * StreamVault nginx module: GET /api/system/status. What only nginx can see
 * (free space of the media root, its own versions) and what Redis holds
 * (its version, the inbox depth, the workers' heartbeats and their recent
 * warnings and errors, in one script) join the request document of
 * api.system_status, which adds the rest.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sys/statvfs.h>

#include <sv_version.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_STATUS_WORKERS  100

/*
 * the newest log lines, and the longest heartbeat or line kept: a worker's
 * are 2 KiB at most
 */
#define NGX_HTTP_STREAMVAULT_STATUS_LOGS      "100"
#define NGX_HTTP_STREAMVAULT_STATUS_ITEM_MAX  "4096"


static void ngx_http_streamvault_status_redis(ngx_http_streamvault_ctx_t *ctx,
    redisReply *reply);
static size_t ngx_http_streamvault_status_objects_len(redisReply *list);
static u_char *ngx_http_streamvault_status_objects(u_char *p,
    redisReply *list);


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
        "    local beat = redis.pcall('GET', key) "
        "    if type(beat) == 'string' and #beat <= tonumber(ARGV[3]) then "
        "      workers[#workers + 1] = beat "
        "    end "
        "  end "
        "until cursor == '0' or #workers >= tonumber(ARGV[1]) "
        "local logs = {} "
        "if redis.call('TYPE', KEYS[2]).ok == 'list' then "
        "  for _, line in ipairs(redis.call('LRANGE', KEYS[2], 0, "
        "                                   tonumber(ARGV[2]) - 1)) do "
        "    if #line <= tonumber(ARGV[3]) then logs[#logs + 1] = line end "
        "  end "
        "end "
        "return {version, depth, workers, logs}";

    const char  *argv[8] = {
        "EVAL", script, "2", "streamvault:inbox", "streamvault:logs", "100",
        NGX_HTTP_STREAMVAULT_STATUS_LOGS, NGX_HTTP_STREAMVAULT_STATUS_ITEM_MAX
    };
    size_t       argvlen[8] = {
        4, ngx_strlen(script), 1, sizeof("streamvault:inbox") - 1,
        sizeof("streamvault:logs") - 1, 3,
        sizeof(NGX_HTTP_STREAMVAULT_STATUS_LOGS) - 1,
        sizeof(NGX_HTTP_STREAMVAULT_STATUS_ITEM_MAX) - 1
    };

    return ngx_http_streamvault_command(ctx, 8, argv, argvlen,
                                      ngx_http_streamvault_status_redis);
}


static void
ngx_http_streamvault_status_redis(ngx_http_streamvault_ctx_t *ctx,
    redisReply *reply)
{
    u_char                            *p;
    size_t                             len;
    ngx_int_t                          rc;
    ngx_str_t                          extra, version;
    struct statvfs                     fs;
    redisReply                        *workers, *logs;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 4
        || reply->element[1]->type != REDIS_REPLY_INTEGER
        || reply->element[2]->type != REDIS_REPLY_ARRAY
        || reply->element[3]->type != REDIS_REPLY_ARRAY)
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
    logs = reply->element[3];

    len = sizeof("{\"disk\":{\"total_bytes\":,\"free_bytes\":},"
                 "\"redis\":{\"version\":,\"queue_depth\":},"
                 "\"nginx_version\":\"" NGINX_VERSION "\","
                 "\"module_version\":\"" STREAMVAULT_VERSION "\","
                 "\"workers\":[],\"logs\":[]}") - 1
          + 3 * NGX_OFF_T_LEN
          + ngx_http_streamvault_json_string_len(&version)
          + ngx_http_streamvault_status_objects_len(workers)
          + ngx_http_streamvault_status_objects_len(logs);

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

    /*
     * Heartbeats and log lines go as strings: PostgreSQL refuses some JSON
     * that passes the check (a lone surrogate escape, a number out of its
     * range), which would fail the whole document; api.system_status
     * parses each alone.
     */

    p = ngx_http_streamvault_status_objects(p, workers);
    p = ngx_cpymem(p, "],\"logs\":[", sizeof("],\"logs\":[") - 1);
    p = ngx_http_streamvault_status_objects(p, logs);
    p = ngx_cpymem(p, "]}", 2);
    extra.len = p - extra.data;

    rc = ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, &extra, ngx_http_streamvault_reply);
    ngx_http_streamvault_continue(ctx, rc);
}


/* room for the strings of list, each quoted, comma-separated */

static size_t
ngx_http_streamvault_status_objects_len(redisReply *list)
{
    size_t      len;
    ngx_str_t   s;
    ngx_uint_t  i;

    len = 0;

    for (i = 0; i < list->elements; i++) {
        s.data = (u_char *) list->element[i]->str;
        s.len = list->element[i]->len;
        len += ngx_http_streamvault_json_string_len(&s) + 1;
    }

    return len;
}


/*
 * The strings of list that are JSON objects, quoted as JSON strings,
 * comma-separated; anything else Redis holds there is left out.
 */

static u_char *
ngx_http_streamvault_status_objects(u_char *p, redisReply *list)
{
    u_char      *start;
    ngx_str_t    s;
    ngx_uint_t   i;

    start = p;

    for (i = 0; i < list->elements; i++) {
        s.data = (u_char *) list->element[i]->str;
        s.len = list->element[i]->len;

        if (list->element[i]->type != REDIS_REPLY_STRING
            || ngx_http_streamvault_json_check(s.data, s.len) != NGX_OK)
        {
            continue;
        }

        if (p != start) {
            *p++ = ',';
        }

        p = ngx_http_streamvault_json_string(p, &s);
    }

    return p;
}
