/*
 * The HLS recording engine (see hls_recorder.h): the per-recording state
 * machine and the step that drives every recording on one multi handle.
 */

#include "hls_recorder.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backoff.h"
#include "bounded_buf.h"
#include "clock.h"
#include "hls_fetch.h"
#include "hls_playlist.h"
#include "hls_window.h"
#include "log.h"

#define PLAYLIST_BACKOFF_BASE_MS  250u
#define PLAYLIST_BACKOFF_CAP_MS   4000u
#define SEGMENT_BACKOFF_BASE_MS   250u
#define SEGMENT_BACKOFF_CAP_MS    2000u
#define POLL_MIN_MS               250
#define POLL_MAX_MS               10000
#define PART_NAME_SIZE            40

struct xfer {
    struct sv_hls_rec *rec;
    CURL              *easy;
    bool               segment;
    int64_t            seq;             /* segment */
    int                fd;              /* its .part file, -1 */
    long long          bytes;
    bool               write_failed;
    int                write_errno;
    struct sv_bounded_buf text;         /* playlist */
    bool               too_big;         /* segment */
    char               errbuf[CURL_ERROR_SIZE];
};

struct seg {
    int64_t      seq;
    char        *uri;
    double       duration_s;
    unsigned     attempts;
    int64_t      next_try_ms;
    struct xfer *x;                     /* while downloading */
};

struct sv_hls_rec {
    struct sv_hls_engine *e;
    struct sv_hls_rec    *next;         /* running list, then done queue */
    char                 *url, *out_dir, *proxy;
    int                   dir_fd;
    double                duration_s;
    int64_t               grace_ms;
    void                 *user;

    struct sv_hls_cursor  cursor;
    int64_t               window_first; /* MEDIA-SEQUENCE last seen */
    double                taken_s;
    bool                  endlist, full, stopping, ended;
    enum sv_hls_end       why;
    char                  error[256];

    struct xfer          *pl;           /* playlist in flight */
    int64_t               next_poll_ms;
    unsigned              pl_failures;
    int64_t               failing_since_ms;     /* -1: not failing */
    long                  last_status;

    struct seg            queue[SV_HLS_QUEUE_MAX];  /* by sequence */
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

const char *
sv_hls_end_name(enum sv_hls_end why)
{
    switch (why) {
    case SV_HLS_END_DURATION: return "duration";
    case SV_HLS_END_ENDED:    return "ended";
    case SV_HLS_END_STOPPED:  return "stopped";
    default:                  return "failed";
    }
}

/* --- transfers ------------------------------------------------------------ */

static void
part_name(int64_t seq, bool part, char out[PART_NAME_SIZE])
{
    snprintf(out, PART_NAME_SIZE, "%012lld.ts%s", (long long) seq,
             part ? ".part" : "");
}

/* Playlist text; returning short aborts the transfer. */
static size_t
playlist_write(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    size_t       n = size * nmemb;

    return sv_bounded_buf_append(&x->text, chunk, n) ? n : 0;
}

/* Streams a segment to its .part file: nothing of it stays in memory. */
static size_t
segment_write(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *x = userdata;
    size_t       n = size * nmemb, done = 0;

    if ((long long) n > SV_HLS_SEGMENT_MAX_BYTES - x->bytes) {
        x->too_big = true;
        return 0;
    }
    while (done < n) {
        ssize_t w = write(x->fd, chunk + done, n - done);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            x->write_failed = true;
            x->write_errno = errno;
            return 0;
        }
        done += (size_t) w;
    }
    x->bytes += (long long) n;
    return n;
}

/* Ends a transfer; a segment's .part file is removed unless kept. */
static void
xfer_free(struct xfer *x, bool keep_part)
{
    struct sv_hls_rec *r = x->rec;

    if (x->easy != NULL) {
        curl_multi_remove_handle(r->e->multi, x->easy);
        curl_easy_cleanup(x->easy);
    }
    if (x->fd >= 0) {
        close(x->fd);
    }
    if (x->segment) {
        if (!keep_part) {
            char name[PART_NAME_SIZE];

            part_name(x->seq, true, name);
            unlinkat(r->dir_fd, name, 0);
        }
        r->active--;
        r->e->active_segments--;
    }
    free(x->text.data);
    free(x);
}

static struct xfer *
xfer_start(struct sv_hls_rec *r, const char *url, bool segment, int64_t seq)
{
    struct xfer *x = calloc(1, sizeof(*x));

    if (x == NULL) {
        return NULL;
    }
    x->rec = r;
    x->segment = segment;
    x->seq = seq;
    x->fd = -1;
    x->text.max = SV_HLS_TEXT_MAX;
    if (segment) {
        char name[PART_NAME_SIZE];

        part_name(seq, true, name);
        x->fd = openat(r->dir_fd, name,
                       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (x->fd < 0) {
            free(x);
            return NULL;
        }
        r->active++;
        r->e->active_segments++;
    }
    x->easy = sv_hls_easy(url, r->proxy, segment,
                          segment ? SV_HLS_SEGMENT_MAX_BYTES : SV_HLS_TEXT_MAX,
                          segment ? segment_write : playlist_write, x,
                          x->errbuf);
    if (x->easy == NULL
        || curl_multi_add_handle(r->e->multi, x->easy) != CURLM_OK) {
        if (x->easy != NULL) {
            curl_easy_cleanup(x->easy);
            x->easy = NULL;
        }
        xfer_free(x, false);
        return NULL;
    }
    return x;
}

/* --- the recording -------------------------------------------------------- */

static void
seg_remove(struct sv_hls_rec *r, size_t i)
{
    free(r->queue[i].uri);
    memmove(&r->queue[i], &r->queue[i + 1],
            (r->n_queue - i - 1) * sizeof(r->queue[0]));
    r->n_queue--;
}

static void
end_rec(struct sv_hls_rec *r, enum sv_hls_end why, const char *error)
{
    if (r->ended) {
        return;
    }
    r->ended = true;
    r->why = why;
    snprintf(r->error, sizeof(r->error), "%s", error != NULL ? error : "");
    if (r->pl != NULL) {
        xfer_free(r->pl, false);
        r->pl = NULL;
    }
    while (r->n_queue > 0) {
        if (r->queue[r->n_queue - 1].x != NULL) {
            xfer_free(r->queue[r->n_queue - 1].x, false);
        }
        seg_remove(r, r->n_queue - 1);
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

/* Counts a discontinuity before seq and notes it in .discontinuities: rare,
 * so an open-append-close each time is cheap enough. */
static void
note_discontinuity(struct sv_hls_rec *r, int64_t seq, const char *why)
{
    int fd = openat(r->dir_fd, ".discontinuities",
                    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

    r->stats.discontinuities++;
    if (fd >= 0) {
        dprintf(fd, "%lld %s\n", (long long) seq, why);
        close(fd);
    }
    sv_log(SV_LOG_INFO, "discontinuity", SV_STR("dir", r->out_dir),
           SV_INT("sequence", seq), SV_STR("why", why));
}

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

/* Queues a segment; when the queue is full (downloads cannot keep up) the
 * oldest waiting one is given up: staying at the live edge loses less. */
static bool
enqueue(struct sv_hls_rec *r, const struct sv_hls_segment *s)
{
    char *uri;

    if (r->n_queue == SV_HLS_QUEUE_MAX) {
        for (size_t i = 0; i < r->n_queue; i++) {
            if (r->queue[i].x == NULL) {
                note_discontinuity(r, r->queue[i].seq + 1, "queue full");
                seg_remove(r, i);
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
    r->queue[r->n_queue++] = (struct seg) {
        .seq = s->sequence, .uri = uri, .duration_s = s->duration_s,
    };
    return true;
}

/* Takes the new segments of a fresh playlist. */
static bool
take_segments(struct sv_hls_rec *r, const struct sv_hls_playlist *pl,
              bool *got_new)
{
    bool               first = r->cursor.last_taken < 0;
    struct sv_hls_new  n = sv_hls_window_next(&r->cursor, pl, false);
    size_t             from = n.first;
    bool               disc = false;
    const char        *disc_why = "tag";

    r->window_first = pl->media_sequence;
    r->endlist = pl->endlist;
    *got_new = n.count > 0;
    /* A first look at a long window starts near the live edge. */
    if (first && n.count > SV_HLS_QUEUE_MAX) {
        from += n.count - SV_HLS_QUEUE_MAX;
        n.count = SV_HLS_QUEUE_MAX;
    }
    if (n.skipped > 0) {
        r->stats.lost += n.skipped;
        disc = true;
        disc_why = "gap";
    }
    if (n.reset && !first) {
        disc = true;
        disc_why = "new stream";
    }
    for (size_t i = from; i < from + n.count && !r->full; i++) {
        const struct sv_hls_segment *s = &pl->segments[i];

        if (s->ad) {
            r->stats.ads_skipped++;
            sv_log(SV_LOG_DEBUG, "ad segment skipped",
                   SV_STR("dir", r->out_dir), SV_INT("sequence", s->sequence));
            continue;
        }
        if ((disc || s->discontinuity) && r->stats.first_sequence >= 0) {
            note_discontinuity(r, s->sequence, disc ? disc_why : "tag");
        }
        disc = false;
        if (!enqueue(r, s)) {
            return false;
        }
        r->taken_s += s->duration_s;
        if (r->duration_s > 0 && r->taken_s >= r->duration_s - 1e-6) {
            r->full = true;
        }
    }
    return true;
}

static void
playlist_done(struct sv_hls_rec *r, CURLcode rc, int64_t now)
{
    struct xfer             *x = r->pl;
    struct sv_hls_playlist   pl;
    char                     err[512];
    bool                     ok, got_new = false;

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
    xfer_free(x, false);

    if (ok) {
        bool taken;

        if (pl.kind != SV_HLS_MEDIA) {
            sv_hls_free(&pl);
            end_rec(r, SV_HLS_END_FAILED, "not a media playlist");
            return;
        }
        taken = take_segments(r, &pl, &got_new);
        r->next_poll_ms = now + poll_interval_ms(poll_basis_s(&pl), got_new);
        sv_hls_free(&pl);
        if (!taken) {
            end_rec(r, SV_HLS_END_FAILED, "out of memory");
            return;
        }
        r->pl_failures = 0;
        r->failing_since_ms = -1;
        return;
    }

    if (r->failing_since_ms < 0) {
        r->failing_since_ms = now;
    }
    if (now - r->failing_since_ms >= r->grace_ms) {
        bool gone = r->last_status == 403 || r->last_status == 404
                    || r->last_status == 410;

        end_rec(r, gone ? SV_HLS_END_ENDED : SV_HLS_END_FAILED, err);
        return;
    }
    r->stats.retries++;
    r->next_poll_ms = now + sv_backoff_ceiling(PLAYLIST_BACKOFF_BASE_MS,
                                               PLAYLIST_BACKOFF_CAP_MS,
                                               r->pl_failures++);
    sv_log(SV_LOG_WARN, "playlist request failed, retrying",
           SV_STR("dir", r->out_dir), SV_STR("error", err),
           SV_INT("retry_in_ms", r->next_poll_ms - now));
}

/* Makes a downloaded segment durable under its final name. */
static bool
commit_segment(struct sv_hls_rec *r, struct xfer *x, char *err,
               size_t errlen)
{
    char part[PART_NAME_SIZE], name[PART_NAME_SIZE];

    part_name(x->seq, true, part);
    part_name(x->seq, false, name);
    if (fsync(x->fd) != 0 || close(x->fd) != 0) {
        x->fd = -1;
        snprintf(err, errlen, "cannot write %s/%s: %s", r->out_dir, part,
                 strerror(errno));
        return false;
    }
    x->fd = -1;
    if (renameat(r->dir_fd, part, r->dir_fd, name) != 0) {
        snprintf(err, errlen, "cannot rename %s/%s: %s", r->out_dir, part,
                 strerror(errno));
        return false;
    }
    /* The rename itself must survive a crash too. */
    fsync(r->dir_fd);
    return true;
}

static void
segment_done(struct sv_hls_rec *r, struct xfer *x, CURLcode rc, int64_t now)
{
    size_t     i;
    long       status;
    char       err[512];
    bool       ok, gone;
    struct seg *s;

    for (i = 0; i < r->n_queue && r->queue[i].x != x; i++) {
    }
    if (i == r->n_queue) {
        xfer_free(x, false);    /* cannot happen: every download is queued */
        return;
    }
    s = &r->queue[i];
    s->x = NULL;
    ok = sv_hls_outcome(x->easy, rc, x->errbuf, &status, err, sizeof(err));
    if (x->write_failed) {
        snprintf(err, sizeof(err), "cannot write to %s: %s", r->out_dir,
                 strerror(x->write_errno));
        xfer_free(x, false);
        end_rec(r, SV_HLS_END_FAILED, err);
        return;
    }
    if (x->too_big) {
        snprintf(err, sizeof(err), "a segment larger than %lld MiB",
                 SV_HLS_SEGMENT_MAX_BYTES / (1024 * 1024));
        ok = false;
    }
    if (ok) {
        long long bytes = x->bytes;

        if (!commit_segment(r, x, err, sizeof(err))) {
            xfer_free(x, false);
            end_rec(r, SV_HLS_END_FAILED, err);
            return;
        }
        xfer_free(x, true);
        r->stats.segments++;
        r->stats.bytes += bytes;
        r->stats.media_s += s->duration_s;
        if (r->stats.first_sequence < 0) {
            r->stats.first_sequence = s->seq;
        }
        if (s->seq > r->stats.last_sequence) {
            r->stats.last_sequence = s->seq;
        }
        sv_log(SV_LOG_DEBUG, "segment written", SV_STR("dir", r->out_dir),
               SV_INT("sequence", s->seq), SV_INT("bytes", bytes));
        seg_remove(r, i);
        return;
    }

    xfer_free(x, false);
    s->attempts++;
    /* Gone from the window and from the origin: more tries cannot help. */
    gone = s->seq < r->window_first && (status == 404 || status == 410);
    if (s->attempts >= SV_HLS_SEGMENT_TRIES || gone || r->stopping) {
        sv_log(SV_LOG_WARN, "segment lost", SV_STR("dir", r->out_dir),
               SV_INT("sequence", s->seq), SV_STR("error", err),
               SV_INT("attempts", s->attempts));
        r->stats.lost++;
        note_discontinuity(r, s->seq + 1, "lost");
        seg_remove(r, i);
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

/* Starts what is due and ends the recording when nothing is left to do. */
static void
advance(struct sv_hls_rec *r, int64_t now)
{
    struct sv_hls_engine *e = r->e;

    if (r->ended) {
        return;
    }
    if (r->stopping) {
        if (r->pl != NULL) {
            xfer_free(r->pl, false);
            r->pl = NULL;
        }
        for (size_t i = r->n_queue; i-- > 0;) {
            if (r->queue[i].x == NULL) {
                seg_remove(r, i);
            }
        }
        if (r->active == 0) {
            end_rec(r, SV_HLS_END_STOPPED, NULL);
        }
        return;
    }
    if (r->pl == NULL && !r->endlist && !r->full && now >= r->next_poll_ms) {
        r->pl = xfer_start(r, r->url, false, 0);
        if (r->pl == NULL) {
            end_rec(r, SV_HLS_END_FAILED, "cannot start a transfer");
            return;
        }
    }
    for (size_t i = 0; i < r->n_queue; i++) {
        struct seg *s = &r->queue[i];

        if (r->active >= SV_HLS_PARALLEL_PER_REC
            || e->active_segments >= SV_HLS_PARALLEL_MAX) {
            break;
        }
        if (s->x == NULL && now >= s->next_try_ms) {
            s->x = xfer_start(r, s->uri, true, s->seq);
            if (s->x == NULL) {
                char err[512];

                snprintf(err, sizeof(err), "cannot start a download into "
                         "%s: %s", r->out_dir, strerror(errno));
                end_rec(r, SV_HLS_END_FAILED, err);
                return;
            }
        }
    }
    if ((r->full || r->endlist) && r->n_queue == 0 && r->pl == NULL) {
        end_rec(r, r->full ? SV_HLS_END_DURATION : SV_HLS_END_ENDED, NULL);
    }
}

/* When something of r is next due (INT64_MAX: only the network). */
static int64_t
next_due(const struct sv_hls_rec *r)
{
    int64_t due = INT64_MAX;

    if (r->pl == NULL && !r->endlist && !r->full && !r->stopping) {
        due = r->next_poll_ms;
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

/* Advances every recording and moves the ended ones to the done queue. */
static int
advance_all(struct sv_hls_engine *e, int64_t now)
{
    struct sv_hls_rec **p = &e->running;
    int                 left = 0;

    while (*p != NULL) {
        struct sv_hls_rec *r = *p;

        advance(r, now);
        if (!r->ended) {
            left++;
            p = &r->next;
            continue;
        }
        *p = r->next;
        r->next = NULL;
        if (r->dir_fd >= 0) {
            close(r->dir_fd);
            r->dir_fd = -1;
        }
        if (e->done_tail != NULL) {
            e->done_tail->next = r;
        } else {
            e->done_head = r;
        }
        e->done_tail = r;
    }
    return left;
}

/* --- the engine ----------------------------------------------------------- */

struct sv_hls_engine *
sv_hls_engine_new(char *err, size_t errlen)
{
    struct sv_hls_engine *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->watch_fd = -1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot start libcurl");
        free(e);
        return NULL;
    }
    e->curl_started = true;
    e->multi = curl_multi_init();
    if (e->multi == NULL) {
        snprintf(err, errlen, "cannot start libcurl");
        sv_hls_engine_free(e);
        return NULL;
    }
    /* Many segments of one origin: reuse connections, a few per host. */
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, 64L);
    return e;
}

static void
rec_free(struct sv_hls_rec *r)
{
    end_rec(r, SV_HLS_END_STOPPED, NULL);
    if (r->dir_fd >= 0) {
        close(r->dir_fd);
    }
    free(r->url);
    free(r->out_dir);
    free(r->proxy);
    free(r);
}

void
sv_hls_engine_free(struct sv_hls_engine *e)
{
    if (e == NULL) {
        return;
    }
    for (struct sv_hls_rec *lists[] = { e->running, e->done_head },
         **l = lists; l < lists + 2; l++) {
        while (*l != NULL) {
            struct sv_hls_rec *r = *l;

            *l = r->next;
            rec_free(r);
        }
    }
    if (e->multi != NULL) {
        curl_multi_cleanup(e->multi);
    }
    if (e->curl_started) {
        curl_global_cleanup();
    }
    free(e);
}

static bool
http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0
           || strncasecmp(url, "https://", 8) == 0;
}

struct sv_hls_rec *
sv_hls_engine_add(struct sv_hls_engine *e, const struct sv_hls_source *src,
                  char *err, size_t errlen)
{
    struct sv_hls_rec *r, **tail;

    if (src->playlist_url == NULL || !http_url(src->playlist_url)
        || strlen(src->playlist_url) >= SV_HLS_URI_MAX) {
        snprintf(err, errlen, "the playlist URL must be http or https");
        return NULL;
    }
    if (!sv_hls_proxy_ok(src->proxy)) {
        snprintf(err, errlen, "the proxy must be http, https, socks5 or "
                 "socks5h");
        return NULL;
    }
    if (!(src->duration_s >= 0) || !(src->grace_s >= 0)) {
        snprintf(err, errlen, "a negative duration");
        return NULL;
    }
    if (src->out_dir == NULL || src->out_dir[0] == '\0') {
        snprintf(err, errlen, "no output folder");
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
    r->dir_fd = open(src->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dir_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", src->out_dir,
                 strerror(errno));
        free(r);
        return NULL;
    }
    r->url = strdup(src->playlist_url);
    r->out_dir = strdup(src->out_dir);
    r->proxy = src->proxy != NULL && src->proxy[0] != '\0'
               ? strdup(src->proxy) : NULL;
    if (r->url == NULL || r->out_dir == NULL
        || (src->proxy != NULL && src->proxy[0] != '\0' && r->proxy == NULL)) {
        snprintf(err, errlen, "out of memory");
        rec_free(r);
        return NULL;
    }
    r->duration_s = src->duration_s;
    r->grace_ms = (int64_t) ((src->grace_s > 0 ? src->grace_s
                              : SV_HLS_GRACE_S_DEFAULT) * 1000.0);
    r->user = src->user;
    r->cursor = (struct sv_hls_cursor) SV_HLS_CURSOR_INIT;
    r->window_first = -1;
    r->failing_since_ms = -1;
    r->stats.first_sequence = -1;
    r->stats.last_sequence = -1;
    for (tail = &e->running; *tail != NULL; tail = &(*tail)->next) {
    }
    *tail = r;
    sv_log(SV_LOG_INFO, "recording started", SV_STR("dir", r->out_dir),
           SV_STR("url", r->url));
    return r;
}

void
sv_hls_engine_stop(struct sv_hls_rec *r)
{
    if (r != NULL && !r->ended) {
        r->stopping = true;
    }
}

void
sv_hls_engine_stop_all(struct sv_hls_engine *e)
{
    for (struct sv_hls_rec *r = e->running; r != NULL; r = r->next) {
        sv_hls_engine_stop(r);
    }
}

void
sv_hls_engine_watch_fd(struct sv_hls_engine *e, int fd)
{
    e->watch_fd = fd;
}

int
sv_hls_engine_step(struct sv_hls_engine *e, int timeout_ms, char *err,
                   size_t errlen)
{
    int64_t            now = sv_monotonic_ms(), due = INT64_MAX;
    struct curl_waitfd wfd = { .fd = e->watch_fd, .events = CURL_WAIT_POLLIN };
    CURLMcode          mc;
    CURLMsg           *msg;
    int                running;

    advance_all(e, now);
    if (e->done_head != NULL) {
        timeout_ms = 0;         /* the caller has events to take */
    }
    for (struct sv_hls_rec *r = e->running; r != NULL; r = r->next) {
        int64_t d = next_due(r);

        due = d < due ? d : due;
    }
    if (due != INT64_MAX && due - now < timeout_ms) {
        timeout_ms = due <= now ? 0 : (int) (due - now);
    }
    mc = curl_multi_poll(e->multi, e->watch_fd >= 0 ? &wfd : NULL,
                         e->watch_fd >= 0 ? 1 : 0, timeout_ms < 0 ? 0
                         : timeout_ms, NULL);
    if (mc == CURLM_OK) {
        mc = curl_multi_perform(e->multi, &running);
    }
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
        return -1;
    }
    now = sv_monotonic_ms();
    while ((msg = curl_multi_info_read(e->multi, &running)) != NULL) {
        struct xfer *x;
        CURLcode     rc = msg->data.result;

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
        /* msg is invalid once its handle leaves the multi handle. */
        if (x->segment) {
            segment_done(x->rec, x, rc, now);
        } else {
            playlist_done(x->rec, rc, now);
        }
    }
    return advance_all(e, now);
}

bool
sv_hls_engine_next_event(struct sv_hls_engine *e, struct sv_hls_event *ev)
{
    struct sv_hls_rec *r = e->done_head;

    if (r == NULL) {
        return false;
    }
    e->done_head = r->next;
    if (e->done_head == NULL) {
        e->done_tail = NULL;
    }
    ev->user = r->user;
    ev->why = r->why;
    snprintf(ev->error, sizeof(ev->error), "%s", r->error);
    ev->stats = r->stats;
    rec_free(r);
    return true;
}
