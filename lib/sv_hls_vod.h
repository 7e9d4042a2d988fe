/*
 * The HLS playlist of a library video, from its fragment index (the JSON
 * the worker writes next to it, worker/media_index.h): version 7, the init
 * segment as EXT-X-MAP with its BYTERANGE, one EXT-X-BYTERANGE per
 * fragment, all of them byte ranges of the one MP4 file; the target
 * duration is the longest fragment rounded (RFC 8216, 4.3.3.1).
 *
 * The index is read as hostile: over SV_HLS_VOD_INDEX_MAX bytes or
 * SV_HLS_VOD_FRAGMENTS_MAX fragments, a range outside the video's size,
 * ranges out of order or overlapping, a zero duration or timescale: refused
 * with the reason. Plain C and yajl, no nginx types.
 */

#ifndef SV_HLS_VOD_H
#define SV_HLS_VOD_H

#include <stddef.h>
#include <stdint.h>

#define SV_HLS_VOD_INDEX_MAX      (64u << 20)
#define SV_HLS_VOD_FRAGMENTS_MAX  1000000

/* The playlist, malloc'd, its length in *len; uri is how it names the
 * video (percent-encoded, relative to the playlist); video_size the
 * video's bytes. index (len bytes) need not end in NUL. NULL with the
 * reason in err. */
char *sv_hls_vod_playlist(const char *index, size_t index_len,
                          const char *uri, uint64_t video_size, size_t *len,
                          char *err, size_t errlen);

#endif /* SV_HLS_VOD_H */
