/*
 * The HLS recording engine (see hls_recorder.h): the multi handle, the step
 * that drives every recording on it, and the queue of ended recordings
 * waiting for the caller. One recording's state machine is in
 * hls_recording.c.
 */

#include "hls_recorder_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"

const char *
sv_hls_end_name(enum sv_hls_end why)
{
    switch (why) {
    case SV_HLS_END_DURATION: return "duration";
    case SV_HLS_END_ENDED:    return "ended";
    case SV_HLS_END_STOPPED:  return "stopped";
    case SV_HLS_END_SIZE:     return "size";
    case SV_HLS_END_STALLED:  return "stalled";
    default:                  return "failed";
    }
}

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
            sv_hls_rec_free(r);
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

struct sv_hls_rec *
sv_hls_engine_add(struct sv_hls_engine *e, const struct sv_hls_source *src,
                  char *err, size_t errlen)
{
    struct sv_hls_rec *r = sv_hls_rec_new(e, src, err, errlen), **tail;

    if (r == NULL) {
        return NULL;
    }
    for (tail = &e->running; *tail != NULL; tail = &(*tail)->next) {
    }
    *tail = r;
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
sv_hls_engine_stats(const struct sv_hls_rec *r, struct sv_hls_stats *out)
{
    *out = r->stats;
}

void
sv_hls_engine_watch_fd(struct sv_hls_engine *e, int fd)
{
    e->watch_fd = fd;
}

/* Advances every recording and moves the ended ones to the done queue. */
static int
advance_all(struct sv_hls_engine *e, int64_t now)
{
    struct sv_hls_rec **p = &e->running;
    int                 left = 0;

    while (*p != NULL) {
        struct sv_hls_rec *r = *p;

        sv_hls_rec_advance(r, now);
        if (!r->ended) {
            left++;
            p = &r->next;
            continue;
        }
        *p = r->next;
        r->next = NULL;
        /* Its transfers are gone; a long queue of events keeps no fds. */
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

/* How long the poll may wait: no longer than the earliest timer due. */
static int
poll_timeout_ms(const struct sv_hls_engine *e, int timeout_ms, int64_t now)
{
    int64_t due = INT64_MAX;

    if (e->done_head != NULL) {
        timeout_ms = 0;         /* the caller has events to take */
    }
    for (const struct sv_hls_rec *r = e->running; r != NULL; r = r->next) {
        int64_t d = sv_hls_rec_next_due(r);

        due = d < due ? d : due;
    }
    if (due != INT64_MAX && due - now < timeout_ms) {
        timeout_ms = due <= now ? 0 : (int) (due - now);
    }
    return timeout_ms < 0 ? 0 : timeout_ms;
}

int
sv_hls_engine_step(struct sv_hls_engine *e, int timeout_ms, char *err,
                   size_t errlen)
{
    struct curl_waitfd wfd = { .fd = e->watch_fd, .events = CURL_WAIT_POLLIN };

    return sv_hls_engine_step_with(e, timeout_ms, &wfd,
                                   e->watch_fd >= 0 ? 1 : 0, err, errlen);
}

int
sv_hls_engine_step_with(struct sv_hls_engine *e, int timeout_ms,
                        struct curl_waitfd *fds, unsigned nfds, char *err,
                        size_t errlen)
{
    int64_t            now = sv_monotonic_ms();
    CURLMcode          mc;
    CURLMsg           *msg;
    int                running;

    advance_all(e, now);
    mc = curl_multi_poll(e->multi, nfds > 0 ? fds : NULL, nfds,
                         poll_timeout_ms(e, timeout_ms, now), NULL);
    if (mc == CURLM_OK) {
        mc = curl_multi_perform(e->multi, &running);
    }
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "libcurl: %s", curl_multi_strerror(mc));
        return -1;
    }
    now = sv_monotonic_ms();
    while ((msg = curl_multi_info_read(e->multi, &running)) != NULL) {
        struct sv_hls_xfer *x;

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
        /* msg is invalid once its handle leaves the multi handle. */
        sv_hls_rec_xfer_done(x, msg->data.result, now);
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
    sv_hls_rec_free(r);
    return true;
}
