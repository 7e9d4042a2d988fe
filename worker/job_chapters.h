/*
 * The chapters job: a recording's chapters (chapters.h) as sidecar files
 * next to its video.
 *
 * payload: {"video": "<relative .mp4>", "duration_s": > 0,
 *           "events": [{"at_s", "title"?, "category"?}],
 *           "vtt": "<relative .vtt>", "xml": "<relative .xml>"}
 *
 * Writes the WebVTT chapters track and the chapters XML (chapter_files.h),
 * each saved atomically under the media root; the video must exist. A
 * re-run writes the same files.
 */

#ifndef SV_JOB_CHAPTERS_H
#define SV_JOB_CHAPTERS_H

#include "job_types.h"

bool sv_job_chapters_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_chapters_run(yajl_val payload, const struct sv_job_run *run,
                        char *err, size_t errlen);

#endif /* SV_JOB_CHAPTERS_H */
