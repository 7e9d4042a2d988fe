/*
 * Submitting planned jobs (see job_submit.h).
 */

#include "job_submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_mirror.h"
#include "job_run.h"
#include "sha256.h"

void
sv_job_step_id(const char *parent_id, const char *step,
               char out[SV_UUID_SIZE])
{
    char    name[SV_UUID_SIZE + 80], h[SV_SHA256_HEX_SIZE];
    int     n = snprintf(name, sizeof(name), "%s:%s", parent_id, step);

    if (sv_sha256_hex(name, (size_t) n, h) != 0) {
        /* OpenSSL out of memory: a fixed digest still names the step
         * uniquely enough within this parent for the rare retry. */
        memset(h, '0', sizeof(h) - 1);
        h[sizeof(h) - 1] = '\0';
    }
    /* version 5 and the RFC 4122 variant, as a name-based UUID has them */
    snprintf(out, SV_UUID_SIZE, "%.8s-%.4s-5%.3s-%c%.3s-%.12s", h, h + 8,
             h + 13, "89ab"[h[16] & 3], h + 17, h + 20);
}

/* The job JSON; NULL when out of memory. Every part but the payload is
 * ours (a type name, UUIDs, numbers), so only the payload needs care. */
static char *
spec_text(const struct sv_job_submit *job, size_t *len)
{
    size_t  cap = strlen(job->payload) + 256 + job->ndeps * SV_UUID_SIZE * 2;
    char   *s = malloc(cap);
    size_t  n;

    if (s == NULL) {
        return NULL;
    }
    n = (size_t) snprintf(s, cap, "{\"v\":1,\"type\":\"%s\",\"id\":\"%s\","
                          "\"priority\":%d", job->type, job->id,
                          job->priority);
    if (job->recording_id != 0) {
        n += (size_t) snprintf(s + n, cap - n, ",\"recording_id\":%lld",
                               job->recording_id);
    }
    if (job->ndeps > 0) {
        n += (size_t) snprintf(s + n, cap - n, ",\"depends_on\":[");
        for (size_t i = 0; i < job->ndeps; i++) {
            n += (size_t) snprintf(s + n, cap - n, "%s\"%s\"",
                                   i > 0 ? "," : "", job->deps[i]);
        }
        n += (size_t) snprintf(s + n, cap - n, "]");
    }
    n += (size_t) snprintf(s + n, cap - n, ",\"payload\":%s}", job->payload);
    *len = n;
    return s;
}

bool
sv_job_submit(struct sv_queue *q, PGconn *pg, const struct sv_job_submit *job,
              enum sv_redis_result *redis, char *err, size_t errlen)
{
    struct sv_job_spec spec;
    size_t             len, lens[7 + SV_JOB_DEPS_MAX];
    const char        *argv[7 + SV_JOB_DEPS_MAX];
    char               prio[8], max[8], now[24], why[256];
    char              *text = spec_text(job, &len);
    redisReply        *reply;
    int                argc = 0;

    *redis = SV_REDIS_OK;
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (!sv_job_spec_parse(text, len, &spec, why, sizeof(why))) {
        snprintf(err, errlen, "the planned %s job is invalid: %s", job->type,
                 why);
        free(text);
        return false;
    }
    snprintf(prio, sizeof(prio), "%d", spec.priority);
    snprintf(max, sizeof(max), "%d", spec.max_attempts);
    snprintf(now, sizeof(now), "%lld", sv_queue_now_ms());

    /* RESTORE: a job with this id is left as it is ("exists"), and a
     * dependency Redis no longer knows has finished (PostgreSQL keeps the
     * record; finished jobs leave Redis). */
#define ARG(p)   (argv[argc] = (p), lens[argc] = strlen(p), argc++)
    ARG(spec.id);
    ARG(job->type);
    ARG(prio);
    ARG(max);
    argv[argc] = text;
    lens[argc++] = len;
    ARG(now);
    ARG("0");
    for (size_t i = 0; i < spec.ndeps; i++) {
        ARG(spec.deps[i]);
    }
#undef ARG

    *redis = sv_queue_call(q, SV_QS_RESTORE, argc, argv, lens, &reply, err,
                           errlen);
    if (*redis == SV_REDIS_OK) {
        sv_job_mirror_reply(pg, q->redis, reply);
        freeReplyObject(reply);
    }
    sv_job_spec_free(&spec);
    free(text);
    return *redis == SV_REDIS_OK;
}
