/*
 * Internals of the libavformat recorder (av_rec.h), shared by its pieces
 * only: the recorder (av_rec_engine.c: threads, the ended queue, the
 * descriptor), a recording's thread (av_rec_thread.c: connect, reconnect,
 * limits, cutting), its input (av_rec_input.c) and its segments
 * (av_rec_ts.c).
 */

#ifndef SV_AV_REC_INT_H
#define SV_AV_REC_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "av_rec.h"

struct sv_av_rec {
    struct sv_av_recorder *rr;
    struct sv_av_rec      *next;        /* started, event not taken */
    struct sv_av_rec      *done_next;   /* the ended queue */
    pthread_t              thread;
    atomic_bool            stop;

    /* set before the thread starts, then read only */
    char                  *url, *out_dir;
    int                    dir_fd;
    double                 duration_s, grace_s, stall_s, segment_s;
    int64_t                max_bytes;
    int64_t                first_seq;   /* the first number to write */
    void                  *user;

    /* under rr->lock */
    struct sv_hls_stats    stats;
    enum sv_hls_end        why;
    char                   error[256];
};

struct sv_av_recorder {
    pthread_mutex_t        lock;
    int                    event_fd;
    struct sv_av_rec      *all;         /* the caller's thread's only */
    struct sv_av_rec      *done_head, *done_tail;   /* under lock */
};

/* --- for a recording's thread (av_rec_engine.c) --- */

/* Publishes the thread's counters (read by sv_av_rec_stats). */
void sv_av_rec_publish(struct sv_av_rec *r, const struct sv_hls_stats *s);

/* The thread's last act: queues r's event and wakes the descriptor. */
void sv_av_rec_finish(struct sv_av_rec *r, enum sv_hls_end why,
                      const char *error);

/* av_rec_thread.c */
void *sv_av_rec_run(void *arg);

#endif /* SV_AV_REC_INT_H */
