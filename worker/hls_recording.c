/*
 * One recording of the HLS engine (see hls_recorder_int.h): its start and
 * end, its transfers, and what is due when; the playlist and the segment
 * queue have files of their own.
 */

#include "hls_recorder_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "hls_fetch.h"
#include "hls_segment_file.h"
#include "log.h"
#include "twitch_playback.h"
#include "twitch_rec.h"

static bool
http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0
           || strncasecmp(url, "https://", 8) == 0;
}

static bool
source_ok(const struct sv_hls_source *src, char *err, size_t errlen)
{
    if (src->twitch.login != NULL) {
        if (src->playlist_url != NULL) {
            snprintf(err, errlen, "a playlist URL or a Twitch login, not "
                     "both");
            return false;
        }
        if (!sv_twitch_login_ok(src->twitch.login)) {
            snprintf(err, errlen, "a Twitch login is 1-%d letters, digits "
                     "or _", SV_TWITCH_LOGIN_MAX);
            return false;
        }
    } else if (src->playlist_url == NULL || !http_url(src->playlist_url)
               || strlen(src->playlist_url) >= SV_HLS_URI_MAX) {
        snprintf(err, errlen, "the playlist URL must be http or https");
        return false;
    }
    if (!sv_hls_proxy_ok(src->proxy)) {
        snprintf(err, errlen, "the proxy must be http, https, socks5 or "
                 "socks5h");
        return false;
    }
    if (!(src->duration_s >= 0) || !(src->grace_s >= 0)
        || !(src->stall_s >= 0) || src->max_bytes < 0) {
        snprintf(err, errlen, "a negative duration or size");
        return false;
    }
    if (src->grace_s > SV_HLS_WAIT_S_MAX || src->stall_s > SV_HLS_WAIT_S_MAX) {
        snprintf(err, errlen, "grace and stall periods are at most 31 days");
        return false;
    }
    if (src->resume_after && (src->after_sequence < 0
                              || src->after_sequence > SV_HLS_SEQUENCE_MAX)) {
        snprintf(err, errlen, "the sequence to continue after is out of "
                 "range");
        return false;
    }
    if (src->out_dir == NULL || src->out_dir[0] == '\0') {
        snprintf(err, errlen, "no output folder");
        return false;
    }
    return true;
}

struct sv_hls_rec *
sv_hls_rec_new(struct sv_hls_engine *e, const struct sv_hls_source *src,
               char *err, size_t errlen)
{
    struct sv_hls_rec *r;

    if (!source_ok(src, err, errlen)) {
        return NULL;
    }
    if (mkdir(src->out_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", src->out_dir,
                 strerror(errno));
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->e = e;
    if (src->twitch.login != NULL) {
        r->tw = sv_twitch_rec_new(&src->twitch, err, errlen);
        if (r->tw == NULL) {
            free(r);
            return NULL;
        }
    }
    r->dir_fd = open(src->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dir_fd < 0
        || !sv_hls_folder_open(r->dir_fd, src->out_dir, &r->last_file,
                               &r->offset, err, errlen)) {
        if (r->dir_fd < 0) {
            snprintf(err, errlen, "cannot open %s: %s", src->out_dir,
                     strerror(errno));
        } else {
            close(r->dir_fd);
        }
        sv_twitch_rec_free(r->tw);
        free(r);
        return NULL;
    }
    /* A Twitch recording's URL comes with the variant. */
    r->url = r->tw == NULL ? strdup(src->playlist_url) : NULL;
    r->out_dir = strdup(src->out_dir);
    r->proxy = src->proxy != NULL && src->proxy[0] != '\0'
               ? strdup(src->proxy) : NULL;
    if ((r->url == NULL && r->tw == NULL) || r->out_dir == NULL
        || (src->proxy != NULL && src->proxy[0] != '\0' && r->proxy == NULL)) {
        snprintf(err, errlen, "out of memory");
        sv_hls_rec_free(r);
        return NULL;
    }
    r->duration_s = src->duration_s;
    r->grace_ms = (int64_t) ((src->grace_s > 0 ? src->grace_s
                              : SV_HLS_GRACE_S_DEFAULT) * 1000.0);
    r->stall_ms = (int64_t) (src->stall_s * 1000.0);
    r->max_bytes = src->max_bytes;
    r->prefetch = src->prefetch;
    r->user = src->user;
    r->resolving = r->tw != NULL;
    r->cursor = (struct sv_hls_cursor) SV_HLS_CURSOR_INIT;
    if (src->resume_after) {
        sv_hls_cursor_prime(&r->cursor, src->after_sequence);
    } else if (src->resume && r->last_file >= 0) {
        sv_hls_cursor_prime(&r->cursor, r->last_file - r->offset);
    }
    r->live_seen = src->resume_after || (src->resume && r->last_file >= 0);
    r->last_write_ms = sv_monotonic_ms();
    r->written_file = -1;
    r->window_first = -1;
    r->failing_since_ms = -1;
    r->stats.first_sequence = -1;
    r->stats.last_sequence = -1;
    sv_log(SV_LOG_INFO, "recording started", SV_STR("dir", r->out_dir),
           SV_STR("url", r->url), SV_STR("twitch", src->twitch.login),
           SV_INT("after_sequence", r->cursor.last_taken),
           SV_INT("last_file", r->last_file));
    return r;
}

void
sv_hls_rec_free(struct sv_hls_rec *r)
{
    sv_hls_rec_end(r, SV_HLS_END_STOPPED, NULL);
    if (r->dir_fd >= 0) {
        close(r->dir_fd);
    }
    sv_twitch_rec_free(r->tw);
    free(r->url);
    free(r->out_dir);
    free(r->proxy);
    free(r);
}

void
sv_hls_rec_end(struct sv_hls_rec *r, enum sv_hls_end why, const char *error)
{
    if (r->ended) {
        return;
    }
    r->ended = true;
    r->why = why;
    snprintf(r->error, sizeof(r->error), "%s", error != NULL ? error : "");
    if (r->pl != NULL) {
        sv_hls_rec_xfer_free(r, r->pl, false);
        r->pl = NULL;
    }
    while (r->n_queue > 0) {
        if (r->queue[r->n_queue - 1].x != NULL) {
            sv_hls_rec_xfer_free(r, r->queue[r->n_queue - 1].x, false);
        }
        sv_hls_rec_seg_remove(r, r->n_queue - 1);
    }
    sv_log(why == SV_HLS_END_FAILED ? SV_LOG_ERROR : SV_LOG_INFO,
           "recording ended", SV_STR("dir", r->out_dir),
           SV_STR("reason", sv_hls_end_name(why)),
           SV_STR("error", why == SV_HLS_END_FAILED ? r->error : NULL),
           SV_INT("segments", r->stats.segments),
           SV_INT("bytes", r->stats.bytes),
           SV_INT("ads_skipped", r->stats.ads_skipped),
           SV_INT("lost", r->stats.lost),
           SV_INT("discontinuities", r->stats.discontinuities),
           SV_INT("retries", r->stats.retries));
}

/* Segment downloads are counted here, for the per-recording and the engine
 * limits. */
struct sv_hls_xfer *
sv_hls_rec_xfer_start(struct sv_hls_rec *r, const char *url, bool segment,
                      int64_t file, const struct sv_hls_post *post)
{
    struct sv_hls_xfer *x = sv_hls_xfer_start(r->e->multi, r, r->dir_fd, url,
                                              r->proxy, segment, file, post);

    if (x != NULL && segment) {
        r->active++;
        r->e->active_segments++;
    }
    return x;
}

void
sv_hls_rec_xfer_free(struct sv_hls_rec *r, struct sv_hls_xfer *x,
                     bool keep_part)
{
    if (x->segment) {
        r->active--;
        r->e->active_segments--;
    }
    sv_hls_xfer_free(x, keep_part);
}

/* Counts a discontinuity before file and notes it in .discontinuities. */
void
sv_hls_rec_discontinuity(struct sv_hls_rec *r, int64_t file, const char *why)
{
    r->stats.discontinuities++;
    sv_hls_discontinuity_note(r->dir_fd, file, why);
    sv_log(SV_LOG_INFO, "discontinuity", SV_STR("dir", r->out_dir),
           SV_INT("file", file), SV_STR("why", why));
}

void
sv_hls_rec_full(struct sv_hls_rec *r, enum sv_hls_end why)
{
    if (!r->full) {
        r->full = true;
        r->full_why = why;
    }
}

void
sv_hls_rec_xfer_done(struct sv_hls_xfer *x, CURLcode rc, int64_t now)
{
    if (x->segment) {
        sv_hls_rec_segment_done(x->rec, x, rc, now);
    } else if (x->rec->resolving) {
        sv_twitch_rec_done(x->rec, rc, now);
    } else {
        sv_hls_rec_playlist_done(x->rec, rc, now);
    }
}

/* Stopping: no new requests; the downloads running are let finish. */
static void
advance_stopping(struct sv_hls_rec *r)
{
    if (r->pl != NULL) {
        sv_hls_rec_xfer_free(r, r->pl, false);
        r->pl = NULL;
    }
    for (size_t i = r->n_queue; i-- > 0;) {
        if (r->queue[i].x == NULL) {
            sv_hls_rec_seg_remove(r, i);
        }
    }
    if (r->active == 0) {
        sv_hls_rec_end(r, SV_HLS_END_STOPPED, NULL);
    }
}

void
sv_hls_rec_advance(struct sv_hls_rec *r, int64_t now)
{
    struct sv_hls_engine *e = r->e;

    if (r->ended) {
        return;
    }
    if (r->stopping) {
        advance_stopping(r);
        return;
    }
    if (r->stall_ms > 0 && now - r->last_write_ms >= r->stall_ms) {
        char why[80];

        snprintf(why, sizeof(why), "no segment for %.1f s",
                 (double) (now - r->last_write_ms) / 1000.0);
        sv_hls_rec_end(r, SV_HLS_END_STALLED, why);
        return;
    }
    if (r->pl == NULL && !r->endlist && !r->full && now >= r->next_poll_ms) {
        r->pl = r->resolving ? sv_twitch_rec_start(r)
                : sv_hls_rec_xfer_start(r, r->url, false, 0, NULL);
        if (r->pl == NULL) {
            sv_hls_rec_end(r, SV_HLS_END_FAILED, "cannot start a transfer");
            return;
        }
    }
    for (size_t i = 0; i < r->n_queue; i++) {
        struct sv_hls_seg *s = &r->queue[i];

        if (r->active >= SV_HLS_PARALLEL_PER_REC
            || e->active_segments >= SV_HLS_PARALLEL_MAX) {
            break;
        }
        if (s->x == NULL && now >= s->next_try_ms) {
            s->x = sv_hls_rec_xfer_start(r, s->uri, true, s->file, NULL);
            if (s->x == NULL) {
                char err[512];

                snprintf(err, sizeof(err), "cannot start a download into "
                         "%s: %s", r->out_dir, strerror(errno));
                sv_hls_rec_end(r, SV_HLS_END_FAILED, err);
                return;
            }
        }
    }
    if ((r->full || r->endlist) && r->n_queue == 0 && r->pl == NULL) {
        sv_hls_rec_end(r, r->full ? r->full_why : SV_HLS_END_ENDED, NULL);
    }
}

int64_t
sv_hls_rec_next_due(const struct sv_hls_rec *r)
{
    int64_t due = INT64_MAX;

    if (r->pl == NULL && !r->endlist && !r->full && !r->stopping) {
        due = r->next_poll_ms;
    }
    if (r->stall_ms > 0 && !r->stopping
        && r->last_write_ms + r->stall_ms < due) {
        due = r->last_write_ms + r->stall_ms;
    }
    if (r->active < SV_HLS_PARALLEL_PER_REC) {
        for (size_t i = 0; i < r->n_queue; i++) {
            if (r->queue[i].x == NULL && r->queue[i].next_try_ms < due) {
                due = r->queue[i].next_try_ms;
            }
        }
    }
    return due;
}
