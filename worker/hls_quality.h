/*
 * Choosing the variant to record from a multivariant playlist, for the
 * quality a streamer is configured with. Pure.
 *
 * wanted is a comma-separated list tried in order (spaces around items are
 * ignored, at most SV_HLS_QUALITY_MAX bytes); the first item that matches
 * wins:
 *   best     the source variant (flagged, see hls_playlist.h), else the
 *            highest bandwidth
 *   source   the same
 *   worst    the lowest bandwidth
 *   a name   e.g. "1080p60", "720p", "audio_only": the variant of that name,
 *            case-insensitively, " (source)" ignored on either side
 *   "<H>p"   when no variant is named exactly so, a variant named "<H>p<F>"
 *            (a frame rate): "720p" takes "720p60" only when there is no
 *            plain "720p"; of several, the highest bandwidth
 * best and worst only consider variants with a picture (a RESOLUTION)
 * when there is one, so neither picks audio_only. Ties: the first listed.
 */

#ifndef SV_HLS_QUALITY_H
#define SV_HLS_QUALITY_H

#include <stddef.h>

#include "hls_playlist.h"

#define SV_HLS_QUALITY_MAX  256

/* The index in variants of the choice for wanted, -1 when none matches. */
long sv_hls_quality_pick(const struct sv_hls_variant *variants, size_t n,
                         const char *wanted);

#endif /* SV_HLS_QUALITY_H */
