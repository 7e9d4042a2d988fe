/*
 * Following PostgreSQL's view of the jobs (see job_sync.h).
 */

#include "job_sync.h"

#include <stdio.h>
#include <string.h>

#include "event_publish.h"
#include "job_mirror.h"
#include "job_run.h"
#include "job_spec.h"
#include "log.h"
#include "pg.h"

/* A row as the job JSON it was made from, plus what the scripts need. */
#define ROW_COLUMNS                                                          \
    "SELECT id::text, type, state, priority::text, max_attempts::text,"      \
    " attempts::text, (jsonb_build_object('v', 1, 'type', type, 'id', id,"   \
    "  'priority', priority, 'max_attempts', max_attempts,"                  \
    "  'depends_on', to_jsonb(depends_on), 'payload', payload)"              \
    "  || CASE WHEN recording_id IS NULL THEN '{}'::jsonb"                   \
    "     ELSE jsonb_build_object('recording_id', recording_id) END)::text," \
    " array_to_string(depends_on, ',') FROM jobs"

enum { C_ID, C_TYPE, C_STATE, C_PRIO, C_MAX, C_ATTEMPTS, C_SPEC, C_DEPS };

/* Recovery looks at this many unfinished jobs at most per pass. */
#define RECOVER_LIMIT  "10000"

bool
sv_job_sync_listen(PGconn *pg)
{
    static const char *const channels[] = {
        "LISTEN " SV_JOBS_CHANNEL, "LISTEN " SV_EVENTS_PG_CHANNEL
    };
    char                     err[512];

    for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
        PGresult *res = sv_pg_query(pg, channels[i], 0, NULL, err,
                                    sizeof(err));

        if (res == NULL) {
            sv_log(SV_LOG_WARN, "cannot LISTEN for job changes and events",
                   SV_STR("error", err));
            return false;
        }
        PQclear(res);
    }
    return true;
}

/* Script arguments from a row: fixed ones first, then its dependencies. */
struct row_args {
    const char  *argv[8 + SV_JOB_DEPS_MAX];
    size_t       lens[8 + SV_JOB_DEPS_MAX];
    int          argc;
    char         deps[SV_JOB_DEPS_MAX][SV_UUID_SIZE];
};

static void
add(struct row_args *a, const char *s)
{
    a->argv[a->argc] = s;
    a->lens[a->argc++] = strlen(s);
}

/* Dependencies listed in the row (comma-separated); the malformed and any
 * past the limit are left out. */
static void
add_deps(struct row_args *a, const char *list)
{
    size_t n = 0;

    while (*list != '\0' && n < SV_JOB_DEPS_MAX) {
        char   one[SV_UUID_SIZE + 1];
        size_t len = strcspn(list, ",");

        if (len == SV_UUID_SIZE - 1) {
            memcpy(one, list, len);
            one[len] = '\0';
            if (sv_uuid_parse(one, a->deps[n])) {
                add(a, a->deps[n++]);
            }
        }
        list += len + (list[len] == ',');
    }
}

static enum sv_redis_result
call_and_mirror(struct sv_queue *q, PGconn *pg, enum sv_queue_script script,
                struct row_args *a, const char *why, char *err, size_t errlen)
{
    redisReply          *reply;
    enum sv_redis_result r;

    r = sv_queue_call(q, script, a->argc, a->argv, a->lens, &reply, err,
                      errlen);
    if (r == SV_REDIS_OK) {
        if (sv_queue_summary_count(reply) > 0) {
            sv_log(SV_LOG_INFO, why, SV_STR("job", a->argv[0]),
                   SV_STR("result", sv_queue_status(reply)));
        }
        sv_job_mirror_reply(pg, q->redis, reply);
    }
    freeReplyObject(reply);
    return r;
}

static enum sv_redis_result
follow(struct sv_queue *q, PGconn *pg, const char *id_text, char *err,
       size_t errlen)
{
    char                 id[SV_UUID_SIZE], now[24], qerr[512];
    const char          *params[] = { id };
    struct row_args      a = { .argc = 0 };
    PGresult            *res;
    enum sv_redis_result r = SV_REDIS_OK;

    if (!sv_uuid_parse(id_text, id)) {
        return SV_REDIS_OK;     /* not a job id: not ours to act on */
    }
    res = sv_pg_query(pg, ROW_COLUMNS " WHERE id = $1::uuid", 1, params,
                      qerr, sizeof(qerr));
    if (res == NULL || PQntuples(res) != 1) {
        PQclear(res);
        return SV_REDIS_OK;
    }

    const char *state = PQgetvalue(res, 0, C_STATE);

    snprintf(now, sizeof(now), "%lld", sv_queue_now_ms());
    if (strcmp(state, "cancelled") == 0) {
        add(&a, id);
        r = call_and_mirror(q, pg, SV_QS_CANCEL, &a, "job cancelled", err,
                            errlen);
    } else if (strcmp(state, "queued") == 0) {
        add(&a, id);
        add(&a, now);
        add(&a, PQgetvalue(res, 0, C_TYPE));
        add(&a, PQgetvalue(res, 0, C_PRIO));
        add(&a, PQgetvalue(res, 0, C_MAX));
        add(&a, PQgetvalue(res, 0, C_SPEC));
        add_deps(&a, PQgetvalue(res, 0, C_DEPS));
        r = call_and_mirror(q, pg, SV_QS_RETRY, &a, "job retried", err,
                            errlen);
    }
    PQclear(res);
    return r;
}

enum sv_redis_result
sv_job_sync_notifications(struct sv_queue *q, PGconn *pg, char *err,
                          size_t errlen)
{
    enum sv_redis_result r = SV_REDIS_OK;
    PGnotify            *n;

    /* A broken connection shows in the next query; check_pg handles it. */
    PQconsumeInput(pg);
    while ((n = PQnotifies(pg)) != NULL) {
        if (r == SV_REDIS_OK && strcmp(n->relname, SV_JOBS_CHANNEL) == 0) {
            r = follow(q, pg, n->extra, err, errlen);
        } else if (strcmp(n->relname, SV_EVENTS_PG_CHANNEL) == 0) {
            sv_event_relay(q->redis, n->extra);
        }
        PQfreemem(n);
    }
    return r;
}

enum sv_redis_result
sv_job_sync_recover(struct sv_queue *q, PGconn *pg, char *err, size_t errlen)
{
    char                 now[24], qerr[512];
    PGresult            *res;
    enum sv_redis_result r = SV_REDIS_OK;

    /* created_at order: a job's dependencies come back before it. */
    res = sv_pg_query(pg, ROW_COLUMNS " WHERE state IN ('waiting', 'queued',"
                      " 'running', 'failed') ORDER BY created_at, id LIMIT "
                      RECOVER_LIMIT, 0, NULL, qerr, sizeof(qerr));
    if (res == NULL) {
        sv_log(SV_LOG_WARN, "cannot read unfinished jobs from PostgreSQL",
               SV_STR("error", qerr));
        return SV_REDIS_OK;
    }

    snprintf(now, sizeof(now), "%lld", sv_queue_now_ms());
    for (int i = 0; i < PQntuples(res) && r == SV_REDIS_OK; i++) {
        struct row_args a = { .argc = 0 };

        add(&a, PQgetvalue(res, i, C_ID));
        add(&a, PQgetvalue(res, i, C_TYPE));
        add(&a, PQgetvalue(res, i, C_PRIO));
        add(&a, PQgetvalue(res, i, C_MAX));
        add(&a, PQgetvalue(res, i, C_SPEC));
        add(&a, now);
        add(&a, PQgetvalue(res, i, C_ATTEMPTS));
        add_deps(&a, PQgetvalue(res, i, C_DEPS));
        r = call_and_mirror(q, pg, SV_QS_RESTORE, &a,
                            "re-enqueued a job Redis did not know", err,
                            errlen);
    }
    PQclear(res);
    return r;
}
