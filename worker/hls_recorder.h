/*
 * The HLS recording engine: many live media playlists recorded at once in
 * one thread, on one libcurl multi handle, never blocking on the network
 * (the only wait is curl_multi_poll in sv_hls_engine_step).
 *
 * Per recording: the media playlist is polled at its target duration (half
 * of it when nothing new came), new segments are taken with
 * sv_hls_window_next (no prefetch), ad segments skipped, the rest
 * downloaded (at most SV_HLS_PARALLEL_PER_REC at a time, at most
 * SV_HLS_PARALLEL_MAX in the engine) straight to
 * <out>/<sequence, 12 digits>.ts.part, fsync'd and renamed to .ts: a crash
 * never leaves half a segment under a segment name. Sequence numbers where
 * the stream is discontinuous (a tag, a gap, a new stream instance) are
 * appended to <out>/.discontinuities.
 *
 * Retries: the playlist with exponential backoff (250 ms doubling, at most
 * 4 s); when it has failed for longer than the grace period the recording
 * ends ("ended" when the last answer said 403/404/410, i.e. gone, else
 * "failed"). A segment: SV_HLS_SEGMENT_TRIES attempts, 250 ms doubling
 * between them, fewer when it left the playlist window; then it is lost.
 * Only status 200 counts as success.
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

/* A Twitch channel instead of a playlist URL: its access token from GQL,
 * the usher's multivariant playlist, the variant for quality; then it is
 * recorded as that media playlist. Offline (no token, usher 404) ends the
 * recording "ended" with the error "offline". */
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
    void       *user;           /* given back in the event */
};

enum sv_hls_end {
    SV_HLS_END_DURATION,        /* duration_s of media recorded */
    SV_HLS_END_ENDED,           /* ENDLIST, or the playlist gone */
    SV_HLS_END_STOPPED,         /* sv_hls_engine_stop */
    SV_HLS_END_FAILED,          /* see the event's error */
};

struct sv_hls_stats {
    int64_t segments;           /* written */
    int64_t bytes;              /* written */
    int64_t ads_skipped;        /* ad segments not downloaded */
    int64_t lost;               /* sequence numbers never written: gaps in
                                 * the window, segments failed for good */
    int64_t discontinuities;
    int64_t retries;            /* failed requests tried again */
    int64_t first_sequence;     /* written, -1 when none */
    int64_t last_sequence;
    double  media_s;            /* EXTINF sum of the segments written */
};

struct sv_hls_event {
    void                *user;
    enum sv_hls_end      why;
    char                 error[256];    /* with SV_HLS_END_FAILED */
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
 * source is refused (not http/https, a bad proxy scheme, the folder). */
struct sv_hls_rec *sv_hls_engine_add(struct sv_hls_engine *e,
                                     const struct sv_hls_source *src,
                                     char *err, size_t errlen);

/* Graceful: no new segments, the ones downloading are finished, then the
 * recording ends with SV_HLS_END_STOPPED (unless it ended otherwise). */
void sv_hls_engine_stop(struct sv_hls_rec *r);
void sv_hls_engine_stop_all(struct sv_hls_engine *e);

/* A descriptor whose readability ends the wait in sv_hls_engine_step early
 * (e.g. a signal's self-pipe); -1: none. The caller drains it. */
void sv_hls_engine_watch_fd(struct sv_hls_engine *e, int fd);

/* Waits at most timeout_ms for network activity or a timer, then advances
 * every recording. Returns the recordings not ended yet, or -1 when the
 * multi handle failed (err says why; the engine is then unusable). */
int sv_hls_engine_step(struct sv_hls_engine *e, int timeout_ms, char *err,
                       size_t errlen);

/* Takes the oldest ended recording's event (true), freeing its handle. */
bool sv_hls_engine_next_event(struct sv_hls_engine *e,
                              struct sv_hls_event *ev);

#endif /* SV_HLS_RECORDER_H */
