/*
 * The HLS recording engine: many live media playlists recorded at once in
 * one thread, on one libcurl multi handle, never blocking on the network
 * (the only wait is curl_multi_poll in sv_hls_engine_step).
 *
 * Per recording: the media playlist is polled at its target duration (half
 * of it when nothing new came), new segments are taken with
 * sv_hls_window_next (announced ones with prefetch), ads skipped, the rest
 * downloaded (at most SV_HLS_PARALLEL_PER_REC at a time, at most
 * SV_HLS_PARALLEL_MAX in the engine) straight to
 * <out>/<file number, 12 digits>.ts.part, fsync'd and renamed to .ts: a
 * crash never leaves half a segment under a segment name.
 *
 * File numbers strictly increase within a folder, so the names sort in
 * recording order and nothing is ever overwritten: a file number is the
 * source's sequence number plus an offset (0 until the stream restarts
 * with lower numbers, or a recording continues in a folder with files
 * after them), which only grows; it is kept in <out>/.sequence-offset
 * (written through a rename when it changes) so that a resumed recording
 * maps sequence numbers to files as before. File numbers where the stream
 * is discontinuous (a tag, a gap, a new stream instance) are appended to
 * <out>/.discontinuities. A recording starting in a folder removes the
 * .part files left there and numbers its files after the highest .ts.
 *
 * Retries: the playlist with exponential backoff (250 ms doubling, at most
 * 4 s); when it has failed for longer than the grace period the recording
 * ends ("ended" when the last answer said 403/404/410, i.e. gone, else
 * "failed"). A Twitch recording resolves its playlist again (a fresh
 * token, the usher, the variant) after every failure and after ENDLIST
 * (the broadcast ended, maybe only for a moment): once it has taken
 * segments, an offline channel is a failure like the others, so a stream
 * back within the grace period continues into the same folder. A segment:
 * SV_HLS_SEGMENT_TRIES attempts, 250 ms doubling between them, fewer when
 * it left the playlist window; then it is lost. Only status 200 counts as
 * success.
 *
 * The engine is not thread-safe; one thread drives it.
 */

#ifndef SV_HLS_RECORDER_H
#define SV_HLS_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_HLS_PARALLEL_PER_REC  2      /* segment downloads of a recording */
#define SV_HLS_PARALLEL_MAX      64     /* segment downloads in the engine */
#define SV_HLS_QUEUE_MAX         32     /* segments waiting per recording */
#define SV_HLS_SEGMENT_TRIES     5
#define SV_HLS_SEGMENT_MAX_BYTES (256LL * 1024 * 1024)
#define SV_HLS_GRACE_S_DEFAULT   30.0
#define SV_HLS_WAIT_S_MAX        (31 * 86400.0)    /* grace_s, stall_s */

/* A Twitch channel instead of a playlist URL: its access token from GQL,
 * the usher's multivariant playlist, the variant for quality; then it is
 * recorded as that media playlist. Offline (no token, usher 404) before
 * any segment was taken ends the recording "ended" with the error
 * "offline"; later it does so once the grace period has passed. */
struct sv_hls_twitch {
    const char *login;          /* NULL: not Twitch */
    const char *quality;        /* see hls_quality.h; NULL: "best" */
    const char *gql_url;        /* NULL: SV_TWITCH_GQL_URL */
    const char *usher_url;      /* NULL: SV_TWITCH_USHER_URL */
    const char *client_id;      /* NULL: SV_TWITCH_CLIENT_ID */
    const char *oauth;          /* a user token; NULL: none */
};

struct sv_hls_source {
    const char *playlist_url;   /* a media playlist, http or https; NULL
                                 * with twitch.login */
    struct sv_hls_twitch twitch;
    const char *out_dir;        /* created (one level) when missing */
    double      duration_s;     /* of media to record; 0: no limit */
    const char *proxy;          /* http://, https://, socks5://,
                                 * socks5h://; NULL or "": none */
    double      grace_s;        /* playlist failing this long ends the
                                 * recording; 0: SV_HLS_GRACE_S_DEFAULT */
    double      stall_s;        /* no segment written for this long (since
                                 * the start or the last one) ends it
                                 * "stalled"; 0: never. Above grace_s, or
                                 * a reconnect cannot happen. */
    int64_t     max_bytes;      /* once written, or once the segments
                                 * queued would reach it at the average
                                 * size so far, no more are taken and it
                                 * ends "size" when they are written;
                                 * 0: no limit */
    bool        resume;         /* out_dir holds this recording's files:
                                 * take from the first playlist only the
                                 * segments after the last one written */
    bool        resume_after;   /* take from the first playlist only the
                                 * segments after after_sequence (a
                                 * rollover into a new folder; wins over
                                 * resume) */
    int64_t     after_sequence;
    bool        prefetch;       /* low latency: also take the segments a
                                 * playlist announces before they are
                                 * listed (#EXT-X-TWITCH-PREFETCH), but
                                 * none while an ad plays */
    void       *user;           /* given back in the event */
};

/* What the first playlist gives with resume or resume_after: when the
 * segment after the last one is still in the window, the rest from it (no
 * duplicate); when the window moved past it, the window, the numbers
 * between counted lost and a discontinuity noted; when the playlist's
 * newest number is below the last one, it is a new stream instance and
 * all of it is new. */

enum sv_hls_end {
    SV_HLS_END_DURATION,        /* duration_s of media recorded */
    SV_HLS_END_ENDED,           /* ENDLIST, or the playlist gone */
    SV_HLS_END_STOPPED,         /* sv_hls_engine_stop */
    SV_HLS_END_FAILED,          /* see the event's error */
    SV_HLS_END_SIZE,            /* max_bytes written */
    SV_HLS_END_STALLED,         /* stall_s without a segment */
};

struct sv_hls_stats {
    int64_t segments;           /* written */
    int64_t bytes;              /* written */
    int64_t ads_skipped;        /* ad segments not downloaded */
    int64_t lost;               /* sequence numbers never written: gaps in
                                 * the window, segments failed for good */
    int64_t discontinuities;
    int64_t retries;            /* failed requests tried again */
    int64_t first_sequence;     /* the source's, written, -1 when none */
    int64_t last_sequence;      /* the source's, of the last file written
                                 * (the highest file number) */
    double  media_s;            /* EXTINF sum of the segments written */
};

struct sv_hls_event {
    void                *user;
    enum sv_hls_end      why;
    char                 error[256];    /* with SV_HLS_END_FAILED; else
                                         * a detail or "" */
    struct sv_hls_stats  stats;
};

struct sv_hls_engine;
struct sv_hls_rec;

const char *sv_hls_end_name(enum sv_hls_end why);   /* "duration", ... */

/* NULL with the reason when libcurl cannot start. */
struct sv_hls_engine *sv_hls_engine_new(char *err, size_t errlen);

/* Ends every transfer at once (.part files are removed); recordings still
 * running give no event. */
void sv_hls_engine_free(struct sv_hls_engine *e);

/* Starts a recording; its handle stays valid until its event has been
 * taken with sv_hls_engine_next_event. NULL with the reason when the
 * source is refused (not http/https, a bad proxy scheme, a limit out of
 * range, the folder or its .sequence-offset). */
struct sv_hls_rec *sv_hls_engine_add(struct sv_hls_engine *e,
                                     const struct sv_hls_source *src,
                                     char *err, size_t errlen);

/* Graceful: no new segments, the ones downloading are finished, then the
 * recording ends with SV_HLS_END_STOPPED (unless it ended otherwise). */
void sv_hls_engine_stop(struct sv_hls_rec *r);
void sv_hls_engine_stop_all(struct sv_hls_engine *e);

/* The running recording's counts so far (for progress reports). */
void sv_hls_engine_stats(const struct sv_hls_rec *r, struct sv_hls_stats *out);

/* A descriptor whose readability ends the wait in sv_hls_engine_step early
 * (e.g. a signal's self-pipe); -1: none. The caller drains it. */
void sv_hls_engine_watch_fd(struct sv_hls_engine *e, int fd);

/* Waits at most timeout_ms for network activity or a timer, then advances
 * every recording. Returns the recordings not ended yet, or -1 when the
 * multi handle failed (err says why; the engine is then unusable). */
int sv_hls_engine_step(struct sv_hls_engine *e, int timeout_ms, char *err,
                       size_t errlen);

/* sv_hls_engine_step waiting for fds (their revents set) instead of the
 * watched descriptor: a caller with more to wait for (chat sockets). */
struct curl_waitfd;
int sv_hls_engine_step_with(struct sv_hls_engine *e, int timeout_ms,
                            struct curl_waitfd *fds, unsigned nfds,
                            char *err, size_t errlen);

/* Takes the oldest ended recording's event (true), freeing its handle. */
bool sv_hls_engine_next_event(struct sv_hls_engine *e,
                              struct sv_hls_event *ev);

#endif /* SV_HLS_RECORDER_H */
