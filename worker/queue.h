/*
 * The reliable job queue on Redis. Every key is under "streamvault:":
 *
 *   inbox                    LIST  job JSON pushed by anyone (LPUSH)
 *   inbox:processing:<w>     LIST  the inbox item worker w is validating
 *   rejected                 LIST  {"raw","reason","at"} for invalid items
 *   job:<id>                 HASH  spec (the JSON), type, state, attempts,
 *                                  max_attempts, priority, deps_left,
 *                                  last_error, worker, lease_until,
 *                                  run_after, created_at, finished_at, rev
 *   ready                    ZSET  id -> priority * 1e13 + enqueue ms
 *   delayed                  ZSET  id -> when to retry (ms)
 *   processing:<w>           ZSET  id -> lease expiry (ms) on worker w
 *   workers                  SET   worker ids that may hold leases
 *   dependents:<id>          SET   jobs waiting for job id
 *   dead                     LIST  ids of jobs out of attempts
 *
 * Job states: waiting (for dependencies), queued, running, failed (will be
 * retried), succeeded, dead, cancelled. Every move between them is one Lua
 * script (queue_scripts.h), called by EVALSHA with EVAL as the fallback.
 * Times are wall-clock milliseconds from the workers' clocks.
 *
 * rev orders the reports of a job (the summaries scripts return): Redis'
 * clock in microseconds when it was made, above the previous report's.
 * Workers write reports to PostgreSQL after the script, so two workers'
 * reports of one job can arrive in either order; the jobs table keeps the
 * newest (job_mirror.h). A clock, not a count: after Redis lost or reloaded
 * a job, its reports still come after those PostgreSQL has.
 */

#ifndef SV_QUEUE_H
#define SV_QUEUE_H

#include <hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "queue_scripts.h"
#include "redis.h"

#define SV_QUEUE_SUMMARY_FIELDS  11

/* One job as a script reports it; the strings point into the reply. */
struct sv_job_summary {
    const char  *id, *state, *type, *spec, *last_error, *worker;
    long long    attempts, max_attempts, priority, run_after_ms, rev;
};

struct sv_queue {
    redisContext  *redis;
    char           sha[SV_QS_COUNT][41];
};

/* Loads every script (SCRIPT LOAD) into a new connection. */
enum sv_redis_result sv_queue_init(struct sv_queue *q, redisContext *redis,
                                   char *err, size_t errlen);

/*
 * Runs a script with the given arguments. The reply (an array whose first
 * element is a status word) is returned in *reply for the caller to free
 * with freeReplyObject.
 */
enum sv_redis_result sv_queue_call(struct sv_queue *q,
                                   enum sv_queue_script script, int argc,
                                   const char **argv, const size_t *lens,
                                   redisReply **reply, char *err,
                                   size_t errlen);

/* The status word of a script's reply. */
const char *sv_queue_status(const redisReply *reply);

/* How many job summaries the reply carries, and the i-th of them. */
size_t sv_queue_summary_count(const redisReply *reply);
void sv_queue_summary(const redisReply *reply, size_t i,
                      struct sv_job_summary *out);

#endif /* SV_QUEUE_H */
