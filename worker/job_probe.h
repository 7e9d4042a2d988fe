/*
 * The probe job: a diagnostic that checks the worker's crash isolation in
 * place (an operator can inject it in production). It always runs in a
 * child process and does what it is told there:
 *   payload: {"action": "ok"|"exit"|"crash"|"abort"|"hang",
 *             "seconds": 0..600,      how long "ok" works, reporting
 *                                     progress (default 0), or "hang"
 *                                     hangs (default 600)
 *             "timeout_s": 1..600}    this run's time limit (default 60)
 */

#ifndef SV_JOB_PROBE_H
#define SV_JOB_PROBE_H

#include "job_types.h"

#define SV_PROBE_TIME_LIMIT_S  60
#define SV_PROBE_SECONDS_MAX   600

bool sv_job_probe_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_probe_run(yajl_val payload, const struct sv_job_run *run,
                     char *err, size_t errlen);
unsigned sv_job_probe_time_limit(yajl_val payload);

#endif /* SV_JOB_PROBE_H */
