/*
 * Jobs that jobs queue: a handler (postprocess, import) submits the steps
 * it planned. Each step's id is derived from the submitting job's id, so a
 * re-run of that job (after a crash, say) finds its steps already queued
 * and submits nothing twice.
 */

#ifndef SV_JOB_SUBMIT_H
#define SV_JOB_SUBMIT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "job_spec.h"
#include "queue.h"

struct sv_job_submit {
    const char          *type;
    char                 id[SV_UUID_SIZE];
    int                  priority;
    long long            recording_id;      /* 0: none */
    size_t               ndeps;
    const char          *deps[SV_JOB_DEPS_MAX];
    const char          *payload;           /* a JSON object */
};

/* The id of a step: a UUID (version 5 layout) from SHA-256 of the parent's
 * id and the step's name; the same every time. */
void sv_job_step_id(const char *parent_id, const char *step,
                    char out[SV_UUID_SIZE]);

/*
 * Checks the job as an injected one is checked (so a bug here cannot queue
 * what the worker would refuse) and queues it, unless a job with its id
 * exists already. False with the reason; a Redis failure sets *redis.
 */
bool sv_job_submit(struct sv_queue *q, PGconn *pg,
                   const struct sv_job_submit *job,
                   enum sv_redis_result *redis, char *err, size_t errlen);

#endif /* SV_JOB_SUBMIT_H */
