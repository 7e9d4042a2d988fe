/*
 * The finish job, the last step of a recording's post-processing: records
 * the item in PostgreSQL (library.finish: the recording 'ready', its file,
 * size and duration, exactly these assets), deletes what an earlier run
 * made that this one did not (a renamed video, say) and the emptied raw
 * folder.
 *
 * {"v":1, "type":"finish", "recording_id":42, "payload":
 *   {"assets": [{"kind": "video", "path": "library/..."}, ...],
 *    "raw_dir": "raw/42"}}             raw_dir optional
 *
 * kinds as media_assets has them; exactly one "video", whose
 * <video>.index.json gives the duration. Every asset must exist.
 */

#ifndef SV_JOB_FINISH_H
#define SV_JOB_FINISH_H

#include "job_types.h"

#define SV_FINISH_ASSETS_MAX  16

bool sv_job_finish_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_finish_run(yajl_val payload, const struct sv_job_run *run,
                      char *err, size_t errlen);

#endif /* SV_JOB_FINISH_H */
