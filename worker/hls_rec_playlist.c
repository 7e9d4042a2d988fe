/*
 * A recording's media playlist (see hls_recorder_int.h): what a fresh one
 * gives to take and under which file numbers, when to poll next, and
 * retrying it with backoff until the grace period runs out.
 */

#include "hls_recorder_int.h"

#include <stdio.h>

#include "backoff.h"
#include "hls_fetch.h"
#include "hls_segment_file.h"
#include "log.h"

#define PLAYLIST_BACKOFF_BASE_MS  250u
#define PLAYLIST_BACKOFF_CAP_MS   4000u
#define POLL_MIN_MS               250
#define POLL_MAX_MS               10000

static int64_t
poll_interval_ms(double target_s, bool got_new)
{
    double ms = (target_s > 0 ? target_s : 2.0) * 1000.0;

    /* Nothing new yet: the next segment is probably due sooner. */
    if (!got_new) {
        ms /= 2;
    }
    if (ms < POLL_MIN_MS) {
        ms = POLL_MIN_MS;
    }
    if (ms > POLL_MAX_MS) {
        ms = POLL_MAX_MS;
    }
    return (int64_t) ms;
}

/* The next segment is due about one segment duration after the last one;
 * the target duration is only an upper bound, often well above it. */
static double
poll_basis_s(const struct sv_hls_playlist *pl)
{
    for (size_t i = pl->n_segments; i-- > 0;) {
        if (!pl->segments[i].prefetch && pl->segments[i].duration_s > 0) {
            double d = pl->segments[i].duration_s;

            return pl->target_duration_s > 0 && pl->target_duration_s < d
                   ? pl->target_duration_s : d;
        }
    }
    return pl->target_duration_s;
}

/* Whether the segments written and queued (at the average size so far)
 * reach max_bytes. */
static bool
size_reached(const struct sv_hls_rec *r)
{
    int64_t avg = r->stats.segments > 0
                  ? r->stats.bytes / r->stats.segments : 0;

    return r->max_bytes > 0
           && r->stats.bytes + avg * (int64_t) r->n_queue >= r->max_bytes;
}

/* seq's file number, after the last one; a grown offset is kept in the
 * folder first. -1 with the reason when it cannot be. */
static int64_t
file_number(struct sv_hls_rec *r, int64_t seq, char *err, size_t errlen)
{
    int64_t offset = r->offset;
    int64_t file = sv_hls_file_number(&offset, r->last_file, seq);

    if (offset != r->offset) {
        if (!sv_hls_offset_save(r->dir_fd, r->out_dir, offset, err, errlen)) {
            return -1;
        }
        sv_log(SV_LOG_INFO, "file numbers moved on",
               SV_STR("dir", r->out_dir), SV_INT("sequence", seq),
               SV_INT("offset", offset));
        r->offset = offset;
    }
    r->last_file = file;
    return file;
}

/* Whether the newest listed segment is an ad: the segments announced
 * after it are not known to be content yet (low latency skips them). */
static bool
in_ad(const struct sv_hls_playlist *pl)
{
    for (size_t i = pl->n_segments; i-- > 0;) {
        if (!pl->segments[i].prefetch) {
            return pl->segments[i].ad;
        }
    }
    return false;
}

/* Takes the new segments of a fresh playlist; false with the reason. */
static bool
take_segments(struct sv_hls_rec *r, const struct sv_hls_playlist *pl,
              bool *got_new, char *err, size_t errlen)
{
    bool               first = r->cursor.media_sequence < 0;
    bool               primed = r->cursor.last_taken >= 0;
    struct sv_hls_new  n = sv_hls_window_next(&r->cursor, pl,
                                              r->prefetch && !in_ad(pl));
    size_t             from = n.first;
    bool               disc = false;
    const char        *disc_why = "tag";

    r->window_first = pl->media_sequence;
    /* Twitch's ENDLIST ends a broadcast, which may come back. */
    r->endlist = pl->endlist && r->tw == NULL;
    *got_new = n.count > 0;
    /* A first look at a long window starts near the live edge; what it
     * leaves out of a stream already recorded is lost. */
    if (first && n.count > SV_HLS_QUEUE_MAX) {
        from += n.count - SV_HLS_QUEUE_MAX;
        if (primed && !n.reset) {
            n.skipped += (int64_t) (n.count - SV_HLS_QUEUE_MAX);
        }
        n.count = SV_HLS_QUEUE_MAX;
    }
    if (first && !primed && r->last_file >= 0) {
        disc = true;
        disc_why = "restart";
    }
    if (n.skipped > 0) {
        r->stats.lost += n.skipped;
        disc = true;
        disc_why = "gap";
    }
    if (n.reset) {
        disc = true;
        disc_why = "new stream";
    }
    for (size_t i = from; i < from + n.count && !r->full; i++) {
        const struct sv_hls_segment *s = &pl->segments[i];
        bool                         before = r->last_file >= 0;
        int64_t                      file;

        if (s->ad) {
            r->stats.ads_skipped++;
            sv_log(SV_LOG_DEBUG, "ad segment skipped",
                   SV_STR("dir", r->out_dir), SV_INT("sequence", s->sequence));
            continue;
        }
        if (size_reached(r)) {
            sv_hls_rec_full(r, SV_HLS_END_SIZE);
            break;
        }
        file = file_number(r, s->sequence, err, errlen);
        if (file < 0) {
            return false;
        }
        if ((disc || s->discontinuity) && before) {
            sv_hls_rec_discontinuity(r, file, disc ? disc_why : "tag");
        }
        disc = false;
        if (!sv_hls_rec_enqueue(r, s, file)) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        r->live_seen = true;
        r->taken_s += s->duration_s;
        if (r->duration_s > 0 && r->taken_s >= r->duration_s - 1e-6) {
            sv_hls_rec_full(r, SV_HLS_END_DURATION);
        }
    }
    return true;
}

/* The playlist (or a Twitch request before it) failed (err; gone: the
 * stream is not there): poll again after a backoff, a Twitch source from a
 * fresh token, or end when it has failed for longer than the grace
 * period, "ended" when gone. */
void
sv_hls_rec_playlist_failed(struct sv_hls_rec *r, const char *err, bool gone,
                           int64_t now)
{
    if (r->failing_since_ms < 0) {
        r->failing_since_ms = now;
    }
    if (now - r->failing_since_ms >= r->grace_ms) {
        sv_hls_rec_end(r, gone ? SV_HLS_END_ENDED : SV_HLS_END_FAILED, err);
        return;
    }
    if (r->tw != NULL && !r->resolving) {
        r->resolving = true;
        /* Another playlist: judged by its numbers, not its window. */
        sv_hls_cursor_prime(&r->cursor, r->cursor.last_taken);
    }
    r->stats.retries++;
    r->next_poll_ms = now + sv_backoff_ceiling(PLAYLIST_BACKOFF_BASE_MS,
                                               PLAYLIST_BACKOFF_CAP_MS,
                                               r->pl_failures++);
    sv_log(SV_LOG_WARN, "playlist request failed, retrying",
           SV_STR("dir", r->out_dir), SV_STR("error", err),
           SV_INT("retry_in_ms", r->next_poll_ms - now));
}

void
sv_hls_rec_playlist_done(struct sv_hls_rec *r, CURLcode rc, int64_t now)
{
    struct sv_hls_xfer      *x = r->pl;
    struct sv_hls_playlist   pl;
    char                     err[512];
    bool                     ok, got_new = false, taken, gone;

    r->pl = NULL;
    ok = sv_hls_outcome(x->easy, rc, x->errbuf, &r->last_status, err,
                        sizeof(err));
    if (x->text.too_big) {
        snprintf(err, sizeof(err), "the playlist is larger than %d MiB",
                 SV_HLS_TEXT_MAX / (1024 * 1024));
        ok = false;
    }
    if (ok) {
        char perr[256];

        ok = sv_hls_parse(x->text.data, x->text.len, r->url, &pl, perr,
                          sizeof(perr));
        if (!ok) {
            snprintf(err, sizeof(err), "bad playlist: %s", perr);
            sv_hls_free(&pl);
        }
    }
    /* The text is not needed once parsed. */
    sv_hls_rec_xfer_free(r, x, false);
    gone = r->last_status == 403 || r->last_status == 404
           || r->last_status == 410;
    if (!ok) {
        sv_hls_rec_playlist_failed(r, err, gone, now);
        return;
    }
    if (pl.kind != SV_HLS_MEDIA) {
        sv_hls_free(&pl);
        sv_hls_rec_end(r, SV_HLS_END_FAILED, "not a media playlist");
        return;
    }
    taken = take_segments(r, &pl, &got_new, err, sizeof(err));
    r->next_poll_ms = now + poll_interval_ms(poll_basis_s(&pl), got_new);
    if (!taken) {
        sv_hls_free(&pl);
        sv_hls_rec_end(r, SV_HLS_END_FAILED, err);
        return;
    }
    if (pl.endlist && r->tw != NULL) {
        sv_hls_free(&pl);
        sv_log(SV_LOG_INFO, "twitch broadcast ended, looking for it again",
               SV_STR("dir", r->out_dir));
        sv_hls_rec_playlist_failed(r, "the broadcast ended", true, now);
        return;
    }
    sv_hls_free(&pl);
    r->pl_failures = 0;
    r->failing_since_ms = -1;
}
