/*
 * Recording any other live source through libavformat: RTMP(S), RTSP(S),
 * SRT, HTTP(S) progressive files and streams, Icecast/Shoutcast audio.
 *
 * libavformat blocks, so each recording runs in its own thread (a
 * SV_AV_STACK_SIZE stack); the caller's thread never waits on one. Packets
 * are copied (no transcoding) into MPEG-TS by libavformat's muxer and cut
 * at a key frame (any packet when there is no video) every segment_s into
 * the HLS engine's folder format: <out>/<number, 12 digits>.ts, written as
 * .ts.part, fdatasync'd and renamed (hls_segment_file.h), so
 * post-processing reads both alike; numbers where the stream is
 * discontinuous (a reconnect, a resume) are noted in .discontinuities.
 * Timestamps go on across segments and reconnects (one timeline).
 *
 * The first connection failing fails the recording at once (the error
 * says why: a bad URL, a refused or unknown host). Once recording, a read
 * error or the end of a live source reconnects with backoff (250 ms
 * doubling, at most 4 s), continuing the numbering; when the source stays
 * away for grace_s the recording ends "ended". A finite file (HTTP with a
 * length) ends "ended" at its end. No packet for stall_s while connected
 * ends "stalled"; duration_s of media "duration"; max_bytes written
 * "size"; sv_av_rec_stop "stopped". Whatever ends it, the segment in
 * flight is closed as a whole segment first.
 *
 * Every call below is made from one thread (the caller's); the recordings'
 * threads only hand their end back through the queue and the descriptor.
 */

#ifndef SV_AV_REC_H
#define SV_AV_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hls_recorder.h"

#define SV_AV_STACK_SIZE         (256 * 1024)
#define SV_AV_SEGMENT_S_DEFAULT  6.0
#define SV_AV_STALL_S_DEFAULT    20.0
#define SV_AV_OPEN_TIMEOUT_S     10.0   /* connect and probe, each try */

struct sv_av_source {
    const char *url;            /* see sv_av_source_wants */
    const char *out_dir;        /* created (one level) when missing */
    double      duration_s;     /* of media to record; 0: no limit */
    int64_t     max_bytes;      /* written; 0: no limit */
    double      grace_s;        /* 0: SV_HLS_GRACE_S_DEFAULT */
    double      stall_s;        /* 0: SV_AV_STALL_S_DEFAULT */
    double      segment_s;      /* 0: SV_AV_SEGMENT_S_DEFAULT */
    bool        resume;         /* number after the folder's highest
                                 * segment; else the folder must hold
                                 * none */
    void       *user;           /* given back in the event */
};

struct sv_av_recorder;
struct sv_av_rec;

/*
 * Whether url is for this recorder rather than the HLS engine: rtmp(s),
 * rtmpt(s), rtsp(s) and srt URLs, and http(s) URLs whose path does not end
 * in .m3u8 or .m3u (those are playlists). A playlist at a URL without
 * that ending, found only once opened, fails the recording saying so.
 */
bool sv_av_source_wants(const char *url);

/* NULL with the reason when the descriptor cannot be made. */
struct sv_av_recorder *sv_av_recorder_new(char *err, size_t errlen);

/* Stops every recording, waits for their threads (each ends within about
 * a second: the closing segment is written to disk) and frees them; no
 * events are given. */
void sv_av_recorder_free(struct sv_av_recorder *rr);

/* Starts a recording; its handle stays valid until its event has been
 * taken with sv_av_recorder_next_event. NULL with the reason when the
 * source is refused (the URL's scheme, the folder, no thread). */
struct sv_av_rec *sv_av_rec_start(struct sv_av_recorder *rr,
                                  const struct sv_av_source *src,
                                  char *err, size_t errlen);

/* Graceful: the segment in flight is closed, then the recording ends
 * SV_HLS_END_STOPPED (unless it ended otherwise). Returns at once. */
void sv_av_rec_stop(struct sv_av_rec *r);

/* What was written so far (segments, bytes, discontinuities, retries
 * are the reconnects, first/last sequence, media_s). */
void sv_av_rec_stats(const struct sv_av_rec *r, struct sv_hls_stats *out);

/* Readable while an ended recording's event waits: a descriptor to poll
 * along with others; sv_av_recorder_next_event drains it. */
int sv_av_recorder_fd(const struct sv_av_recorder *rr);

/* Takes the oldest ended recording's event (true), freeing its handle. */
bool sv_av_recorder_next_event(struct sv_av_recorder *rr,
                               struct sv_hls_event *ev);

#endif /* SV_AV_REC_H */
