/*
 * The remux job: raw recording segments -> one fragmented MP4 plus its
 * fragment index, both under the media root.
 *
 * payload: {"input": ["<relative path>", ...],   1..100000, in order
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

#define SV_REMUX_INPUTS_MAX    100000
#define SV_REMUX_TEXT_MAX      1024     /* bytes of title or streamer */

/* Payload checks the media jobs share: what (a string) is a safe relative
 * path (sv_path_relative_ok); v is an array of 1..SV_REMUX_INPUTS_MAX of
 * them. False with the reason, naming the payload member. */
bool sv_job_media_path_ok(const char *what, yajl_val v, char *err,
                          size_t errlen);
bool sv_job_media_inputs_ok(yajl_val v, char *err, size_t errlen);

/* What remux and validate both require of their input and output: both
 * given, output an .mp4, output not also an input. */
bool sv_job_media_io_ok(yajl_val input, const char *output, char *err,
                        size_t errlen);

bool sv_job_remux_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_remux_run(yajl_val payload, const struct sv_job_run *run,
                     char *err, size_t errlen);

#endif /* SV_JOB_REMUX_H */
