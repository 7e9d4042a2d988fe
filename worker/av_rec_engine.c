/*
 * The libavformat recorder (see av_rec.h): a thread per recording, the
 * queue of ended recordings and the descriptor that tells of it.
 */

#include "av_rec_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "av_rec_input.h"
#include "hls_segment_file.h"
#include "log.h"

struct sv_av_recorder *
sv_av_recorder_new(char *err, size_t errlen)
{
    struct sv_av_recorder *rr = calloc(1, sizeof(*rr));

    if (rr == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rr->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (rr->event_fd < 0) {
        snprintf(err, errlen, "cannot make an eventfd: %s", strerror(errno));
        free(rr);
        return NULL;
    }
    pthread_mutex_init(&rr->lock, NULL);
    sv_av_log_hook();
    return rr;
}

static void
rec_free(struct sv_av_rec *r)
{
    if (r->dir_fd >= 0) {
        close(r->dir_fd);
    }
    free(r->url);
    free(r->out_dir);
    free(r);
}

/* Takes r out of rr's list of started recordings (the caller's thread's
 * only). */
static void
unlink_rec(struct sv_av_recorder *rr, struct sv_av_rec *r)
{
    for (struct sv_av_rec **p = &rr->all; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            return;
        }
    }
}

void
sv_av_recorder_free(struct sv_av_recorder *rr)
{
    if (rr == NULL) {
        return;
    }
    for (struct sv_av_rec *r = rr->all; r != NULL; r = r->next) {
        atomic_store(&r->stop, true);
    }
    while (rr->all != NULL) {
        struct sv_av_rec *r = rr->all;

        pthread_join(r->thread, NULL);
        rr->all = r->next;
        rec_free(r);
    }
    pthread_mutex_destroy(&rr->lock);
    close(rr->event_fd);
    free(rr);
}

static bool
source_ok(const struct sv_av_source *src, char *err, size_t errlen)
{
    if (src->url == NULL || !sv_av_source_wants(src->url)) {
        snprintf(err, errlen, "not a URL for this recorder (rtmp, rtmps, "
                 "rtsp, rtsps, srt, or http/https other than a playlist)");
        return false;
    }
    if (src->out_dir == NULL || src->out_dir[0] == '\0') {
        snprintf(err, errlen, "no output folder");
        return false;
    }
    if (src->duration_s < 0 || src->grace_s < 0 || src->stall_s < 0
        || src->segment_s < 0 || src->max_bytes < 0
        || src->segment_s > 600) {
        snprintf(err, errlen, "a limit out of range");
        return false;
    }
    return true;
}

/* Opens r's folder and finds where its numbering starts. */
static bool
folder_open(struct sv_av_rec *r, bool resume, char *err, size_t errlen)
{
    int64_t highest, offset;

    if (mkdir(r->out_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", r->out_dir,
                 strerror(errno));
        return false;
    }
    r->dir_fd = open(r->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dir_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", r->out_dir,
                 strerror(errno));
        return false;
    }
    if (!sv_hls_folder_open(r->dir_fd, r->out_dir, &highest, &offset, err,
                            errlen)) {
        return false;
    }
    if (highest >= 0 && !resume) {
        snprintf(err, errlen, "%s holds segments already (resume to "
                 "continue them)", r->out_dir);
        return false;
    }
    r->first_seq = highest + 1;
    return true;
}

/* The thread, with every signal blocked (they are the caller's). */
static bool
thread_start(struct sv_av_rec *r, char *err, size_t errlen)
{
    pthread_attr_t attr;
    sigset_t       all, old;
    int            rc;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, SV_AV_STACK_SIZE);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&r->thread, &attr, sv_av_rec_run, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
        return false;
    }
    return true;
}

struct sv_av_rec *
sv_av_rec_start(struct sv_av_recorder *rr, const struct sv_av_source *src,
                char *err, size_t errlen)
{
    struct sv_av_rec *r;

    if (!source_ok(src, err, errlen)) {
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->rr = rr;
    r->dir_fd = -1;
    r->url = strdup(src->url);
    r->out_dir = strdup(src->out_dir);
    if (r->url == NULL || r->out_dir == NULL) {
        snprintf(err, errlen, "out of memory");
        rec_free(r);
        return NULL;
    }
    if (!folder_open(r, src->resume, err, errlen)) {
        rec_free(r);
        return NULL;
    }
    r->duration_s = src->duration_s;
    r->max_bytes = src->max_bytes;
    r->grace_s = src->grace_s > 0 ? src->grace_s : SV_HLS_GRACE_S_DEFAULT;
    r->stall_s = src->stall_s > 0 ? src->stall_s : SV_AV_STALL_S_DEFAULT;
    r->segment_s = src->segment_s > 0 ? src->segment_s
                   : SV_AV_SEGMENT_S_DEFAULT;
    r->user = src->user;
    r->stats = (struct sv_hls_stats) { .first_sequence = -1,
                                       .last_sequence = -1 };
    atomic_init(&r->stop, false);
    sv_log(SV_LOG_INFO, "recording started", SV_STR("dir", r->out_dir),
           SV_STR("url", r->url), SV_INT("first_file", r->first_seq));
    if (!thread_start(r, err, errlen)) {
        rec_free(r);
        return NULL;
    }
    /* Only this thread reads or changes the list. */
    r->next = rr->all;
    rr->all = r;
    return r;
}

void
sv_av_rec_stop(struct sv_av_rec *r)
{
    atomic_store(&r->stop, true);
}

void
sv_av_rec_stats(const struct sv_av_rec *r, struct sv_hls_stats *out)
{
    pthread_mutex_lock(&r->rr->lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->rr->lock);
}

int
sv_av_recorder_fd(const struct sv_av_recorder *rr)
{
    return rr->event_fd;
}

void
sv_av_rec_publish(struct sv_av_rec *r, const struct sv_hls_stats *s)
{
    pthread_mutex_lock(&r->rr->lock);
    r->stats = *s;
    pthread_mutex_unlock(&r->rr->lock);
}

void
sv_av_rec_finish(struct sv_av_rec *r, enum sv_hls_end why, const char *error)
{
    struct sv_av_recorder *rr = r->rr;
    uint64_t               one = 1;

    sv_log(why == SV_HLS_END_FAILED ? SV_LOG_ERROR : SV_LOG_INFO,
           "recording ended", SV_STR("dir", r->out_dir),
           SV_STR("reason", sv_hls_end_name(why)), SV_STR("error", error),
           SV_INT("segments", r->stats.segments),
           SV_INT("bytes", r->stats.bytes),
           SV_INT("discontinuities", r->stats.discontinuities),
           SV_INT("retries", r->stats.retries));
    pthread_mutex_lock(&rr->lock);
    r->why = why;
    snprintf(r->error, sizeof(r->error), "%s", error != NULL ? error : "");
    if (rr->done_tail != NULL) {
        rr->done_tail->done_next = r;
    } else {
        rr->done_head = r;
    }
    rr->done_tail = r;
    pthread_mutex_unlock(&rr->lock);
    if (write(rr->event_fd, &one, sizeof(one)) < 0) {
        /* the counter is full: the descriptor is readable anyway */
    }
}

/* The queue is looked at after draining the descriptor, so an event queued
 * in between leaves it readable. */
bool
sv_av_recorder_next_event(struct sv_av_recorder *rr, struct sv_hls_event *ev)
{
    struct sv_av_rec *r;
    uint64_t          count;

    pthread_mutex_lock(&rr->lock);
    r = rr->done_head;
    if (r == NULL) {
        pthread_mutex_unlock(&rr->lock);
        if (read(rr->event_fd, &count, sizeof(count)) < 0) {
            /* nothing to drain */
        }
        pthread_mutex_lock(&rr->lock);
        r = rr->done_head;
    }
    if (r != NULL) {
        rr->done_head = r->done_next;
        if (rr->done_head == NULL) {
            rr->done_tail = NULL;
        }
        unlink_rec(rr, r);
        *ev = (struct sv_hls_event) { .user = r->user, .why = r->why,
                                      .stats = r->stats };
        snprintf(ev->error, sizeof(ev->error), "%s", r->error);
    }
    pthread_mutex_unlock(&rr->lock);
    if (r == NULL) {
        return false;
    }
    /* Its last act was queueing itself: the join is at once. */
    pthread_join(r->thread, NULL);
    rec_free(r);
    return true;
}
