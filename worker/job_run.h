/*
 * Taking one job off the ready queue and running its handler here, with the
 * lease extended while it runs; the outcome goes back through ack, fail (a
 * retry after a backoff, or the dead list) or release (we are stopping).
 */

#ifndef SV_JOB_RUN_H
#define SV_JOB_RUN_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "queue.h"

/* Who runs jobs, and what it keeps doing meanwhile (may be NULL). */
struct sv_job_runner {
    const char  *worker_id;
    unsigned     lease_seconds;
    void       (*while_running)(void *ctx);
    void        *ctx;
    struct sv_recorder *recorder;   /* for record jobs; NULL: none */
};

/* *ran says whether there was a job. */
enum sv_redis_result sv_job_run_next(struct sv_queue *q, PGconn *pg,
                                     const struct sv_job_runner *runner,
                                     bool *ran, char *err, size_t errlen);

/* Wall-clock milliseconds, the queue's time. */
long long sv_queue_now_ms(void);

#endif /* SV_JOB_RUN_H */
