/*
 * The noop job: sleeps, then succeeds or fails as asked. For tests and the
 * queue benchmark.   payload: {"sleep_ms": 0..60000, "fail": bool}
 */

#ifndef SV_JOB_NOOP_H
#define SV_JOB_NOOP_H

#include "job_types.h"

#define SV_NOOP_SLEEP_MAX_MS  60000

bool sv_job_noop_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_noop_run(yajl_val payload, const struct sv_job_run *run,
                    char *err, size_t errlen);

#endif /* SV_JOB_NOOP_H */
