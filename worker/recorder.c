/*
 * The worker's recordings (see recorder.h).
 */

#include "recorder.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "av_rec.h"
#include "chat.h"
#include "clock.h"
#include "disk_space.h"
#include "hls_recorder.h"
#include "hls_segment_file.h"
#include "event_publish.h"
#include "json.h"
#include "log.h"
#include "media_path.h"
#include "recorder_db.h"
#include "secret_key.h"
#include "signals.h"
#include "twitch_playback.h"

#define REPORT_INTERVAL_MS   2000
#define GHOSTS_INTERVAL_MS   60000
#define SHUTDOWN_GRACE_MS    10000
#define RESUME_MAX           1000
#define REPORT_ITEM_MAX      96        /* bytes of one report entry */
#define MIB                  (1024LL * 1024)
#define CHAT_FDS_MAX         1000      /* max_recordings at most */

/* Why this worker stopped a recording, if it did. */
enum stop_cause { STOP_NONE, STOP_API, STOP_DISK, STOP_SHUTDOWN };

struct recording {
    struct recording    *next;
    long long            id;
    struct sv_hls_rec   *rec;           /* HLS and Twitch, or */
    struct sv_av_rec    *av;            /* any other source; either until
                                         * its event is taken */
    struct sv_chat_rec  *chat;          /* its chat archive, while it runs */
    char                *dir;           /* its raw folder, absolute */
    struct sv_hls_event  ev;            /* the end, once neither has it */
    long long            base_bytes;    /* recorded before this run */
    long long            base_media_ms;
    bool                 capped;        /* the engine's duration is the
                                         * rollover's, not the end */
    enum stop_cause      stop;
    long long            reported_bytes;
    int64_t              reported_ms;
    long long            bytes_per_s;
};

struct sv_recorder {
    const struct sv_config  *cfg;
    struct sv_hls_engine    *engine;
    struct sv_av_recorder   *av;
    struct sv_chat          *chat;
    int                      epfd;      /* signals, ends of av threads,
                                         * a waiter's descriptor */
    struct curl_waitfd       fds[1 + CHAT_FDS_MAX];   /* epfd, chats */
    struct recording        *list;
    size_t                   running;   /* in the engine */
    bool                     resumed;
    bool                     new_events;
    bool                     disk_low;
    char                     disk_error[160];
    int64_t                  next_report_ms, next_ghosts_ms;
};

struct sv_recorder *
sv_recorder_new(const struct sv_config *cfg, char *err, size_t errlen)
{
    struct sv_recorder *rc = calloc(1, sizeof(*rc));
    struct epoll_event  ev = { .events = EPOLLIN, .data.fd = sv_signal_fd() };
    struct epoll_event  av_ev = { .events = EPOLLIN };

    if (rc == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rc->cfg = cfg;
    /* The signals and a waiter's descriptor in one, so that libcurl's wait
     * watches both through the one descriptor it takes. */
    rc->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (rc->epfd < 0
        || (ev.data.fd >= 0
            && epoll_ctl(rc->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) != 0)) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        sv_recorder_free(rc);
        return NULL;
    }
    const struct sv_recorder_config *r = &cfg->recorder;
    struct sv_chat_config            chat = {
        .host = r->twitch_irc_host[0] != '\0' ? r->twitch_irc_host : NULL,
        .port = (int) r->twitch_irc_port,
        .ca_file = r->twitch_irc_ca[0] != '\0' ? r->twitch_irc_ca : NULL,
    };

    rc->engine = sv_hls_engine_new(err, errlen);
    rc->av = rc->engine != NULL ? sv_av_recorder_new(err, errlen) : NULL;
    rc->chat = rc->av != NULL ? sv_chat_new(&chat, err, errlen) : NULL;
    if (rc->chat == NULL) {
        sv_recorder_free(rc);
        return NULL;
    }
    /* Other sources' ends wake the wait too. */
    av_ev.data.fd = sv_av_recorder_fd(rc->av);
    if (epoll_ctl(rc->epfd, EPOLL_CTL_ADD, av_ev.data.fd, &av_ev) != 0) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        sv_recorder_free(rc);
        return NULL;
    }
    return rc;
}

void
sv_recorder_free(struct sv_recorder *rc)
{
    if (rc == NULL) {
        return;
    }
    sv_av_recorder_free(rc->av);
    sv_hls_engine_free(rc->engine);
    while (rc->list != NULL) {
        struct recording *r = rc->list;

        rc->list = r->next;
        free(r->dir);
        free(r);
    }
    sv_chat_free(rc->chat);
    if (rc->epfd >= 0) {
        close(rc->epfd);
    }
    free(rc);
}

static struct recording *
find(const struct sv_recorder *rc, long long id)
{
    for (struct recording *r = rc->list; r != NULL; r = r->next) {
        if (r->id == id) {
            return r;
        }
    }
    return NULL;
}

static bool
is_running(const struct recording *r)
{
    return r->rec != NULL || r->av != NULL;
}

static void
ended(struct sv_recorder *rc, const struct sv_hls_event *ev)
{
    struct recording *r = ev->user;

    r->ev = *ev;
    r->rec = NULL;
    r->av = NULL;
    if (r->chat != NULL) {
        sv_chat_stop(r->chat);
        r->chat = NULL;
    }
    rc->running--;
    rc->new_events = true;
}

/* The ended recordings' events, kept until PostgreSQL has them. */
static void
take_events(struct sv_recorder *rc)
{
    struct sv_hls_event ev;

    while (sv_hls_engine_next_event(rc->engine, &ev)) {
        ended(rc, &ev);
    }
    while (sv_av_recorder_next_event(rc->av, &ev)) {
        ended(rc, &ev);
    }
}

int
sv_recorder_wait(void *ctx, int fd, short events, int64_t timeout_ms)
{
    struct sv_recorder *rc = ctx;
    int64_t             deadline = sv_monotonic_ms() + timeout_ms;
    struct epoll_event  want = { .data.fd = fd }, got[3];
    bool                watched = false;
    int                 ready = 0;
    char                err[256];

    if (fd >= 0) {
        want.events = ((events & POLLIN) ? EPOLLIN : 0)
                      | ((events & POLLOUT) ? EPOLLOUT : 0);
        watched = epoll_ctl(rc->epfd, EPOLL_CTL_ADD, fd, &want) == 0;
    }
    for (;;) {
        int64_t now = sv_monotonic_ms();
        int64_t left = deadline - now, chat_due = sv_chat_next_due(rc->chat);
        size_t  nfds = 1;
        int     n;

        if (chat_due - now < left) {
            left = chat_due - now;
        }
        rc->fds[0] = (struct curl_waitfd) { .fd = rc->epfd,
                                            .events = CURL_WAIT_POLLIN };
        nfds += sv_chat_wait_fds(rc->chat, rc->fds + 1, CHAT_FDS_MAX);
        if (sv_hls_engine_step_with(rc->engine,
                                    (int) (left < 0 ? 0
                                           : left > INT_MAX ? INT_MAX : left),
                                    rc->fds, (unsigned) nfds, err,
                                    sizeof(err)) < 0) {
            /* Cannot happen short of memory exhaustion; do not spin. */
            sv_log(SV_LOG_ERROR, "the recording engine failed",
                   SV_STR("error", err));
            poll(NULL, 0, left > 0 ? (int) (left < 1000 ? left : 1000) : 0);
        }
        sv_chat_service(rc->chat, rc->fds + 1, nfds - 1, sv_monotonic_ms());
        take_events(rc);
        n = epoll_wait(rc->epfd, got, 3, 0);
        for (int i = 0; i < n; i++) {
            if (fd >= 0 && got[i].data.fd == fd) {
                ready = 1;
            }
        }
        if (n != 0 || rc->new_events || sv_monotonic_ms() >= deadline) {
            break;
        }
    }
    if (watched) {
        epoll_ctl(rc->epfd, EPOLL_CTL_DEL, fd, NULL);
    } else if (fd >= 0) {
        struct pollfd pfd = { .fd = fd, .events = events };

        ready = poll(&pfd, 1, 0) > 0;
    }
    return ready;
}

/* --- starting ------------------------------------------------------------ */

static const char *
or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

static void
add(struct sv_recorder *rc, struct recording *r)
{
    r->next = rc->list;
    rc->list = r;
}

/* The channel's chat into <dir>/chat.jsonl, its offsets from the
 * recording's start; the recording goes on without it if it cannot. */
static void
begin_chat(struct sv_recorder *rc, struct recording *r,
           const struct sv_rec_claim *c, const char *dir)
{
    char path[PATH_MAX], err[256];

    if (snprintf(path, sizeof(path), "%s/%s", dir, SV_CHAT_RAW_NAME)
        >= (int) sizeof(path)) {
        snprintf(err, sizeof(err), "the path is too long");
    } else {
        r->chat = sv_chat_add(rc->chat, c->twitch_login, path,
                              c->started_at_ms, err, sizeof(err));
    }
    if (r->chat == NULL) {
        sv_log(SV_LOG_WARN, "cannot archive the chat; recording without it",
               SV_INT("recording", c->id), SV_STR("error", err));
    }
}

/* The user token c's Twitch recording is made with, opened into out (cap
 * bytes); "" (anonymous, said in the log) when it does not open with the
 * key of secret_file or is no token. Users paste it with IRC's "oauth:"
 * in front at times. */
static void
open_user_token(const struct sv_recorder *rc, const struct sv_rec_claim *c,
                char *out, size_t cap)
{
    unsigned char  key[SV_SECRETBOX_KEY_LEN];
    char           err[PATH_MAX + 128];
    const char    *token;
    bool           ok;

    out[0] = '\0';
    if (c->user_token[0] == '\0') {
        return;
    }
    ok = sv_secret_key_load(rc->cfg->twitch.secret_file, key, err,
                            sizeof(err));
    if (ok && !sv_secret_open_text(key, "twitch.user_token", c->user_token,
                                   out, cap)) {
        snprintf(err, sizeof(err), "it does not open with the key of "
                 "secret_file");
        ok = false;
    }
    explicit_bzero(key, sizeof(key));
    if (ok) {
        token = out + (strncasecmp(out, "oauth:", 6) == 0 ? 6 : 0);
        ok = sv_twitch_oauth_ok(token);
        if (ok) {
            memmove(out, token, strlen(token) + 1);
        } else {
            snprintf(err, sizeof(err), "it is no Twitch token (1-%d "
                     "letters, digits, _ or -)", SV_TWITCH_OAUTH_MAX);
        }
    }
    if (!ok) {
        explicit_bzero(out, cap);
        sv_log(SV_LOG_WARN, "recording anonymously: twitch.user_token is "
               "set but unusable", SV_INT("recording", c->id),
               SV_STR("error", err));
    }
}

/* The recording c, claimed, goes to the engine; after (a rollover's) the
 * sequence to continue after, or NULL. False with the reason. */
static bool
begin(struct sv_recorder *rc, const struct sv_rec_claim *c,
      const int64_t *after, struct recording **out, char *err,
      size_t errlen)
{
    const struct sv_recorder_config *cfg = &rc->cfg->recorder;
    char                             dir[PATH_MAX];
    double                           roll_s, left_s = c->duration_left_s;
    long long                        roll_bytes = 0;
    struct recording                *r;
    bool                             twitch = c->twitch_login[0] != '\0';
    char                             oauth[SV_TWITCH_OAUTH_MAX + 8] = "";

    *out = NULL;
    if (!sv_media_prepare_output(c->raw_dir, dir, err, errlen)) {
        return false;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    r->id = c->id;
    r->dir = strdup(dir);
    r->base_bytes = c->bytes;
    r->base_media_ms = c->media_ms;
    r->reported_bytes = c->bytes;
    r->reported_ms = sv_monotonic_ms();
    *out = r;

    /* Parts roll over at rollover_seconds of media (the setting
     * recording.rollover_hours, else the worker's own), counted from the
     * part's start (a resumed part has some already). */
    roll_s = (double) (c->rollover_s > 0 ? c->rollover_s
                                         : (long long) cfg->rollover_seconds)
             - (double) c->media_ms / 1000.0;
    if (roll_s < 1) {
        roll_s = 1;
    }
    if (cfg->rollover_mb > 0) {
        roll_bytes = (long long) cfg->rollover_mb * MIB - c->bytes;
        roll_bytes = roll_bytes < MIB ? MIB : roll_bytes;
    }
    if (left_s == 0) {
        /* Its duration was reached before a restart: it is over. */
        r->ev.why = SV_HLS_END_DURATION;
        r->ev.stats.first_sequence = r->ev.stats.last_sequence = -1;
        rc->new_events = true;
        add(rc, r);
        return true;
    }
    r->capped = left_s < 0 || left_s > roll_s;
    if (twitch) {
        open_user_token(rc, c, oauth, sizeof(oauth));
    }

    struct sv_hls_source src = {
        .playlist_url = twitch ? NULL : c->source_url,
        .twitch = {
            .login = twitch ? c->twitch_login : NULL,
            .quality = or_null(c->quality),
            .gql_url = or_null(cfg->twitch_gql_url),
            .usher_url = or_null(cfg->twitch_usher_url),
            .oauth = or_null(oauth),
        },
        .out_dir = dir,
        .duration_s = left_s < 0 || left_s > roll_s ? roll_s : left_s,
        .max_bytes = roll_bytes,
        .proxy = or_null(c->proxy),
        .grace_s = cfg->grace_seconds,
        .stall_s = cfg->stall_seconds,
        .resume = c->resume,
        .resume_after = after != NULL,
        .after_sequence = after != NULL ? *after : 0,
        .prefetch = cfg->twitch_low_latency != 0,
        .user = r,
    };

    if (!twitch && sv_av_source_wants(c->source_url)) {
        struct sv_av_source av = {
            .url = c->source_url, .out_dir = dir, .duration_s = src.duration_s,
            .max_bytes = roll_bytes, .grace_s = cfg->grace_seconds,
            .stall_s = cfg->stall_seconds, .resume = c->resume, .user = r,
        };

        r->av = sv_av_rec_start(rc->av, &av, err, errlen);
    } else {
        r->rec = sv_hls_engine_add(rc->engine, &src, err, errlen);
        explicit_bzero(oauth, sizeof(oauth));
    }
    if (r->rec == NULL && r->av == NULL) {
        free(r->dir);
        free(r);
        *out = NULL;
        return false;
    }
    rc->running++;
    add(rc, r);
    if (c->chat) {
        begin_chat(rc, r, c, dir);
    }
    sv_log(SV_LOG_INFO, "recording", SV_INT("recording", c->id),
           SV_STR("dir", c->raw_dir),
           SV_STR("twitch", or_null(c->twitch_login)),
           SV_STR("url", or_null(c->source_url)),
           SV_STR("resume", c->resume ? "yes" : "no"));
    return true;
}

/* A claimed recording that cannot be recorded fails with the reason. */
static void
refuse(struct sv_recorder *rc, PGconn *pg, long long id, const char *why)
{
    struct sv_rec_end end = { .id = id, .why = "failed", .error = why };
    char              outcome[16], err[256];

    sv_log(SV_LOG_ERROR, "cannot record", SV_INT("recording", id),
           SV_STR("error", why));
    if (!sv_recdb_finish(pg, rc->cfg->worker_id, &end, outcome,
                         sizeof(outcome), err, sizeof(err))) {
        sv_log(SV_LOG_WARN, "cannot record the failure of a recording",
               SV_INT("recording", id), SV_STR("error", err));
    }
}

/* Claims id (with after, a rollover's) and begins it; false with the
 * reason when PostgreSQL failed. */
static bool
claim_and_begin(struct sv_recorder *rc, PGconn *pg, long long id,
                const int64_t *after, char *err, size_t errlen)
{
    struct sv_rec_claim  c;
    struct recording    *r;
    bool                 got;
    char                 why[512];

    if (!sv_recdb_claim(pg, id, rc->cfg->worker_id,
                        rc->cfg->recorder.stall_seconds, &c, &got, err,
                        errlen)) {
        return false;
    }
    if (!got) {
        sv_log(SV_LOG_INFO, "nothing to record: the recording is over or "
               "another worker records it", SV_INT("recording", id));
        return true;
    }
    if (!begin(rc, &c, after, &r, why, sizeof(why))) {
        refuse(rc, pg, id, why);
    }
    return true;
}

bool
sv_recorder_can_start(const struct sv_recorder *rc, char *err,
                      size_t errlen)
{
    if (rc->running >= rc->cfg->recorder.max_recordings) {
        snprintf(err, errlen, "this worker records %zu streams already "
                 "(max_recordings)", rc->running);
        return false;
    }
    if (rc->disk_low) {
        snprintf(err, errlen, "%s", rc->disk_error);
        return false;
    }
    return true;
}

int
sv_recorder_start(struct sv_recorder *rc, PGconn *pg, long long id,
                  char *err, size_t errlen)
{
    if (find(rc, id) != NULL) {
        sv_log(SV_LOG_INFO, "already recording", SV_INT("recording", id));
        return 0;
    }
    if (!sv_recorder_can_start(rc, err, errlen)) {
        return -1;
    }
    return claim_and_begin(rc, pg, id, NULL, err, errlen) ? 0 : -1;
}

/* The recordings this worker was running when it stopped. */
static void
resume_all(struct sv_recorder *rc, PGconn *pg)
{
    long long *ids = malloc(RESUME_MAX * sizeof(*ids));
    size_t     n = 0;
    char       err[512];

    if (ids == NULL
        || !sv_recdb_resumable(pg, rc->cfg->worker_id, ids, RESUME_MAX, &n,
                               err, sizeof(err))) {
        sv_log(SV_LOG_WARN, "cannot list the recordings to resume",
               SV_STR("error", ids == NULL ? "out of memory" : err));
        free(ids);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (find(rc, ids[i]) == NULL
            && !claim_and_begin(rc, pg, ids[i], NULL, err, sizeof(err))) {
            sv_log(SV_LOG_WARN, "cannot resume a recording",
                   SV_INT("recording", ids[i]), SV_STR("error", err));
            free(ids);
            return;
        }
    }
    if (n > 0) {
        sv_log(SV_LOG_INFO, "recordings resumed", SV_INT("count", (long) n));
    }
    free(ids);
    rc->resumed = true;
}

/* --- progress ------------------------------------------------------------ */

static void
current(const struct recording *r, struct sv_hls_stats *s)
{
    if (r->rec != NULL) {
        sv_hls_engine_stats(r->rec, s);
    } else if (r->av != NULL) {
        sv_av_rec_stats(r->av, s);
    } else {
        *s = r->ev.stats;
    }
}

static long long
total_bytes(const struct recording *r, const struct sv_hls_stats *s)
{
    return r->base_bytes + s->bytes;
}

static long long
total_media_ms(const struct recording *r, const struct sv_hls_stats *s)
{
    return r->base_media_ms + (long long) (s->media_s * 1000.0);
}

static void
stop_one(struct recording *r, enum stop_cause why)
{
    if (!is_running(r) || r->stop != STOP_NONE) {
        return;
    }
    r->stop = why;
    if (r->rec != NULL) {
        sv_hls_engine_stop(r->rec);
    } else {
        sv_av_rec_stop(r->av);
    }
}

/* Every recording's bytes, media time and rate: to PostgreSQL, which
 * says what to stop, and to watchers as a "recording_progress" event. */
static void
report(struct sv_recorder *rc, PGconn *pg, redisContext *redis)
{
    /* the report is built inside the event, so both share one buffer */
    static const char event_head[] =
        "{\"type\":\"recording_progress\",\"recordings\":";
    const size_t      head = sizeof(event_head) - 1;
    size_t            n = 0, nstop = 0, cap;
    int64_t           now = sv_monotonic_ms();
    struct sv_jbuf    b;
    char             *storage, err[512];
    long long        *stop;

    for (struct recording *r = rc->list; r != NULL; r = r->next) {
        n++;
    }
    if (n == 0) {
        return;
    }
    cap = head + n * REPORT_ITEM_MAX + 8;
    storage = malloc(cap);
    stop = malloc(n * sizeof(*stop));
    if (storage == NULL || stop == NULL) {
        free(storage);
        free(stop);
        return;
    }
    sv_jbuf_init(&b, storage, cap - 2);
    sv_jbuf_raw(&b, event_head, head);
    sv_jbuf_raw(&b, "[", 1);
    for (struct recording *r = rc->list; r != NULL; r = r->next) {
        struct sv_hls_stats s;
        long long           bytes;

        current(r, &s);
        bytes = total_bytes(r, &s);
        if (now > r->reported_ms) {
            long long rate = (bytes - r->reported_bytes) * 1000
                             / (now - r->reported_ms);

            /* Segments arrive every few seconds: smooth the steps. */
            r->bytes_per_s = (r->bytes_per_s + rate) / 2;
        }
        r->reported_bytes = bytes;
        r->reported_ms = now;
        sv_jbuf_raw(&b, r == rc->list ? "{" : ",{", r == rc->list ? 1 : 2);
        sv_jbuf_member_int(&b, "id", r->id);
        sv_jbuf_member_int(&b, "bytes", bytes);
        sv_jbuf_member_int(&b, "media_ms", total_media_ms(r, &s));
        sv_jbuf_member_int(&b, "bytes_per_s", r->bytes_per_s);
        sv_jbuf_raw(&b, "}", 1);
    }
    sv_jbuf_raw(&b, "]", 1);
    storage[b.len] = '\0';
    if (b.truncated) {
        sv_log(SV_LOG_WARN, "the progress report did not fit; skipped");
    } else {
        if (!sv_recdb_progress(pg, rc->cfg->worker_id, storage + head, stop,
                               n, &nstop, err, sizeof(err))) {
            sv_log(SV_LOG_WARN, "cannot report the recordings' progress",
                   SV_STR("error", err));
        }
        sv_jbuf_raw(&b, "}", 1);
        sv_event_publish(redis, &b);
    }
    for (size_t i = 0; i < nstop; i++) {
        struct recording *r = find(rc, stop[i]);

        if (r != NULL && is_running(r)) {
            sv_log(SV_LOG_INFO, "stopping a recording as asked",
                   SV_INT("recording", r->id));
            stop_one(r, STOP_API);
        }
    }
    free(storage);
    free(stop);
}

/* Below min_free_mb on the media disk every recording stops (its last
 * segment whole) and none starts until there is room again. */
static void
guard_disk(struct sv_recorder *rc, redisContext *redis)
{
    unsigned  min_mb = rc->cfg->recorder.min_free_mb;
    long long free_mb;
    bool      low;
    size_t    stopped = 0;
    char      event[256];

    if (min_mb == 0 || !sv_disk_free_mb(sv_media_root(), &free_mb)) {
        rc->disk_low = false;
        return;
    }
    low = free_mb < (long long) min_mb;
    if (low && !rc->disk_low) {
        snprintf(rc->disk_error, sizeof(rc->disk_error), "the media disk has "
                 "%lld MB free, less than min_free_mb (%u)", free_mb, min_mb);
        for (struct recording *r = rc->list; r != NULL; r = r->next) {
            if (is_running(r)) {
                stop_one(r, STOP_DISK);
                stopped++;
            }
        }
        sv_log(SV_LOG_ERROR, "the media disk is nearly full: recordings "
               "stopped, none starts until there is room",
               SV_INT("free_mb", free_mb), SV_INT("min_free_mb", min_mb),
               SV_INT("stopped", (long) stopped));
        if (redis != NULL) {
            struct sv_jbuf b;

            sv_jbuf_init(&b, event, sizeof(event));
            sv_jbuf_raw(&b, "{", 1);
            sv_jbuf_member_string(&b, "type", "disk_low");
            sv_jbuf_member_string(&b, "worker_id", rc->cfg->worker_id);
            sv_jbuf_member_int(&b, "free_mb", free_mb);
            sv_jbuf_member_int(&b, "min_free_mb", min_mb);
            sv_jbuf_member_int(&b, "stopped", (long long) stopped);
            sv_jbuf_raw(&b, "}", 1);
            sv_event_publish(redis, &b);
        }
    } else if (!low && rc->disk_low) {
        sv_log(SV_LOG_INFO, "the media disk has room again: recordings can "
               "start", SV_INT("free_mb", free_mb));
    }
    rc->disk_low = low;
}

/* --- ending -------------------------------------------------------------- */

static void
unlink_recording(struct sv_recorder *rc, struct recording *r)
{
    for (struct recording **p = &rc->list; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    free(r->dir);
    free(r);
}

/* What PostgreSQL is told of r's end; rollover when a part is full. */
static bool
end_of(const struct sv_recorder *rc, const struct recording *r,
       struct sv_rec_end *end)
{
    *end = (struct sv_rec_end) {
        .id = r->id, .bytes = total_bytes(r, &r->ev.stats),
        .media_ms = total_media_ms(r, &r->ev.stats),
        .error = r->ev.error[0] != '\0' ? r->ev.error : NULL,
        .why = sv_hls_end_name(r->ev.why),
    };
    switch (r->ev.why) {
    case SV_HLS_END_DURATION:
        return r->capped;
    case SV_HLS_END_SIZE:               /* only rollover_mb limits it */
        return true;
    case SV_HLS_END_STOPPED:
        if (r->stop == STOP_DISK) {
            end->why = "disk";
            end->error = rc->disk_error;
        }
        return false;
    default:
        return false;
    }
}

/* r ended: PostgreSQL records it (postprocess queued) or the next part
 * begins; false to try again later (PostgreSQL failed). */
static bool
finish(struct sv_recorder *rc, PGconn *pg, struct recording *r)
{
    struct sv_rec_end end;
    char              outcome[16] = "", err[512];
    long long         next = 0;
    int64_t           after = r->ev.stats.last_sequence;
    bool              ok;

    /* players following the live playlist see its end (again, when this
     * is tried again) before post-processing takes the segments away */
    if (r->dir != NULL) {
        sv_hls_segments_end(r->dir);
    }
    if (end_of(rc, r, &end)) {
        ok = sv_recdb_rollover(pg, rc->cfg->worker_id, &end, &next, err,
                               sizeof(err));
        snprintf(outcome, sizeof(outcome), "rollover");
    } else {
        ok = sv_recdb_finish(pg, rc->cfg->worker_id, &end, outcome,
                             sizeof(outcome), err, sizeof(err));
    }
    if (!ok) {
        sv_log(SV_LOG_WARN, "cannot record the end of a recording; trying "
               "again", SV_INT("recording", r->id), SV_STR("error", err));
        return false;
    }
    sv_log(SV_LOG_INFO, "recording finished", SV_INT("recording", r->id),
           SV_STR("why", end.why), SV_STR("error", end.error),
           SV_STR("outcome", outcome), SV_INT("bytes", end.bytes),
           SV_INT("media_ms", end.media_ms), SV_INT("next_part", next));
    unlink_recording(rc, r);
    if (next > 0
        && !claim_and_begin(rc, pg, next, after >= 0 ? &after : NULL, err,
                            sizeof(err))) {
        /* Left 'pending' with no job: the ghost sweep cannot see it, so
         * say it loudly; a record job for it would pick it up. */
        sv_log(SV_LOG_ERROR, "cannot begin the next part of a recording",
               SV_INT("recording", next), SV_STR("error", err));
    }
    return true;
}

static void
finish_ended(struct sv_recorder *rc, PGconn *pg)
{
    struct recording *r = rc->list, *next;

    for (; r != NULL; r = next) {
        next = r->next;
        if (!is_running(r) && r->stop != STOP_SHUTDOWN
            && !finish(rc, pg, r)) {
            return;
        }
    }
}

static void
sweep_ghosts(struct sv_recorder *rc, PGconn *pg)
{
    size_t n;
    char   err[512];

    if (!sv_recdb_finalize_ghosts(pg, rc->cfg->recorder.stall_seconds, &n,
                                  err, sizeof(err))) {
        sv_log(SV_LOG_WARN, "cannot look for ghost recordings",
               SV_STR("error", err));
    } else if (n > 0) {
        sv_log(SV_LOG_WARN, "recordings whose worker stopped reporting were "
               "finalized", SV_INT("count", (long) n));
    }
}

void
sv_recorder_service(struct sv_recorder *rc, PGconn *pg, redisContext *redis)
{
    int64_t now = sv_monotonic_ms();

    if (PQtransactionStatus(pg) != PQTRANS_IDLE) {
        return;
    }
    if (!rc->resumed) {
        resume_all(rc, pg);
    }
    rc->new_events = false;
    finish_ended(rc, pg);
    if (now >= rc->next_report_ms) {
        rc->next_report_ms = now + REPORT_INTERVAL_MS;
        guard_disk(rc, redis);
        report(rc, pg, redis);
    }
    if (now >= rc->next_ghosts_ms && rc->resumed) {
        rc->next_ghosts_ms = now + GHOSTS_INTERVAL_MS;
        sweep_ghosts(rc, pg);
    }
}

int64_t
sv_recorder_next_service_ms(const struct sv_recorder *rc)
{
    return rc->new_events ? sv_monotonic_ms() : rc->next_report_ms;
}

void
sv_recorder_shutdown(struct sv_recorder *rc, PGconn *pg)
{
    int64_t deadline = sv_monotonic_ms() + SHUTDOWN_GRACE_MS;

    for (struct recording *r = rc->list; r != NULL; r = r->next) {
        stop_one(r, STOP_SHUTDOWN);
    }
    while (rc->running > 0 && sv_monotonic_ms() < deadline) {
        sv_recorder_wait(rc, -1, 0, deadline - sv_monotonic_ms());
    }
    if (rc->running > 0) {
        sv_log(SV_LOG_WARN, "recordings still busy at shutdown; their "
               "unfinished segments are dropped",
               SV_INT("count", (long) rc->running));
    }
    if (pg != NULL && PQtransactionStatus(pg) == PQTRANS_IDLE) {
        finish_ended(rc, pg);
        report(rc, pg, NULL);
    }
}
