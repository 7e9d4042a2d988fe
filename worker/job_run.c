/*
 * Running one job (see job_run.h).
 */

#include "job_run.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "job_backoff.h"
#include "job_isolate.h"
#include "job_mirror.h"
#include "job_spec.h"
#include "log.h"
#include "random.h"
#include "signals.h"

/* A handler may report progress on every packet; the record follows at
 * most this often. */
#define PROGRESS_INTERVAL_MS  1000

/* What keep_alive and progress need while a handler runs. */
struct lease {
    struct sv_queue       *q;
    PGconn                *pg;
    const struct sv_job_runner *runner;
    const char            *worker_id;
    const char            *job_id;
    unsigned               lease_ms;
    int64_t                next_extend_ms;     /* monotonic */
    bool                   lost;               /* someone else has it now */
    int                    percent;            /* last recorded, -1: none */
    int64_t                next_progress_ms;   /* monotonic */
    enum sv_redis_result   redis;
    char                   err[256];
};

long long
sv_queue_now_ms(void)
{
    struct timespec wall = sv_realtime_now();

    return (long long) wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
}

static bool
keep_alive(void *ctx)
{
    struct lease *l = ctx;
    int64_t       now = sv_monotonic_ms();
    char          until[24];
    redisReply   *reply;

    if (sv_stop_signal() != 0) {
        return false;
    }
    if (l->runner->while_running != NULL) {
        l->runner->while_running(l->runner->ctx);
    }
    if (now < l->next_extend_ms) {
        return true;
    }

    snprintf(until, sizeof(until), "%lld", sv_queue_now_ms() + l->lease_ms);
    const char  *argv[] = { l->worker_id, l->job_id, until };
    const size_t lens[] = { strlen(l->worker_id), strlen(l->job_id),
                            strlen(until) };

    l->redis = sv_queue_call(l->q, SV_QS_EXTEND, 3, argv, lens, &reply,
                             l->err, sizeof(l->err));
    if (l->redis != SV_REDIS_OK) {
        return false;
    }
    l->lost = strcmp(sv_queue_status(reply), "lost") == 0;
    freeReplyObject(reply);
    l->next_extend_ms = now + l->lease_ms / 3;
    return !l->lost;
}

static void
report_progress(void *ctx, unsigned percent)
{
    struct lease *l = ctx;
    int64_t       now = sv_monotonic_ms();

    if (percent > 100) {
        percent = 100;
    }
    if ((int) percent == l->percent || now < l->next_progress_ms) {
        return;
    }
    l->percent = (int) percent;
    l->next_progress_ms = now + PROGRESS_INTERVAL_MS;
    sv_job_mirror_progress(l->pg, l->q->redis, l->job_id, percent);
}

/* ack, fail or release; the reply's jobs are mirrored. */
static enum sv_redis_result
finish(struct sv_queue *q, PGconn *pg, enum sv_queue_script script,
       int argc, const char **argv, char *err, size_t errlen)
{
    size_t               lens[5];
    redisReply          *reply;
    enum sv_redis_result r;

    for (int i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }
    r = sv_queue_call(q, script, argc, argv, lens, &reply, err, errlen);
    if (r == SV_REDIS_OK) {
        if (strcmp(sv_queue_status(reply), "lost") == 0) {
            sv_log(SV_LOG_WARN, "a job's lease was lost; its outcome here "
                   "is not recorded", SV_STR("job", argv[1]));
        }
        sv_job_mirror_reply(pg, q->redis, reply);
    }
    freeReplyObject(reply);
    return r;
}

/* Parses the stored spec again and runs the handler, here or (isolated
 * types) in a child process that must not keep our connections. */
static int
run_handler(const struct sv_job_summary *job, struct lease *l, char *why,
            size_t whylen)
{
    struct sv_job_spec spec;
    int                rc;

    if (!sv_job_spec_parse(job->spec, strlen(job->spec), &spec, why,
                           whylen)) {
        return -1;
    }

    struct sv_job_run run = {
        .id = job->id, .attempt = (unsigned) job->attempts,
        .recording_id = spec.recording_id,
        .keep_alive = keep_alive, .ctx = l, .progress = report_progress,
    };

    if (spec.type->isolated) {
        const int                       fds[] = { l->q->redis->fd,
                                                  PQsocket(l->pg) };
        const struct sv_job_isolate_fds connections = { fds, 2 };

        rc = sv_job_isolate_run(spec.type, spec.payload, &run, &connections,
                                why, whylen);
    } else {
        run.pg = l->pg;
        run.queue = l->q;
        run.recorder = l->runner->recorder;
        rc = spec.type->run(spec.payload, &run, why, whylen);
    }
    sv_job_spec_free(&spec);
    return rc;
}

enum sv_redis_result
sv_job_run_next(struct sv_queue *q, PGconn *pg,
                const struct sv_job_runner *runner, bool *ran, char *err,
                size_t errlen)
{
    const char           *worker_id = runner->worker_id;
    char                  now[24], lease_ms[24], delay[24], why[512];
    const char           *argv[3] = { worker_id, now, lease_ms };
    size_t                lens[3];
    redisReply           *reply;
    struct sv_job_summary job;
    enum sv_redis_result  r;
    struct lease          l = { .q = q, .pg = pg, .runner = runner,
                                .worker_id = worker_id,
                                .lease_ms = runner->lease_seconds * 1000,
                                .percent = -1 };

    *ran = false;
    snprintf(now, sizeof(now), "%lld", sv_queue_now_ms());
    snprintf(lease_ms, sizeof(lease_ms), "%u", l.lease_ms);
    for (int i = 0; i < 3; i++) {
        lens[i] = strlen(argv[i]);
    }
    r = sv_queue_call(q, SV_QS_TAKE, 3, argv, lens, &reply, err, errlen);
    if (r != SV_REDIS_OK || sv_queue_summary_count(reply) != 1) {
        freeReplyObject(reply);
        return r;
    }

    *ran = true;
    sv_queue_summary(reply, 0, &job);
    sv_job_mirror(pg, q->redis, &job);
    l.job_id = job.id;
    l.next_extend_ms = sv_monotonic_ms() + l.lease_ms / 3;

    int64_t started = sv_monotonic_ms();
    int     rc = run_handler(&job, &l, why, sizeof(why));

    snprintf(now, sizeof(now), "%lld", sv_queue_now_ms());
    if (l.redis != SV_REDIS_OK) {
        /* The lease expires and another run takes the job again. */
        snprintf(err, errlen, "%s", l.err);
        r = l.redis;
    } else if (l.lost) {
        sv_log(SV_LOG_WARN, "a job's lease was lost while it ran; another "
               "worker has it", SV_STR("job", job.id));
    } else if (rc == 0) {
        sv_log(SV_LOG_INFO, "job succeeded", SV_STR("job", job.id),
               SV_STR("job_type", job.type),
               SV_INT("ms", sv_monotonic_ms() - started));
        const char *a[] = { worker_id, job.id, now };
        r = finish(q, pg, SV_QS_ACK, 3, a, err, errlen);
    } else if (sv_stop_signal() != 0) {
        sv_log(SV_LOG_INFO, "stopping: the running job goes back to the "
               "queue", SV_STR("job", job.id));
        const char *a[] = { worker_id, job.id, now };
        r = finish(q, pg, SV_QS_RELEASE, 3, a, err, errlen);
    } else {
        uint32_t d = sv_job_retry_delay_ms((unsigned) job.attempts,
                                           sv_random_u32());

        snprintf(delay, sizeof(delay), "%u", d);
        sv_log(SV_LOG_WARN, "job failed", SV_STR("job", job.id),
               SV_STR("job_type", job.type), SV_STR("error", why),
               SV_INT("attempts", job.attempts),
               SV_INT("max_attempts", job.max_attempts),
               SV_INT("retry_in_ms", job.attempts < job.max_attempts
                                     ? (long long) d : -1));
        const char *a[] = { worker_id, job.id, now, delay, why };
        r = finish(q, pg, SV_QS_FAIL, 5, a, err, errlen);
    }
    freeReplyObject(reply);
    return r;
}
