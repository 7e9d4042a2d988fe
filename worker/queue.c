/*
 * Calling the queue's scripts (see queue.h).
 */

#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS  (3 + 80)

static enum sv_redis_result
reply_result(redisContext *c, const redisReply *reply, char *err,
             size_t errlen)
{
    if (reply == NULL) {
        snprintf(err, errlen, "%s", c->err != 0 ? c->errstr : "no reply");
        return SV_REDIS_CONN_ERROR;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "%.*s", (int) reply->len, reply->str);
        return SV_REDIS_REPLY_ERROR;
    }
    return SV_REDIS_OK;
}

enum sv_redis_result
sv_queue_init(struct sv_queue *q, redisContext *redis, char *err,
              size_t errlen)
{
    q->redis = redis;
    for (int s = 0; s < SV_QS_COUNT; s++) {
        const char *src = sv_queue_script_source((enum sv_queue_script) s);
        const char *argv[] = { "SCRIPT", "LOAD", src };
        size_t      lens[] = { 6, 4, strlen(src) };
        redisReply *reply = redisCommandArgv(redis, 3, argv, lens);
        enum sv_redis_result r = reply_result(redis, reply, err, errlen);

        if (r == SV_REDIS_OK && (reply->type != REDIS_REPLY_STRING
                                 || reply->len != 40)) {
            snprintf(err, errlen, "SCRIPT LOAD gave no SHA1");
            r = SV_REDIS_REPLY_ERROR;
        }
        if (r == SV_REDIS_OK) {
            memcpy(q->sha[s], reply->str, 40);
            q->sha[s][40] = '\0';
        }
        freeReplyObject(reply);
        if (r != SV_REDIS_OK) {
            return r;
        }
    }
    return SV_REDIS_OK;
}

static redisReply *
evaluate(struct sv_queue *q, const char *cmd, const char *what, int argc,
         const char **argv, const size_t *lens)
{
    const char *all[MAX_ARGS];
    size_t      all_lens[MAX_ARGS];

    all[0] = cmd;
    all_lens[0] = strlen(cmd);
    all[1] = what;
    all_lens[1] = strlen(what);
    all[2] = "0";       /* no KEYS: the scripts name their keys */
    all_lens[2] = 1;
    memcpy(all + 3, argv, (size_t) argc * sizeof(*argv));
    memcpy(all_lens + 3, lens, (size_t) argc * sizeof(*lens));
    return redisCommandArgv(q->redis, argc + 3, all, all_lens);
}

enum sv_redis_result
sv_queue_call(struct sv_queue *q, enum sv_queue_script script, int argc,
              const char **argv, const size_t *lens, redisReply **reply,
              char *err, size_t errlen)
{
    enum sv_redis_result r;

    *reply = NULL;
    if (argc < 0 || argc > MAX_ARGS - 3) {
        snprintf(err, errlen, "too many script arguments");
        return SV_REDIS_REPLY_ERROR;
    }

    redisReply *rep = evaluate(q, "EVALSHA", q->sha[script], argc, argv,
                               lens);

    /* The server lost its script cache (restart, SCRIPT FLUSH). */
    if (rep != NULL && rep->type == REDIS_REPLY_ERROR
        && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        rep = evaluate(q, "EVAL", sv_queue_script_source(script), argc, argv,
                       lens);
    }

    r = reply_result(q->redis, rep, err, errlen);
    if (r == SV_REDIS_OK && (rep->type != REDIS_REPLY_ARRAY
                             || rep->elements < 1
                             || rep->element[0]->type != REDIS_REPLY_STRING)) {
        snprintf(err, errlen, "a queue script gave an unexpected reply");
        r = SV_REDIS_REPLY_ERROR;
    }
    if (r != SV_REDIS_OK) {
        freeReplyObject(rep);
        return r;
    }
    *reply = rep;
    return SV_REDIS_OK;
}

const char *
sv_queue_status(const redisReply *reply)
{
    return reply->element[0]->str;
}

size_t
sv_queue_summary_count(const redisReply *reply)
{
    return (reply->elements - 1) / SV_QUEUE_SUMMARY_FIELDS;
}

static const char *
field(const redisReply *reply, size_t i)
{
    const redisReply *e = reply->element[i];

    return e->type == REDIS_REPLY_STRING ? e->str : "";
}

void
sv_queue_summary(const redisReply *reply, size_t i,
                 struct sv_job_summary *out)
{
    size_t base = 1 + i * SV_QUEUE_SUMMARY_FIELDS;

    out->id = field(reply, base);
    out->state = field(reply, base + 1);
    out->type = field(reply, base + 2);
    out->attempts = atoll(field(reply, base + 3));
    out->max_attempts = atoll(field(reply, base + 4));
    out->priority = atoll(field(reply, base + 5));
    out->spec = field(reply, base + 6);
    out->run_after_ms = atoll(field(reply, base + 7));
    out->last_error = field(reply, base + 8);
    out->worker = field(reply, base + 9);
    out->rev = atoll(field(reply, base + 10));
}
