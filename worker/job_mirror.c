/*
 * Mirroring job state into PostgreSQL and onto the event channel (see
 * job_mirror.h).
 */

#include "job_mirror.h"

#include <stdio.h>
#include <string.h>

#include "event_publish.h"
#include "json.h"
#include "log.h"
#include "pg.h"

/* The spec is the job JSON as injected; payload and depends_on come from it
 * (it was validated, but a cast failure only costs this one write). */
static const char upsert_sql[] =
    "INSERT INTO jobs AS j (id, type, state, priority, payload, depends_on,"
    " recording_id, attempts, max_attempts, last_error, worker_id, run_after,"
    " progress, finished_at, queue_rev)"
    " VALUES ($1::uuid, $2, $3, $4::smallint,"
    "  coalesce(($5::jsonb)->'payload', '{}'),"
    "  coalesce(ARRAY(SELECT jsonb_array_elements_text("
    "   coalesce(($5::jsonb)->'depends_on', '[]')))::uuid[], '{}'),"
    /* a recording deleted meanwhile leaves the job without one */
    "  (SELECT r.id FROM recordings r"
    "    WHERE r.id = (($5::jsonb)->>'recording_id')::bigint),"
    "  $6::int, $7::int, nullif($8, ''), nullif($9, ''),"
    "  CASE WHEN $10::bigint > 0 THEN to_timestamp($10::bigint / 1000.0) END,"
    "  CASE WHEN $3 = 'succeeded' THEN 100 ELSE 0 END,"
    "  CASE WHEN $3 IN ('succeeded', 'dead', 'cancelled') THEN now() END,"
    "  $11::bigint)"
    " ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state,"
    "  attempts = EXCLUDED.attempts, max_attempts = EXCLUDED.max_attempts,"
    "  last_error = EXCLUDED.last_error, worker_id = EXCLUDED.worker_id,"
    "  run_after = EXCLUDED.run_after, progress = EXCLUDED.progress,"
    "  finished_at = EXCLUDED.finished_at, queue_rev = EXCLUDED.queue_rev"
    /* Another worker's newer report may have landed first. */
    " WHERE EXCLUDED.queue_rev > j.queue_rev"
    /* An API cancel lands here before the queue hears of it: the queue's
     * view from before must not undo it. */
    "  AND NOT (j.state = 'cancelled'"
    "  AND EXCLUDED.state IN ('waiting', 'queued', 'running', 'failed'))";

static void
write_row(PGconn *pg, const struct sv_job_summary *job)
{
    char        prio[24], attempts[24], max[24], run_after[24], rev[24],
                err[512];
    const char *params[11];
    PGresult   *res;

    snprintf(prio, sizeof(prio), "%lld", job->priority);
    snprintf(attempts, sizeof(attempts), "%lld", job->attempts);
    snprintf(max, sizeof(max), "%lld", job->max_attempts);
    /* run_after only means something while a retry waits */
    snprintf(run_after, sizeof(run_after), "%lld",
             strcmp(job->state, "failed") == 0 ? job->run_after_ms : 0);
    params[0] = job->id;
    params[1] = job->type;
    params[2] = job->state;
    params[3] = prio;
    params[4] = job->spec[0] != '\0' ? job->spec : "{}";
    params[5] = attempts;
    params[6] = max;
    params[7] = job->last_error;
    params[8] = job->worker;
    params[9] = run_after;
    snprintf(rev, sizeof(rev), "%lld", job->rev);
    params[10] = rev;

    res = sv_pg_query(pg, upsert_sql, 11, params, err, sizeof(err));
    if (res == NULL) {
        sv_log(SV_LOG_WARN, "cannot record a job state in PostgreSQL",
               SV_STR("job", job->id), SV_STR("state", job->state),
               SV_STR("error", err));
    }
    PQclear(res);
}

static void
publish(redisContext *redis, const struct sv_job_summary *job)
{
    char            storage[1024], message[512];
    struct sv_jbuf  b;

    sv_jbuf_init(&b, storage, sizeof(storage));
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "type", "job");
    sv_jbuf_member_string(&b, "id", job->id);
    sv_jbuf_member_string(&b, "state", job->state);
    sv_jbuf_member_string(&b, "job_type", job->type);
    sv_jbuf_member_int(&b, "attempts", job->attempts);
    sv_jbuf_member_int(&b, "rev", job->rev);
    sv_jbuf_raw(&b, "}", 1);
    sv_event_publish(redis, &b);

    if (strcmp(job->state, "dead") != 0) {
        return;
    }
    sv_jbuf_init(&b, storage, sizeof(storage));
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "type", "notification");
    sv_jbuf_member_string(&b, "level", "error");
    snprintf(message, sizeof(message), "A %s job failed for good: %s",
             job->type, job->last_error != NULL && job->last_error[0] != '\0'
                        ? job->last_error : "no reason given");
    sv_jbuf_member_string(&b, "message", message);
    sv_jbuf_member_string(&b, "job_id", job->id);
    sv_jbuf_raw(&b, "}", 1);
    sv_event_publish(redis, &b);
}

void
sv_job_mirror(PGconn *pg, redisContext *redis,
              const struct sv_job_summary *job)
{
    sv_log(SV_LOG_INFO, "job state", SV_STR("job", job->id),
           SV_STR("state", job->state), SV_STR("job_type", job->type),
           SV_INT("attempts", job->attempts));
    if (pg != NULL) {
        write_row(pg, job);
    }
    publish(redis, job);
}

static const char progress_sql[] =
    "UPDATE jobs SET progress = $2::real"
    " WHERE id = $1::uuid AND state = 'running'";

void
sv_job_mirror_progress(PGconn *pg, redisContext *redis, const char *id,
                       unsigned percent)
{
    char            pct[16], storage[256], err[256];
    const char     *params[] = { id, pct };
    PGresult       *res;
    struct sv_jbuf  b;

    snprintf(pct, sizeof(pct), "%u", percent);
    if (pg != NULL) {
        res = sv_pg_query(pg, progress_sql, 2, params, err, sizeof(err));
        if (res == NULL) {
            sv_log(SV_LOG_DEBUG, "cannot record a job's progress",
                   SV_STR("job", id), SV_STR("error", err));
        }
        PQclear(res);
    }

    sv_jbuf_init(&b, storage, sizeof(storage));
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "type", "job_progress");
    sv_jbuf_member_string(&b, "id", id);
    sv_jbuf_member_int(&b, "progress", percent);
    sv_jbuf_raw(&b, "}", 1);

    sv_event_publish(redis, &b);
}

void
sv_job_mirror_reply(PGconn *pg, redisContext *redis, const redisReply *reply)
{
    struct sv_job_summary job;

    for (size_t i = 0; i < sv_queue_summary_count(reply); i++) {
        sv_queue_summary(reply, i, &job);
        sv_job_mirror(pg, redis, &job);
    }
}
