/*
 * The WebVTT thumbnail track of a scrub sprite: "WEBVTT", then one cue per
 * tile, from its start to the next tile's (the last one to the end of the
 * video), whose text is the sprite's name relative to the track's folder
 * with the tile's rectangle: "<sprite>#xywh=x,y,w,h".
 */

#ifndef SV_THUMBNAIL_VTT_H
#define SV_THUMBNAIL_VTT_H

#include <stddef.h>

#include "thumbnail_plan.h"

/* The track for plan, the sprite saved as sprite_rel and the track as
 * vtt_rel (both relative to the media root); malloc'd text (*len bytes),
 * NULL when out of memory. */
char *sv_thumb_vtt(const struct sv_thumb_plan *plan, const char *sprite_rel,
                   const char *vtt_rel, size_t *len);

/* sprite_rel as seen from vtt_rel's folder (both safe relative paths, see
 * sv_path.h) into out; false when it does not fit. */
bool sv_thumb_vtt_sprite_name(const char *sprite_rel, const char *vtt_rel,
                              char *out, size_t cap);

#endif /* SV_THUMBNAIL_VTT_H */
