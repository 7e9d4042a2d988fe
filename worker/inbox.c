/*
 * Taking injected jobs (see inbox.h).
 */

#include "inbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "job_mirror.h"
#include "job_spec.h"
#include "json.h"
#include "log.h"

/* How much of a rejected item is kept for people to look at. */
#define REJECTED_RAW_MAX  16384

enum sv_redis_result
sv_inbox_restore(struct sv_queue *q, const char *worker_id, char *err,
                 size_t errlen)
{
    const char          *argv[] = { worker_id };
    const size_t         lens[] = { strlen(worker_id) };
    redisReply          *reply;
    enum sv_redis_result r;

    r = sv_queue_call(q, SV_QS_INBOX_RESTORE, 1, argv, lens, &reply, err,
                      errlen);
    if (r == SV_REDIS_OK && reply->elements == 2
        && strcmp(reply->element[1]->str, "0") != 0) {
        sv_log(SV_LOG_INFO, "returned an unfinished inbox item to the inbox",
               SV_STR("count", reply->element[1]->str));
    }
    freeReplyObject(reply);
    return r;
}

static void
now_text(char iso[SV_ISO8601_SIZE], char ms[24])
{
    struct timespec wall = sv_realtime_now();

    sv_format_iso8601(&wall, iso);
    snprintf(ms, 24, "%lld",
             (long long) wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
}

static enum sv_redis_result
reject(struct sv_queue *q, const char *worker_id, const char *raw,
       size_t len, const char *reason, char *err, size_t errlen)
{
    size_t               keep = len < REJECTED_RAW_MAX ? len : REJECTED_RAW_MAX;
    size_t               cap = keep * 6 + strlen(reason) * 6 + 256;
    char                *storage = malloc(cap);
    char                 iso[SV_ISO8601_SIZE], ms[24];
    struct sv_jbuf       b;
    redisReply          *reply;
    enum sv_redis_result r;

    if (storage == NULL) {
        snprintf(err, errlen, "out of memory");
        return SV_REDIS_REPLY_ERROR;
    }
    now_text(iso, ms);
    sv_jbuf_init(&b, storage, cap);
    sv_jbuf_raw(&b, "{\"raw\":", 7);
    sv_jbuf_string(&b, raw, keep);
    sv_jbuf_raw(&b, ",\"reason\":", 10);
    sv_jbuf_string(&b, reason, strlen(reason));
    sv_jbuf_raw(&b, ",\"at\":", 6);
    sv_jbuf_string(&b, iso, strlen(iso));
    sv_jbuf_raw(&b, "}", 1);

    const char  *argv[] = { worker_id, raw, b.data };
    const size_t lens[] = { strlen(worker_id), len, b.len };

    r = sv_queue_call(q, SV_QS_REJECT, 3, argv, lens, &reply, err, errlen);
    freeReplyObject(reply);
    free(storage);
    if (r == SV_REDIS_OK) {
        sv_log(SV_LOG_WARN, "rejected an injected job",
               SV_STR("reason", reason), SV_INT("bytes", (long long) len));
    }
    return r;
}

static enum sv_redis_result
inject(struct sv_queue *q, PGconn *pg, const char *worker_id,
       const char *raw, size_t len, char *err, size_t errlen)
{
    struct sv_job_spec   spec;
    char                 reason[256], prio[8], max[8], iso[SV_ISO8601_SIZE];
    char                 ms[24];
    const char          *argv[8 + SV_JOB_DEPS_MAX];
    size_t               lens[8 + SV_JOB_DEPS_MAX];
    redisReply          *reply;
    enum sv_redis_result r;
    int                  argc = 0;

    if (!sv_job_spec_parse(raw, len, &spec, reason, sizeof(reason))) {
        return reject(q, worker_id, raw, len, reason, err, errlen);
    }
    if (!spec.id_given && sv_uuid_generate(spec.id) != 0) {
        sv_job_spec_free(&spec);
        snprintf(err, errlen, "no randomness for a job id");
        return SV_REDIS_REPLY_ERROR;
    }
    snprintf(prio, sizeof(prio), "%d", spec.priority);
    snprintf(max, sizeof(max), "%d", spec.max_attempts);
    now_text(iso, ms);

#define ARG(p, n)    (argv[argc] = (p), lens[argc++] = (n))
#define ARG_STR(p)   ARG((p), strlen(p))
    ARG_STR(worker_id);
    ARG(raw, len);
    ARG_STR(spec.id);
    ARG_STR(spec.type->name);
    ARG_STR(prio);
    ARG_STR(max);
    ARG(raw, len);
    ARG_STR(ms);
    for (size_t i = 0; i < spec.ndeps; i++) {
        ARG_STR(spec.deps[i]);
    }
#undef ARG_STR
#undef ARG

    r = sv_queue_call(q, SV_QS_INJECT, argc, argv, lens, &reply, err, errlen);
    if (r == SV_REDIS_OK) {
        if (strcmp(sv_queue_status(reply), "refused") == 0
            && reply->elements == 2) {
            snprintf(reason, sizeof(reason), "%s", reply->element[1]->str);
            r = reject(q, worker_id, raw, len, reason, err, errlen);
        } else {
            sv_job_mirror_reply(pg, q->redis, reply);
        }
    }
    freeReplyObject(reply);
    sv_job_spec_free(&spec);
    return r;
}

enum sv_redis_result
sv_inbox_drain(struct sv_queue *q, PGconn *pg, const char *worker_id,
               unsigned max, unsigned *took, char *err, size_t errlen)
{
    char        limit[16], iso[SV_ISO8601_SIZE], ms[24];

    snprintf(limit, sizeof(limit), "%d", SV_JOB_SPEC_MAX);
    *took = 0;

    while (*took < max) {
        const char          *argv[] = { worker_id, limit, iso };
        size_t               lens[3];
        redisReply          *reply;
        enum sv_redis_result r;

        now_text(iso, ms);
        lens[0] = strlen(worker_id);
        lens[1] = strlen(limit);
        lens[2] = strlen(iso);
        r = sv_queue_call(q, SV_QS_INBOX_TAKE, 3, argv, lens, &reply, err,
                          errlen);
        if (r != SV_REDIS_OK) {
            return r;
        }

        const char *status = sv_queue_status(reply);

        if (strcmp(status, "empty") == 0) {
            freeReplyObject(reply);
            return SV_REDIS_OK;
        }
        (*took)++;
        if (strcmp(status, "toobig") == 0) {
            sv_log(SV_LOG_WARN, "rejected an injected job",
                   SV_STR("reason", "too big"),
                   SV_STR("bytes", reply->elements == 2
                                   ? reply->element[1]->str : ""));
        } else if (reply->elements == 2
                   && reply->element[1]->type == REDIS_REPLY_STRING) {
            const char *raw = reply->element[1]->str;
            size_t      len = reply->element[1]->len;

            r = inject(q, pg, worker_id, raw, len, err, errlen);
            /* Redis refused to take it in: set it aside, or it would stay
             * stuck on our inbox:processing list. */
            if (r == SV_REDIS_REPLY_ERROR) {
                char reason[300];

                snprintf(reason, sizeof(reason), "not accepted: %s", err);
                r = reject(q, worker_id, raw, len, reason, err, errlen);
            }
        }
        freeReplyObject(reply);
        if (r != SV_REDIS_OK) {
            return r;
        }
    }
    return SV_REDIS_OK;
}
