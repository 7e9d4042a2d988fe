/*
 * Recording schedules fired (see schedule_fire.h).
 */

#include "schedule_fire.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "pg.h"
#include "sv_civil_time.h"
#include "sv_cron.h"
#include "sv_tz_cache.h"

static int64_t next_look_ms;            /* monotonic */
static int64_t next_due = INT64_MAX;    /* the earliest next run seen */

/* One due schedule as the look saw it. */
struct due {
    const char *id, *name, *cron, *zone;
    const char *due;                    /* next_run_at as text; NULL */
    int64_t     at;                     /* next_run_at, whole seconds */
    int64_t     duration;
};

/* What the look decided for one schedule. */
struct decision {
    int64_t next;                       /* SV_CRON_NEVER: never again */
    int64_t run;                        /* 0: none to start */
    int64_t remaining;                  /* seconds of it left */
    char    title[1024];
};

static void
iso(int64_t t, char out[SV_CIVIL_ISO_SIZE])
{
    sv_civil_iso8601(t, 0, true, out);
}

/* schedule.fire(); its answer (or NULL, logged, when it failed). */
static PGresult *
fire(PGconn *pg, const struct due *d, const struct decision *k)
{
    char        next[SV_CIVIL_ISO_SIZE], run[SV_CIVIL_ISO_SIZE],
                remaining[24], err[512];
    const char *params[] = {
        d->id, d->due, d->cron, d->zone, next, k->run ? run : NULL,
        k->run ? remaining : NULL, k->run ? k->title : NULL,
    };
    PGresult   *res;

    if (k->next == SV_CRON_NEVER) {
        snprintf(next, sizeof(next), "infinity");
    } else {
        iso(k->next, next);
    }
    if (k->run) {
        iso(k->run, run);
        snprintf(remaining, sizeof(remaining), "%lld",
                 (long long) k->remaining);
    }
    res = sv_pg_query(pg,
        "SELECT f ->> 'recording_id', coalesce(f ->> 'already', 'false'),"
        " f IS NULL"
        " FROM schedule.fire($1::bigint, $2::timestamptz, $3, $4,"
        " $5::timestamptz, $6::timestamptz, $7::integer, $8) f",
        8, params, err, sizeof(err));
    if (res == NULL) {
        sv_log(SV_LOG_ERROR, "cannot fire the schedule",
               SV_STR("schedule", d->id), SV_STR("run", k->run ? run : ""),
               SV_STR("error", err));
    }
    return res;
}

/*
 * The run to start, if any, and the next one, at now. Candidates are the
 * run it was due at and the cron's runs after it up to now; the latest
 * starts if its duration has not passed, every other is skipped.
 */
static void
decide(const struct due *d, int64_t now, struct decision *k)
{
    struct sv_cron      c;
    const struct sv_tz *tz;
    char                err[256], local[SV_CIVIL_ISO_SIZE];
    char                first[SV_CIVIL_ISO_SIZE], last[SV_CIVIL_ISO_SIZE];
    int64_t             run = d->at, t;

    memset(k, 0, sizeof(*k));
    if (!sv_cron_parse(d->cron, &c, err, sizeof(err))
        || (tz = sv_tz_cached(d->zone, now, err, sizeof(err))) == NULL) {
        /* Not through the API (it checks both): never runs, until fixed. */
        sv_log(SV_LOG_ERROR, "schedule cannot run: invalid cron or time zone",
               SV_STR("schedule", d->id), SV_STR("error", err));
        k->next = SV_CRON_NEVER;
        return;
    }
    k->next = sv_cron_next(&c, tz, now);
    if (d->due == NULL) {
        return;
    }
    /* Only runs whose duration is not over yet can start. */
    t = run > now - d->duration ? run : now - d->duration;
    for (t = sv_cron_next(&c, tz, t); t != SV_CRON_NEVER && t <= now;
         t = sv_cron_next(&c, tz, t)) {
        run = t;
    }
    iso(d->at, first);
    iso(run, last);
    if (run + d->duration <= now) {
        sv_log(SV_LOG_WARN, "missed schedule runs skipped",
               SV_STR("schedule", d->id), SV_STR("first", first),
               SV_STR("last", last));
        return;
    }
    if (run > d->at) {
        sv_log(SV_LOG_WARN, "older missed schedule runs skipped",
               SV_STR("schedule", d->id), SV_STR("first", first),
               SV_STR("before", last));
    }
    k->run = run;
    k->remaining = run + d->duration - now;
    sv_civil_iso8601(run, sv_tz_offset(tz, run), false, local);
    snprintf(k->title, sizeof(k->title), "%s %.10s %.5s", d->name, local,
             local + 11);
}

static void
one(PGconn *pg, const struct due *d, int64_t now)
{
    struct decision k;
    PGresult       *res;
    char            run[SV_CIVIL_ISO_SIZE];

    decide(d, now, &k);
    res = fire(pg, d, &k);
    if (res == NULL && k.run) {
        /* That run cannot start (its streamer went, say): skip it once
         * rather than fail it again at every look. */
        k.run = 0;
        res = fire(pg, d, &k);
    }
    if (res == NULL || PQntuples(res) != 1 || !k.run
        || strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
        PQclear(res);
        return;
    }
    iso(k.run, run);
    sv_log(SV_LOG_INFO, strcmp(PQgetvalue(res, 0, 1), "true") == 0
                        ? "schedule fired; its streamer is being recorded"
                        : "schedule fired",
           SV_STR("schedule", d->id), SV_STR("run", run),
           SV_STR("recording", PQgetvalue(res, 0, 0)),
           SV_INT("duration_s", k.remaining),
           SV_INT("late_s", now - k.run));
    PQclear(res);
}

void
sv_schedule_fire(PGconn *pg)
{
    int64_t     now_ms = sv_monotonic_ms(), now = (int64_t) time(NULL);
    char        at[24], batch[8], err[512];
    const char *params[] = { at, batch };
    PGresult   *res;
    int         n;

    if (now_ms < next_look_ms && now < next_due) {
        return;
    }
    next_look_ms = now_ms + SV_SCHEDULE_POLL_S * 1000;
    next_due = INT64_MAX;
    snprintf(at, sizeof(at), "%lld", (long long) now);
    snprintf(batch, sizeof(batch), "%d", SV_SCHEDULE_BATCH);

    res = sv_pg_query(pg,
        "SELECT id, name, cron, timezone, duration_s, next_run_at::text,"
        " floor(extract(epoch FROM next_run_at))::bigint"
        " FROM schedules"
        " WHERE enabled AND (next_run_at IS NULL"
        "                    OR next_run_at <= to_timestamp($1::bigint))"
        " ORDER BY next_run_at NULLS FIRST, id LIMIT $2::integer",
        2, params, err, sizeof(err));
    if (res == NULL) {
        sv_log(SV_LOG_ERROR, "cannot read the due schedules",
               SV_STR("error", err));
        return;
    }
    n = PQntuples(res);
    for (int i = 0; i < n; i++) {
        struct due d = {
            .id = PQgetvalue(res, i, 0), .name = PQgetvalue(res, i, 1),
            .cron = PQgetvalue(res, i, 2), .zone = PQgetvalue(res, i, 3),
            .duration = strtoll(PQgetvalue(res, i, 4), NULL, 10),
            .due = PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5),
            .at = strtoll(PQgetvalue(res, i, 6), NULL, 10),
        };

        one(pg, &d, now);
    }
    PQclear(res);
    if (n == SV_SCHEDULE_BATCH) {
        next_look_ms = now_ms;          /* more at the next pass */
        return;
    }

    /* Woken at the next run rather than up to a poll later. */
    res = sv_pg_query(pg,
        "SELECT ceil(extract(epoch FROM min(next_run_at)))::bigint"
        " FROM schedules"
        " WHERE enabled AND next_run_at > to_timestamp($1::bigint)"
        "   AND isfinite(next_run_at)", 1, params, err, sizeof(err));
    if (res != NULL && !PQgetisnull(res, 0, 0)) {
        next_due = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    }
    PQclear(res);
}
