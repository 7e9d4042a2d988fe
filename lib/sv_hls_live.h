/*
 * The live playlist of a recording while it runs, from the segment log
 * the worker appends to in its raw folder (worker/hls_segment_file.h):
 *
 *   <file> <seconds>     a segment <file, 12 digits>.ts made durable
 *   <file> gap           a discontinuity before that file
 *   end                  the recording is over
 *
 * An EVENT playlist (RFC 8216, version 3) of the segments in file order,
 * EXT-X-DISCONTINUITY where the log says, and EXT-X-ENDLIST once "end" is
 * the last line. The log is read as it may be caught mid-append: a last
 * line without its newline is left for the next request; a line of
 * another shape is skipped. The target duration is the longest segment
 * rounded up. Plain C, no nginx types.
 */

#ifndef SV_HLS_LIVE_H
#define SV_HLS_LIVE_H

#include <stddef.h>

#define SV_HLS_LIVE_LOG_MAX       (16u << 20)
#define SV_HLS_LIVE_SEGMENTS_MAX  200000

/* The playlist, malloc'd, its length in *len; NULL with the reason in
 * err (too large a log, out of memory). */
char *sv_hls_live_playlist(const char *log, size_t log_len, size_t *len,
                           char *err, size_t errlen);

#endif /* SV_HLS_LIVE_H */
