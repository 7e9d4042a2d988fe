/*
 * A recording's segment queue (see hls_recorder_int.h): segments waiting,
 * by sequence, and what a finished download means: written, tried again
 * after a backoff, or lost.
 */

#include "hls_recorder_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "hls_fetch.h"
#include "hls_segment_file.h"
#include "log.h"

#define SEGMENT_BACKOFF_BASE_MS   250u
#define SEGMENT_BACKOFF_CAP_MS    2000u

void
sv_hls_rec_seg_remove(struct sv_hls_rec *r, size_t i)
{
    free(r->queue[i].uri);
    memmove(&r->queue[i], &r->queue[i + 1],
            (r->n_queue - i - 1) * sizeof(r->queue[0]));
    r->n_queue--;
}

/* When the queue is full (downloads cannot keep up) the oldest waiting
 * segment is given up: staying at the live edge loses less. */
bool
sv_hls_rec_enqueue(struct sv_hls_rec *r, const struct sv_hls_segment *s,
                   int64_t file)
{
    char *uri;

    if (r->n_queue == SV_HLS_QUEUE_MAX) {
        for (size_t i = 0; i < r->n_queue; i++) {
            if (r->queue[i].x == NULL) {
                sv_hls_rec_discontinuity(r, r->queue[i].file + 1,
                                         "queue full");
                sv_hls_rec_seg_remove(r, i);
                r->stats.lost++;
                break;
            }
        }
        if (r->n_queue == SV_HLS_QUEUE_MAX) {
            r->stats.lost++;
            return true;
        }
    }
    uri = strdup(s->uri);
    if (uri == NULL) {
        return false;
    }
    r->queue[r->n_queue++] = (struct sv_hls_seg) {
        .seq = s->sequence, .file = file, .uri = uri,
        .duration_s = s->duration_s,
    };
    return true;
}

static void
written(struct sv_hls_rec *r, const struct sv_hls_seg *s, long long bytes,
        int64_t now)
{
    r->stats.segments++;
    r->stats.bytes += bytes;
    r->stats.media_s += s->duration_s;
    if (r->stats.first_sequence < 0) {
        r->stats.first_sequence = s->seq;
    }
    /* The source's numbers may have restarted; the files' have not. */
    if (s->file > r->written_file) {
        r->written_file = s->file;
        r->stats.last_sequence = s->seq;
    }
    r->last_write_ms = now;
    if (r->max_bytes > 0 && r->stats.bytes >= r->max_bytes) {
        sv_hls_rec_full(r, SV_HLS_END_SIZE);
    }
    sv_log(SV_LOG_DEBUG, "segment written", SV_STR("dir", r->out_dir),
           SV_INT("sequence", s->seq), SV_INT("file", s->file),
           SV_INT("bytes", bytes));
}

/* The download of queue[i] failed with status: try again or give up. */
static void
failed(struct sv_hls_rec *r, size_t i, long status, const char *err,
       int64_t now)
{
    struct sv_hls_seg *s = &r->queue[i];
    bool               gone;

    s->attempts++;
    /* Gone from the window and from the origin: more tries cannot help. */
    gone = s->seq < r->window_first && (status == 404 || status == 410);
    if (s->attempts >= SV_HLS_SEGMENT_TRIES || gone || r->stopping) {
        sv_log(SV_LOG_WARN, "segment lost", SV_STR("dir", r->out_dir),
               SV_INT("sequence", s->seq), SV_STR("error", err),
               SV_INT("attempts", s->attempts));
        r->stats.lost++;
        sv_hls_rec_discontinuity(r, s->file + 1, "lost");
        sv_hls_rec_seg_remove(r, i);
        return;
    }
    r->stats.retries++;
    s->next_try_ms = now + sv_backoff_ceiling(SEGMENT_BACKOFF_BASE_MS,
                                              SEGMENT_BACKOFF_CAP_MS,
                                              s->attempts - 1);
    sv_log(SV_LOG_WARN, "segment request failed, retrying",
           SV_STR("dir", r->out_dir), SV_INT("sequence", s->seq),
           SV_STR("error", err), SV_INT("retry_in_ms", s->next_try_ms - now));
}

void
sv_hls_rec_segment_done(struct sv_hls_rec *r, struct sv_hls_xfer *x,
                        CURLcode rc, int64_t now)
{
    size_t     i;
    long       status;
    char       err[512];
    bool       ok;

    for (i = 0; i < r->n_queue && r->queue[i].x != x; i++) {
    }
    if (i == r->n_queue) {
        /* cannot happen: every download is queued */
        sv_hls_rec_xfer_free(r, x, false);
        return;
    }
    r->queue[i].x = NULL;
    ok = sv_hls_outcome(x->easy, rc, x->errbuf, &status, err, sizeof(err));
    if (x->write_failed) {
        snprintf(err, sizeof(err), "cannot write to %s: %s", r->out_dir,
                 strerror(x->write_errno));
        sv_hls_rec_xfer_free(r, x, false);
        sv_hls_rec_end(r, SV_HLS_END_FAILED, err);
        return;
    }
    if (x->too_big) {
        snprintf(err, sizeof(err), "a segment larger than %lld MiB",
                 SV_HLS_SEGMENT_MAX_BYTES / (1024 * 1024));
        ok = false;
    }
    if (ok) {
        long long bytes = x->bytes;

        if (!sv_hls_part_commit(r->dir_fd, r->out_dir, x->file,
                                r->queue[i].duration_s, &x->fd, err,
                                sizeof(err))) {
            sv_hls_rec_xfer_free(r, x, false);
            sv_hls_rec_end(r, SV_HLS_END_FAILED, err);
            return;
        }
        sv_hls_rec_xfer_free(r, x, true);
        written(r, &r->queue[i], bytes, now);
        sv_hls_rec_seg_remove(r, i);
        return;
    }
    sv_hls_rec_xfer_free(r, x, false);
    failed(r, i, status, err, now);
}
