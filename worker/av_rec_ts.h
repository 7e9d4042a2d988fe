/*
 * One segment of a libavformat recording: the chosen input streams copied
 * into MPEG-TS (libavformat's muxer, a 64 KiB buffer) written straight to
 * <seq>.ts.part, then made durable as <seq>.ts (hls_segment_file.h). Each
 * segment starts with its own PAT/PMT, so it plays alone and after any
 * other.
 */

#ifndef SV_AV_REC_TS_H
#define SV_AV_REC_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libavformat/avformat.h>

#define SV_AV_TS_STREAMS_MAX  8         /* audio and video streams kept */

struct sv_av_ts;

/* A segment of streams[0..n-1] (their parameters and time bases; n at
 * most SV_AV_TS_STREAMS_MAX) as dir_fd's seq; NULL with the reason. */
struct sv_av_ts *sv_av_ts_open(int dir_fd, int64_t seq,
                               AVStream *const *streams, unsigned n,
                               char *err, size_t errlen);

/* Writes pkt: its stream_index one of the n, its timestamps in that
 * stream's time base (pkt is taken: unreferenced either way). False with
 * the reason. */
bool sv_av_ts_write(struct sv_av_ts *t, AVPacket *pkt, char *err,
                    size_t errlen);

/* Bytes handed to the file so far. */
int64_t sv_av_ts_bytes(const struct sv_av_ts *t);

/* keep: flushes the muxer, commits the file (duration_s of media) and
 * gives its size in *bytes; false with the reason (nothing is then kept
 * under a segment name). Not keep: the .part file is removed. *t is freed
 * (NULL) either way. */
bool sv_av_ts_close(struct sv_av_ts **t, bool keep, double duration_s,
                    const char *dir_name, int64_t *bytes, char *err,
                    size_t errlen);

#endif /* SV_AV_REC_TS_H */
