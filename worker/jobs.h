/*
 * The worker's job loop, one step per pass of the main loop: take what
 * external programs injected, bring back what expired or fell due, follow
 * the API's retry and cancel requests, and run one job.
 *
 * Handlers run in the worker's loop, one job at a time (isolated types in a
 * child process the loop waits for, job_isolate.h); a running job
 * extends its lease every third of job_lease_seconds, so only a dead
 * worker's jobs return to the queue.
 */

#ifndef SV_JOBS_H
#define SV_JOBS_H

#include <hiredis.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "queue.h"

struct sv_jobs {
    struct sv_queue          queue;
    bool                     queue_loaded;  /* scripts loaded on this connection */
    bool                     listening;     /* LISTEN on this PG connection */
    bool                     need_recovery;
    int64_t                  next_reap_ms;
    /* What the caller keeps doing while a job runs (its heartbeat); called
     * every few hundred ms at most, must not drop the connections. */
    void                   (*while_running)(void *ctx);
    void                    *while_running_ctx;
    struct sv_recorder      *recorder;      /* given to record jobs */
};

/* A new Redis connection: load the scripts, return an unfinished inbox
 * item, compare with PostgreSQL again. */
void sv_jobs_redis_connected(struct sv_jobs *j);

/* A new PostgreSQL connection: LISTEN again, compare with Redis again. */
void sv_jobs_pg_connected(struct sv_jobs *j);

/*
 * One step. *wake_ms is when the next step is due (monotonic). A Redis
 * connection error is returned with the reason in err: the caller drops
 * the connection.
 */
enum sv_redis_result sv_jobs_step(struct sv_jobs *j, PGconn *pg,
                                  redisContext *redis,
                                  const struct sv_config *cfg,
                                  int64_t *wake_ms, char *err, size_t errlen);

#endif /* SV_JOBS_H */
