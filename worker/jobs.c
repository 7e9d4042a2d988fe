/*
 * The job loop's step (see jobs.h).
 */

#include "jobs.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "event_publish.h"
#include "inbox.h"
#include "job_mirror.h"
#include "job_run.h"
#include "job_sync.h"
#include "log.h"
#include "retention_schedule.h"
#include "schedule_fire.h"

/* Idle, the queue is looked at this often (new inbox items, due retries,
 * API requests); busy, at once. */
#define IDLE_POLL_MS       200
#define REAP_INTERVAL_MS   1000
#define INBOX_BATCH        100

void
sv_jobs_redis_connected(struct sv_jobs *j)
{
    j->queue_loaded = false;
    j->need_recovery = true;
    sv_event_lost();
}

void
sv_jobs_pg_connected(struct sv_jobs *j)
{
    j->listening = false;
    j->need_recovery = true;
    sv_event_lost();
}

/* A script that only moves jobs between sets; the moved ones are mirrored. */
static enum sv_redis_result
move(struct sv_queue *q, PGconn *pg, enum sv_queue_script script,
     bool *moved, char *err, size_t errlen)
{
    char                 now[24];
    const char          *argv[] = { now };
    size_t               lens[1];
    redisReply          *reply;
    enum sv_redis_result r;

    snprintf(now, sizeof(now), "%lld", sv_queue_now_ms());
    lens[0] = strlen(now);
    r = sv_queue_call(q, script, 1, argv, lens, &reply, err, errlen);
    if (r == SV_REDIS_OK) {
        *moved = *moved || sv_queue_summary_count(reply) > 0;
        sv_job_mirror_reply(pg, q->redis, reply);
    }
    freeReplyObject(reply);
    return r;
}

static enum sv_redis_result
prepare(struct sv_jobs *j, PGconn *pg, redisContext *redis,
        const struct sv_config *cfg, char *err, size_t errlen)
{
    enum sv_redis_result r;

    if (!j->queue_loaded) {
        r = sv_queue_init(&j->queue, redis, err, errlen);
        if (r == SV_REDIS_OK) {
            r = sv_inbox_restore(&j->queue, cfg->worker_id, err, errlen);
        }
        if (r != SV_REDIS_OK) {
            return r;
        }
        j->queue_loaded = true;
    }
    if (!j->listening) {
        j->listening = sv_job_sync_listen(pg);
    }
    /* once listening again: what was missed meanwhile, watchers refetch */
    if (j->listening) {
        sv_event_resync(redis);
    }
    if (j->need_recovery) {
        r = sv_job_sync_recover(&j->queue, pg, err, errlen);
        if (r != SV_REDIS_OK) {
            return r;
        }
        j->need_recovery = false;
    }
    return SV_REDIS_OK;
}

enum sv_redis_result
sv_jobs_step(struct sv_jobs *j, PGconn *pg, redisContext *redis,
             const struct sv_config *cfg, int64_t *wake_ms, char *err,
             size_t errlen)
{
    struct sv_queue     *q = &j->queue;
    int64_t              now = sv_monotonic_ms();
    bool                 busy = false;
    unsigned             took = 0;
    enum sv_redis_result r;

    *wake_ms = now + IDLE_POLL_MS;

    r = prepare(j, pg, redis, cfg, err, errlen);
    if (r == SV_REDIS_OK) {
        r = sv_job_sync_notifications(q, pg, err, errlen);
    }
    if (r == SV_REDIS_OK) {
        r = sv_retention_schedule(q, pg, err, errlen);
    }
    sv_schedule_fire(pg);
    if (r == SV_REDIS_OK && now >= j->next_reap_ms) {
        j->next_reap_ms = now + REAP_INTERVAL_MS;
        r = move(q, pg, SV_QS_REAP, &busy, err, errlen);
    }
    if (r == SV_REDIS_OK) {
        r = move(q, pg, SV_QS_PROMOTE, &busy, err, errlen);
    }
    if (r == SV_REDIS_OK) {
        r = sv_inbox_drain(q, pg, cfg->worker_id, INBOX_BATCH, &took, err,
                           errlen);
    }
    if (r == SV_REDIS_OK) {
        bool ran = false;

        struct sv_job_runner runner = {
            .worker_id = cfg->worker_id,
            .lease_seconds = cfg->job_lease_seconds,
            .while_running = j->while_running, .ctx = j->while_running_ctx,
            .recorder = j->recorder,
        };

        r = sv_job_run_next(q, pg, &runner, &ran, err, errlen);
        busy = busy || ran || took > 0;
    }

    if (r == SV_REDIS_REPLY_ERROR) {
        /* A script error is a bug or a server refusing writes: log it and
         * try again on the next pass rather than tight-looping. */
        sv_log(SV_LOG_ERROR, "job queue error", SV_STR("error", err));
        return SV_REDIS_OK;
    }
    if (busy) {
        *wake_ms = now;
    }
    return r;
}
