/*
 * The retention job: deletes the library items the retention policy (the
 * global settings retention.*, each key overridden by a streamer's own)
 * lets go, and every recording the API marked deleted: their files under
 * the media root (library_files.h), then their rows. Only recordings in
 * state 'ready' or 'deleted' are ever touched; library.retention_plan in
 * sql/005_retention.sql decides which, and why.
 *
 *   payload: {"dry_run": bool (false)}: true reports without deleting.
 *
 * It logs a line per recording and a summary, and publishes on
 * streamvault:events {"type":"retention","deleted":[ids],"bytes":N,
 * "files":N,"dry_run":bool}. Runs in the worker (it needs PostgreSQL and
 * Redis); the worker also submits one every hour (retention_schedule.h).
 */

#ifndef SV_JOB_RETENTION_H
#define SV_JOB_RETENTION_H

#include "job_types.h"

bool sv_job_retention_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_retention_run(yajl_val payload, const struct sv_job_run *run,
                         char *err, size_t errlen);

#endif /* SV_JOB_RETENTION_H */
