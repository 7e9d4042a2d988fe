/*
 * Internals of the HLS engine (hls_recorder.h), shared by its pieces only:
 * the engine (hls_engine.c: the multi handle, the step, the ended queue)
 * and one recording's state machine (hls_recording.c: its life and what is
 * due; hls_rec_playlist.c: polling and what to take; hls_rec_segments.c:
 * the segment queue and finished downloads).
 */

#ifndef SV_HLS_RECORDER_INT_H
#define SV_HLS_RECORDER_INT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hls_playlist.h"
#include "hls_recorder.h"
#include "hls_window.h"
#include "hls_xfer.h"

struct sv_twitch_rec;

struct sv_hls_seg {
    int64_t             seq;
    int64_t             file;           /* its file number */
    char               *uri;
    double              duration_s;
    unsigned            attempts;
    int64_t             next_try_ms;
    struct sv_hls_xfer *x;              /* while downloading */
};

struct sv_hls_rec {
    struct sv_hls_engine *e;
    struct sv_hls_rec    *next;         /* running list, then done queue */
    char                 *url, *out_dir, *proxy;
    int                   dir_fd;
    double                duration_s;
    int64_t               grace_ms, stall_ms, max_bytes;
    void                 *user;
    struct sv_twitch_rec *tw;           /* a Twitch source */
    bool                  resolving;    /* tw: the variant is resolved
                                         * before the next poll */

    struct sv_hls_cursor  cursor;
    int64_t               window_first; /* MEDIA-SEQUENCE last seen */
    int64_t               last_file;    /* number taken, -1: none */
    int64_t               written_file; /* the highest written, -1 */
    int64_t               offset;       /* file number - sequence */
    bool                  live_seen;    /* segments taken, or resumed */
    bool                  prefetch;     /* sv_hls_source's */
    int64_t               last_write_ms;    /* or the start */
    double                taken_s;
    bool                  endlist, full, stopping, ended;
    enum sv_hls_end       full_why;     /* with full */
    enum sv_hls_end       why;
    char                  error[256];

    struct sv_hls_xfer   *pl;           /* playlist in flight */
    int64_t               next_poll_ms;
    unsigned              pl_failures;
    int64_t               failing_since_ms;     /* -1: not failing */
    long                  last_status;

    struct sv_hls_seg     queue[SV_HLS_QUEUE_MAX];  /* by sequence */
    size_t                n_queue;
    unsigned              active;       /* of them downloading */
    struct sv_hls_stats   stats;
};

struct sv_hls_engine {
    CURLM                *multi;
    struct sv_hls_rec    *running;
    struct sv_hls_rec    *done_head, *done_tail;
    unsigned              active_segments;
    int                   watch_fd;
    bool                  curl_started;
};

/* --- for the engine (hls_recording.c) --- */

/* A recording of src for e, not yet in e's lists; NULL with the reason when
 * src is refused. */
struct sv_hls_rec *sv_hls_rec_new(struct sv_hls_engine *e,
                                  const struct sv_hls_source *src,
                                  char *err, size_t errlen);
void sv_hls_rec_free(struct sv_hls_rec *r);

/* Starts what is due and ends the recording when nothing is left to do. */
void sv_hls_rec_advance(struct sv_hls_rec *r, int64_t now);

/* When something of r is next due (INT64_MAX: only the network). */
int64_t sv_hls_rec_next_due(const struct sv_hls_rec *r);

/* x, one of its recording's transfers, finished with rc. */
void sv_hls_rec_xfer_done(struct sv_hls_xfer *x, CURLcode rc, int64_t now);

/* --- between the recording's pieces --- */

/* hls_recording.c */
void sv_hls_rec_end(struct sv_hls_rec *r, enum sv_hls_end why,
                    const char *error);
/* post: NULL for a GET (hls_xfer.h). */
struct sv_hls_xfer *sv_hls_rec_xfer_start(struct sv_hls_rec *r,
                                          const char *url, bool segment,
                                          int64_t file,
                                          const struct sv_hls_post *post);
void sv_hls_rec_xfer_free(struct sv_hls_rec *r, struct sv_hls_xfer *x,
                          bool keep_part);
void sv_hls_rec_discontinuity(struct sv_hls_rec *r, int64_t file,
                              const char *why);
/* No more segments are taken; the recording ends why once the queued ones
 * are written. */
void sv_hls_rec_full(struct sv_hls_rec *r, enum sv_hls_end why);

/* hls_rec_segments.c */
bool sv_hls_rec_enqueue(struct sv_hls_rec *r, const struct sv_hls_segment *s,
                        int64_t file);
void sv_hls_rec_seg_remove(struct sv_hls_rec *r, size_t i);
void sv_hls_rec_segment_done(struct sv_hls_rec *r, struct sv_hls_xfer *x,
                             CURLcode rc, int64_t now);

/* hls_rec_playlist.c */
void sv_hls_rec_playlist_done(struct sv_hls_rec *r, CURLcode rc, int64_t now);
void sv_hls_rec_playlist_failed(struct sv_hls_rec *r, const char *err,
                                bool gone, int64_t now);

#endif /* SV_HLS_RECORDER_INT_H */
