
/*
 * StreamVault nginx module: the schedules routes that need cron. The cron
 * expression and time zone of a request (the body of POST and PATCH
 * /api/schedules, the query of GET /api/schedules/preview) are checked
 * here with lib/sv_cron.c and their next runs computed; the verdict joins
 * the request document as "extra", and the SQL function, after
 * api.authorize, answers 422 with it or stores the first run:
 *
 *   {"invalid": {"field": "cron", "message": "cron: field 2 (hour): ..."}}
 *   {"runs": [{"at": "2026-03-29T03:00:00+02:00",
 *              "utc": "2026-03-29T01:00:00Z"}, ...]}      at most 5
 *   {}      a PATCH without both: the worker computes next_run_at
 *
 * Zones come from the per-process cache (lib/sv_tz_cache.c): a TZif file
 * is read on the event loop only when a zone is first used or an hour old.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_civil_time.h>
#include <sv_cron.h>
#include <sv_tz_cache.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_SCHEDULE_RUNS  5
#define NGX_HTTP_STREAMVAULT_SCHEDULE_ERR   256
#define NGX_HTTP_STREAMVAULT_LAST_INSTANT   253402300799LL  /* 9999 */


static ngx_int_t ngx_http_streamvault_schedule_extra(ngx_pool_t *pool,
    const char *cron, const char *zone, int64_t from, ngx_str_t *extra);
static ngx_int_t ngx_http_streamvault_schedule_from(const char *text,
    int64_t *from);
static const struct sv_tz *ngx_http_streamvault_schedule_zone(
    const char *name, char *err, size_t errlen);
static void ngx_http_streamvault_schedule_cache_clear(void *data);


ngx_int_t
ngx_http_streamvault_schedule(ngx_http_streamvault_ctx_t *ctx)
{
    int64_t              from;
    ngx_int_t            rc;
    yajl_val             doc;
    ngx_str_t            extra;
    const char          *cron, *zone, *after;
    ngx_http_request_t  *r;

    r = ctx->request;
    from = ngx_time();
    after = NULL;

    doc = ngx_http_streamvault_json_tree(r, (r->method & (NGX_HTTP_GET
                                                          |NGX_HTTP_HEAD))
                                            ? &ctx->query : &ctx->body);

    cron = ngx_http_streamvault_json_member_string(doc, "cron");
    zone = ngx_http_streamvault_json_member_string(doc, "timezone");

    /*
     * The preview takes its query (cron, timezone, from); a new schedule's
     * zone defaults to UTC as the column does (a timezone that is no
     * string is SQL's to refuse); a PATCH may leave either out.
     */

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        cron = cron ? cron : "";
        zone = zone && zone[0] ? zone : "UTC";
        after = ngx_http_streamvault_json_member_string(doc, "from");

    } else if (zone == NULL && (r->method & NGX_HTTP_POST)) {
        zone = "UTC";
    }

    if (after && after[0]
        && ngx_http_streamvault_schedule_from(after, &from) != NGX_OK)
    {
        rc = ngx_http_streamvault_invalid_extra(r->pool, "from",
                        "from: must be seconds since 1970-01-01T00:00:00Z, "
                        "at most 253402300799", &extra);

    } else {
        rc = ngx_http_streamvault_schedule_extra(r->pool, cron, zone, from,
                                                 &extra);
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         &ctx->body, &extra, ngx_http_streamvault_reply);
}


/* decimal seconds since the epoch, up to the end of year 9999 */

static ngx_int_t
ngx_http_streamvault_schedule_from(const char *text, int64_t *from)
{
    const char  *p;

    *from = 0;

    for (p = text; *p >= '0' && *p <= '9'; p++) {
        *from = *from * 10 + (*p - '0');

        if (*from > NGX_HTTP_STREAMVAULT_LAST_INSTANT) {
            return NGX_DECLINED;
        }
    }

    return *p == '\0' ? NGX_OK : NGX_DECLINED;
}


/*
 * The verdict on cron and zone, either of which may be unknown (NULL):
 * what is known is checked; the runs after from only when both are.
 */

static ngx_int_t
ngx_http_streamvault_schedule_extra(ngx_pool_t *pool, const char *cron,
    const char *zone, int64_t from, ngx_str_t *extra)
{
    u_char               *p;
    size_t                i, n;
    int64_t               runs[NGX_HTTP_STREAMVAULT_SCHEDULE_RUNS];
    struct sv_cron        c;
    const struct sv_tz   *tz;
    char                  err[NGX_HTTP_STREAMVAULT_SCHEDULE_ERR];
    char                  why[NGX_HTTP_STREAMVAULT_SCHEDULE_ERR + 16];
    char                  at[SV_CIVIL_ISO_SIZE], utc[SV_CIVIL_ISO_SIZE];

    tz = NULL;

    if (cron) {
        if (!sv_cron_parse(cron, &c, err, sizeof(err))) {
            ngx_snprintf((u_char *) why, sizeof(why), "cron: %s%Z", err);
            return ngx_http_streamvault_invalid_extra(pool, "cron", why,
                                                      extra);
        }

        /* whether it ever runs depends on the days alone, not the zone */

        tz = ngx_http_streamvault_schedule_zone("UTC", err, sizeof(err));

        if (tz && sv_cron_next(&c, tz, from) == SV_CRON_NEVER) {
            return ngx_http_streamvault_invalid_extra(pool, "cron",
                        "cron: the expression never runs (no date matches "
                        "its days and months)", extra);
        }
    }

    if (zone) {
        tz = ngx_http_streamvault_schedule_zone(zone, err, sizeof(err));

        if (tz == NULL) {
            ngx_snprintf((u_char *) why, sizeof(why), "timezone: %s%Z", err);
            return ngx_http_streamvault_invalid_extra(pool, "timezone",
                                                      why, extra);
        }
    }

    if (cron == NULL || zone == NULL) {
        ngx_str_set(extra, "{}");
        return NGX_OK;
    }

    n = sv_cron_next_n(&c, tz, from, runs,
                       NGX_HTTP_STREAMVAULT_SCHEDULE_RUNS);

    extra->data = ngx_pnalloc(pool, sizeof("{\"runs\":[]}") - 1
                                    + n * (sizeof("{\"at\":\"\",\"utc\":\"\"},")
                                           + 2 * SV_CIVIL_ISO_SIZE));
    if (extra->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(extra->data, "{\"runs\":[", sizeof("{\"runs\":[") - 1);

    for (i = 0; i < n; i++) {
        sv_civil_iso8601(runs[i], sv_tz_offset(tz, runs[i]), false, at);
        sv_civil_iso8601(runs[i], 0, true, utc);

        p = ngx_sprintf(p, "%s{\"at\":\"%s\",\"utc\":\"%s\"}",
                        i ? "," : "", at, utc);
    }

    p = ngx_cpymem(p, "]}", 2);
    extra->len = p - extra->data;

    return NGX_OK;
}


/* {"invalid": {"field", "message"}}: the SQL function answers 422 with it */

ngx_int_t
ngx_http_streamvault_invalid_extra(ngx_pool_t *pool, const char *field,
    const char *why, ngx_str_t *extra)
{
    u_char     *p;
    ngx_str_t   message;

    message.data = (u_char *) why;
    message.len = ngx_strlen(why);

    extra->data = ngx_pnalloc(pool, sizeof("{\"invalid\":{\"field\":\"\","
                                           "\"message\":}}") - 1
                                    + ngx_strlen(field)
                                    + ngx_http_streamvault_json_string_len(
                                          &message));
    if (extra->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(extra->data, "{\"invalid\":{\"field\":\"%s\","
                    "\"message\":", field);
    p = ngx_http_streamvault_json_string(p, &message);
    p = ngx_cpymem(p, "}}", 2);
    extra->len = p - extra->data;

    return NGX_OK;
}


/*
 * A zone from the process's cache, which is emptied with the cycle's pool:
 * before the module is unloaded, so that nothing it holds is lost.
 */

static const struct sv_tz *
ngx_http_streamvault_schedule_zone(const char *name, char *err,
    size_t errlen)
{
    ngx_pool_cleanup_t  *cln;

    static ngx_cycle_t  *registered;

    /* without memory for the cleanup, the next call tries again */

    if (registered != ngx_cycle) {
        cln = ngx_pool_cleanup_add(ngx_cycle->pool, 0);

        if (cln) {
            cln->handler = ngx_http_streamvault_schedule_cache_clear;
            registered = (ngx_cycle_t *) ngx_cycle;
        }
    }

    return sv_tz_cached(name, ngx_time(), err, errlen);
}


static void
ngx_http_streamvault_schedule_cache_clear(void *data)
{
    sv_tz_cache_clear();
}
