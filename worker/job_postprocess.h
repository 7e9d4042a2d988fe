/*
 * The postprocess job: plans how a recording becomes a library item and
 * queues the steps, each depending on the ones before it:
 *
 *   remux -> validate -> thumbnails, chapters, nfo -> finish
 *                     -> artwork (the show's images; does not hold finish)
 *
 * {"v":1, "type":"postprocess", "recording_id":42}, payload {}.
 *
 * The recording's row (library.plan) gives the title, the streamer, the
 * season and episode (numbered once, kept), the stream events and where the
 * media is: raw segments in raw_dir, an imported file, or (a re-run after
 * the segments were validated and deleted) the library video itself, whose
 * sidecars and record are then made again. The video's path comes from the
 * streamer's filename template (or the global one, or SV_TEMPLATE_DEFAULT)
 * under "library/" (sv_template_video_path), so it never leaves the
 * library.
 *
 * The steps' ids derive from this job's id: a re-run of this job queues
 * nothing twice; a new postprocess job of the same recording plans anew.
 */

#ifndef SV_JOB_POSTPROCESS_H
#define SV_JOB_POSTPROCESS_H

#include "job_types.h"

bool sv_job_postprocess_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_postprocess_run(yajl_val payload, const struct sv_job_run *run,
                           char *err, size_t errlen);

#endif /* SV_JOB_POSTPROCESS_H */
