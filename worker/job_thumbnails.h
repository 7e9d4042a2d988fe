/*
 * The thumbnails job: a recording's poster frame, its scrub sprite sheet
 * and the WebVTT thumbnail track that maps times to the sprite's tiles.
 *
 * payload: {"video": "<relative path>.mp4",
 *           "poster": "<relative path>.jpg",   a frame 10 % in, full width
 *                                              up to 1920, aspect kept
 *           "sprite": "<relative path>.jpg",   one tile every interval_s
 *           "vtt": "<relative path>.vtt",      one cue per tile
 *           "interval_s": 1..600,              optional, default 10
 *           "width": 80..1920,                 optional, tile width, 320
 *           "columns": 1..20}                  optional, default 10
 *
 * The sheet is columns tiles wide (fewer when there are fewer tiles) and
 * as many rows high as needed; its size is bounded (thumbnail_plan.h), a
 * long video getting a longer interval. Each file is saved through a temp
 * file and a rename; a re-run gives the same files. Runs in a child
 * process.
 */

#ifndef SV_JOB_THUMBNAILS_H
#define SV_JOB_THUMBNAILS_H

#include "job_types.h"

#define SV_THUMB_INTERVAL_DEFAULT_S  10
#define SV_THUMB_WIDTH_DEFAULT       320
#define SV_THUMB_COLUMNS_DEFAULT     10

bool sv_job_thumbnails_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_thumbnails_run(yajl_val payload, const struct sv_job_run *run,
                          char *err, size_t errlen);

#endif /* SV_JOB_THUMBNAILS_H */
