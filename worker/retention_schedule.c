/*
 * The hourly retention job (see retention_schedule.h).
 */

#include "retention_schedule.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "job_submit.h"
#include "log.h"
#include "pg.h"

#define RETRY_MS  60000

static int64_t   started_ms = -1;
static int64_t   next_try_ms;
static long long done_slot = -1;

/* True when this worker inserted the slot's row (and so queues it). */
static bool
claim(PGconn *pg, const char *id, bool *failed)
{
    char        prio[8], err[512];
    const char *params[] = { id, prio };
    PGresult   *res;
    bool        mine;

    snprintf(prio, sizeof(prio), "%d", SV_RETENTION_PRIORITY);
    res = sv_pg_query(pg,
        "INSERT INTO jobs (id, type, state, priority, payload)"
        " VALUES ($1::uuid, 'retention', 'queued', $2::smallint, '{}')"
        " ON CONFLICT (id) DO NOTHING RETURNING id", 2, params, err,
        sizeof(err));

    *failed = res == NULL;
    if (res == NULL) {
        sv_log(SV_LOG_WARN, "cannot schedule the hourly retention job",
               SV_STR("error", err));
        return false;
    }
    mine = PQntuples(res) == 1;
    PQclear(res);
    return mine;
}

enum sv_redis_result
sv_retention_schedule(struct sv_queue *q, PGconn *pg, char *err,
                      size_t errlen)
{
    int64_t              now = sv_monotonic_ms();
    long long            slot = (long long) time(NULL) / SV_RETENTION_PERIOD_S;
    char                 step[32];
    bool                 failed;
    enum sv_redis_result redis = SV_REDIS_OK;
    struct sv_job_submit job = {
        .type = "retention", .priority = SV_RETENTION_PRIORITY,
        .payload = "{}",
    };

    if (started_ms < 0) {
        started_ms = now;
    }
    if (now - started_ms < SV_RETENTION_GRACE_S * 1000LL || now < next_try_ms
        || slot == done_slot) {
        return SV_REDIS_OK;
    }
    next_try_ms = now + RETRY_MS;

    snprintf(step, sizeof(step), "%lld", slot);
    sv_job_step_id("retention", step, job.id);
    if (claim(pg, job.id, &failed)) {
        if (!sv_job_submit(q, pg, &job, &redis, err, errlen)) {
            if (redis != SV_REDIS_OK) {
                return redis;   /* the row stays queued: recovery queues it */
            }
            sv_log(SV_LOG_ERROR, "cannot submit the hourly retention job",
                   SV_STR("error", err));
        } else {
            sv_log(SV_LOG_INFO, "submitted the hourly retention job",
                   SV_STR("job", job.id));
        }
    }
    if (!failed) {
        done_slot = slot;
    }
    return SV_REDIS_OK;
}
