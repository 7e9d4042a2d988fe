/*
 * A library video's duration, as its fragment index (<video>.index.json,
 * written by remux) records it: cheap, and no libav in the worker process.
 */

#ifndef SV_MEDIA_DURATION_H
#define SV_MEDIA_DURATION_H

#include <stdbool.h>
#include <stddef.h>

/* The duration in seconds of video (relative to the media root); false
 * with the reason when its index is missing or malformed. */
bool sv_media_duration(const char *video, double *seconds, char *err,
                       size_t errlen);

#endif /* SV_MEDIA_DURATION_H */
