/*
 * The validate job: checks a remuxed recording against its raw segments,
 * and only when every check passed deletes the segments.
 *
 * payload: {"input": ["<relative path>", ...],  the raw segments, 1..100000
 *           "output": "<relative path>.mp4",    what remux made of them
 *           "tolerance_s": 0.01..60,            optional, default 1.0
 *           "delete_input": true|false}         optional, default true
 *
 * Checks: the output opens; it has as many video and audio streams as the
 * first input; its duration is within tolerance_s of the inputs' total (as
 * libavformat reads their headers); its first and last GOPs decode; its
 * <output>.index.json matches the fragments in its bytes. Then, with
 * delete_input, each input (resolved inside the media root, a regular
 * file) is unlinked and its directory fsynced.
 *
 * Idempotent: when every input is already gone (a retry after a crash
 * between the deletion and the job's success), the output is checked by
 * itself (it decodes, its index matches) and the job succeeds. While it
 * deletes, <output>.deleting-inputs marks that the checks passed: a run
 * that finds the mark checks the output by itself and deletes the inputs
 * left. Otherwise some inputs gone and others present is a failure:
 * nothing is deleted then.
 */

#ifndef SV_JOB_VALIDATE_H
#define SV_JOB_VALIDATE_H

#include "job_types.h"

#define SV_VALIDATE_TOLERANCE_DEFAULT_S  1.0
#define SV_VALIDATE_TOLERANCE_MIN_S      0.01
#define SV_VALIDATE_TOLERANCE_MAX_S      60.0

bool sv_job_validate_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_validate_run(yajl_val payload, const struct sv_job_run *run,
                        char *err, size_t errlen);

#endif /* SV_JOB_VALIDATE_H */
