/*
 * The remux job: raw recording segments -> one fragmented MP4 plus its
 * fragment index, both under the media root.
 *
 * payload: {"input": ["<relative path>", ...],   1..100000, in order, or
 *           "input_dir": "<relative path>",      a folder's segments
 *                                                (job_inputs.h)
 *           "output": "<relative path>.mp4",
 *           "title": "...", "streamer": "...",    optional, embedded
 *           "date": "YYYY-MM-DD",                 optional, embedded
 *           "chapters": [{"at_s", "title"?, "category"?}]}
 *                                 optional: embedded chapters (chapters.h)
 *
 * Writes <output> and <output>.index.json (see media_index.h), each through
 * a temp file and a rename, so a re-run gives the same result and readers
 * never see half a file. The inputs are left in place.
 */

#ifndef SV_JOB_REMUX_H
#define SV_JOB_REMUX_H

#include "job_types.h"

#define SV_REMUX_TEXT_MAX      1024     /* bytes of title or streamer */

bool sv_job_remux_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_remux_run(yajl_val payload, const struct sv_job_run *run,
                     char *err, size_t errlen);

#endif /* SV_JOB_REMUX_H */
