/*
 * A libavformat recording's thread (see av_rec.h): connections one after
 * the other until the recording ends; per connection, packets onto the
 * recording's one timeline, cut into segments, with the limits checked.
 */

#include "av_rec_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/mathematics.h>

#include "av_rec_input.h"
#include "av_rec_ts.h"
#include "backoff.h"
#include "clock.h"
#include "hls_segment_file.h"
#include "log.h"

#define RECONNECT_BASE_MS   250u
#define RECONNECT_CAP_MS    4000u
#define PAUSE_STEP_MS       50
#define PACKET_MAX          (32 * 1024 * 1024)
/* Where the timeline starts: room for streams that begin a little before
 * the first key frame, so no timestamp is negative. */
#define TIMELINE_START_US   1000000

enum step {
    STEP_GO_ON,
    STEP_LOST,                  /* the connection failed or ended */
    STEP_END,                   /* the recording ends: run->why */
};

struct run {
    struct sv_av_rec    *r;
    struct sv_av_input   in;
    struct sv_av_ts     *seg;           /* in flight, or NULL */
    int64_t              seq;           /* seg's, or the next one's */
    int64_t              seg_start_us;
    struct sv_hls_stats  stats;
    enum sv_hls_end      why;
    char                 error[256];
    const char          *gap;           /* why the next segment follows
                                         * a gap, or NULL */
    bool                 recording;     /* a packet was written */
    bool                 wrote;         /* on this connection */

    int64_t              deadline_ms;   /* of the libav call waiting */
    bool                 timed_out;

    /* the timeline, in microseconds */
    int64_t              end_us;        /* of the latest packet */
    int64_t              offset_us;     /* this connection's; or
                                         * INT64_MIN until its first
                                         * packet */
    bool                 keyed;         /* this connection's first key
                                         * frame came */
    int64_t              last_dts[SV_AV_TS_STREAMS_MAX];
};

static int
interrupted(void *opaque)
{
    struct run *run = opaque;

    if (atomic_load(&run->r->stop)) {
        return 1;
    }
    if (sv_monotonic_ms() >= run->deadline_ms) {
        run->timed_out = true;
        return 1;
    }
    return 0;
}

static enum step
end(struct run *run, enum sv_hls_end why)
{
    run->why = why;
    return STEP_END;
}

/* Sleeps ms unless stopped first (false). */
static bool
pause_ms(struct run *run, int64_t ms)
{
    int64_t until = sv_monotonic_ms() + ms;

    while (!atomic_load(&run->r->stop)) {
        int64_t left = until - sv_monotonic_ms();

        if (left <= 0) {
            return true;
        }
        usleep((useconds_t) (left < PAUSE_STEP_MS ? left : PAUSE_STEP_MS)
               * 1000);
    }
    return false;
}

static bool
close_segment(struct run *run)
{
    struct sv_av_rec *r = run->r;
    int64_t           bytes;

    if (run->seg == NULL) {
        return true;
    }
    /* the segment lasts from its first packet to the end of its last */
    if (!sv_av_ts_close(&run->seg, true,
                        (double) (run->end_us - run->seg_start_us) / 1e6,
                        r->out_dir, &bytes, run->error,
                        sizeof(run->error))) {
        return false;
    }
    if (bytes > 0) {
        run->stats.segments++;
        run->stats.bytes += bytes;
        if (run->stats.first_sequence < 0) {
            run->stats.first_sequence = run->seq;
        }
        run->stats.last_sequence = run->seq;
        sv_log(SV_LOG_DEBUG, "segment written", SV_STR("dir", r->out_dir),
               SV_INT("sequence", run->seq), SV_INT("bytes", bytes));
        run->seq++;
    }
    sv_av_rec_publish(r, &run->stats);
    return true;
}

static bool
open_segment(struct run *run, int64_t start_us)
{
    struct sv_av_rec *r = run->r;

    run->seg = sv_av_ts_open(r->dir_fd, run->seq, run->in.streams,
                             run->in.n, run->error, sizeof(run->error));
    if (run->seg == NULL) {
        return false;
    }
    run->seg_start_us = start_us;
    if (run->gap != NULL) {
        sv_hls_discontinuity_note(r->dir_fd, run->seq, run->gap);
        run->stats.discontinuities++;
        run->gap = NULL;
    }
    return true;
}

/* Moves pkt (of chosen stream out) onto the timeline: false to drop it
 * (before the first key frame, no timestamp, going backwards). */
static bool
place(struct run *run, AVPacket *pkt, int out, bool key)
{
    AVRational tb = run->in.streams[out]->time_base;
    int64_t    shift;

    if (pkt->dts == AV_NOPTS_VALUE) {
        pkt->dts = pkt->pts;
    }
    if (pkt->dts == AV_NOPTS_VALUE || (!run->keyed && !key)) {
        return false;
    }
    run->keyed = true;
    if (run->offset_us == INT64_MIN) {
        run->offset_us = run->end_us - av_rescale_q(pkt->dts, tb,
                                                    AV_TIME_BASE_Q);
    }
    shift = av_rescale_q(run->offset_us, AV_TIME_BASE_Q, tb);
    pkt->dts += shift;
    if (pkt->pts != AV_NOPTS_VALUE) {
        pkt->pts += shift;
    }
    if (pkt->dts < 0 || pkt->dts <= run->last_dts[out]) {
        return false;
    }
    run->last_dts[out] = pkt->dts;
    return true;
}

/* One packet read: placed, cut, written, the limits checked. */
static enum step
take(struct run *run, AVPacket *pkt)
{
    struct sv_av_rec *r = run->r;
    int               out = run->in.map[pkt->stream_index];
    bool              key;
    int64_t           at_us, end_us;
    AVRational        tb;

    /* Not chosen, or known to be cut short (a dropped connection's last
     * packet): decoders would choke on it. */
    if (out < 0 || (pkt->flags & AV_PKT_FLAG_CORRUPT)) {
        av_packet_unref(pkt);
        return STEP_GO_ON;
    }
    if (pkt->size > PACKET_MAX) {
        snprintf(run->error, sizeof(run->error), "a packet of %d bytes",
                 pkt->size);
        av_packet_unref(pkt);
        return STEP_LOST;
    }
    key = run->in.video < 0
          || (out == run->in.video && (pkt->flags & AV_PKT_FLAG_KEY));
    if (!place(run, pkt, out, key)) {
        av_packet_unref(pkt);
        return STEP_GO_ON;
    }
    tb = run->in.streams[out]->time_base;
    at_us = av_rescale_q(pkt->dts, tb, AV_TIME_BASE_Q);
    end_us = at_us + av_rescale_q(pkt->duration > 0 ? pkt->duration : 0,
                                  tb, AV_TIME_BASE_Q);
    if (run->seg != NULL
        && ((key && at_us - run->seg_start_us
                    >= (int64_t) (r->segment_s * 1e6))
            || sv_av_ts_bytes(run->seg) >= SV_HLS_SEGMENT_MAX_BYTES)
        && !close_segment(run)) {
        av_packet_unref(pkt);
        return end(run, SV_HLS_END_FAILED);
    }
    if (run->seg == NULL && !open_segment(run, at_us)) {
        av_packet_unref(pkt);
        return end(run, SV_HLS_END_FAILED);
    }
    pkt->stream_index = out;
    if (!sv_av_ts_write(run->seg, pkt, run->error, sizeof(run->error))) {
        return end(run, SV_HLS_END_FAILED);
    }
    run->recording = true;
    run->wrote = true;
    if (end_us > run->end_us) {
        run->end_us = end_us;
    }
    run->stats.media_s = (double) (run->end_us - TIMELINE_START_US) / 1e6;
    if (r->duration_s > 0 && run->stats.media_s >= r->duration_s) {
        return end(run, SV_HLS_END_DURATION);
    }
    if (r->max_bytes > 0
        && run->stats.bytes + sv_av_ts_bytes(run->seg) >= r->max_bytes) {
        return end(run, SV_HLS_END_SIZE);
    }
    return STEP_GO_ON;
}

static enum step
read_packets(struct run *run, AVPacket *pkt)
{
    struct sv_av_rec *r = run->r;
    int64_t           stall_ms = (int64_t) (r->stall_s * 1000.0);

    for (;;) {
        enum step s;
        int       rc;

        run->deadline_ms = sv_monotonic_ms() + stall_ms;
        rc = av_read_frame(run->in.ic, pkt);
        if (rc < 0) {
            if (atomic_load(&r->stop)) {
                return end(run, SV_HLS_END_STOPPED);
            }
            if (run->timed_out) {
                snprintf(run->error, sizeof(run->error),
                         "no data for %.0f s", r->stall_s);
                return end(run, SV_HLS_END_STALLED);
            }
            if (run->in.finite) {
                /* Read from the start again, it would be twice. */
                if (rc == AVERROR_EOF) {
                    snprintf(run->error, sizeof(run->error), "end of file");
                    return end(run, SV_HLS_END_ENDED);
                }
                sv_av_error(rc, "cannot read the file", run->error,
                            sizeof(run->error));
                return end(run, SV_HLS_END_FAILED);
            }
            if (rc == AVERROR_EOF) {
                snprintf(run->error, sizeof(run->error),
                         "the source ended the stream");
            } else {
                sv_av_error(rc, "cannot read the source", run->error,
                            sizeof(run->error));
            }
            return STEP_LOST;
        }
        s = take(run, pkt);
        if (s != STEP_GO_ON) {
            return s;
        }
    }
}

/* One connection: opened, recorded until it is lost or the recording
 * ends; its segment in flight is closed either way. */
static enum step
connection(struct run *run)
{
    struct sv_av_rec *r = run->r;
    AVIOInterruptCB   cb = { .callback = interrupted, .opaque = run };
    AVPacket         *pkt;
    enum sv_av_open   o;
    enum step         s;

    /* Only a connection that wrote something starts the grace anew; one
     * that failed to open did not. */
    run->wrote = false;
    run->timed_out = false;
    run->deadline_ms = sv_monotonic_ms()
                       + (int64_t) (SV_AV_OPEN_TIMEOUT_S * 1000.0);
    o = sv_av_input_open(&run->in, r->url, r->stall_s + 1.0, &cb,
                         run->error, sizeof(run->error));
    if (atomic_load(&r->stop)) {
        sv_av_input_close(&run->in);
        return end(run, SV_HLS_END_STOPPED);
    }
    if (o == SV_AV_OPEN_REFUSED) {
        return end(run, SV_HLS_END_FAILED);
    }
    if (o != SV_AV_OPEN_OK) {
        if (run->timed_out) {
            snprintf(run->error, sizeof(run->error), "no answer within "
                     "%.0f s", SV_AV_OPEN_TIMEOUT_S);
        }
        return STEP_LOST;
    }
    run->offset_us = INT64_MIN;
    run->keyed = false;
    for (unsigned i = 0; i < SV_AV_TS_STREAMS_MAX; i++) {
        run->last_dts[i] = INT64_MIN;
    }
    pkt = av_packet_alloc();
    if (pkt == NULL) {
        snprintf(run->error, sizeof(run->error), "out of memory");
        s = end(run, SV_HLS_END_FAILED);
    } else {
        s = read_packets(run, pkt);
        av_packet_free(&pkt);
    }
    if (!close_segment(run)) {
        s = end(run, SV_HLS_END_FAILED);
    }
    sv_av_input_close(&run->in);
    if (s == STEP_LOST && run->wrote) {
        run->gap = "reconnect";
    }
    return s;
}

/* Connections until the recording ends; a lost source is tried again
 * with backoff within the grace period once something was recorded. */
static void
record(struct run *run)
{
    struct sv_av_rec *r = run->r;
    int64_t           grace_ms = (int64_t) (r->grace_s * 1000.0);
    int64_t           lost_since = -1;
    unsigned          failures = 0;

    for (;;) {
        int64_t  now, left;
        uint32_t delay;

        if (connection(run) == STEP_END) {
            return;
        }
        if (!run->recording) {
            run->why = SV_HLS_END_FAILED;
            return;
        }
        now = sv_monotonic_ms();
        if (run->wrote || lost_since < 0) {
            lost_since = now;
            failures = 0;
        }
        left = lost_since + grace_ms - now;
        if (left <= 0) {
            run->why = SV_HLS_END_ENDED;
            return;
        }
        delay = sv_backoff_ceiling(RECONNECT_BASE_MS, RECONNECT_CAP_MS,
                                   failures++);
        sv_log(SV_LOG_INFO, "source lost, reconnecting",
               SV_STR("dir", r->out_dir), SV_STR("error", run->error),
               SV_INT("retry_in_ms", delay),
               SV_INT("grace_left_ms", left));
        if (!pause_ms(run, delay < left ? delay : left)) {
            run->why = SV_HLS_END_STOPPED;
            return;
        }
        run->stats.retries++;
        sv_av_rec_publish(r, &run->stats);
    }
}

void *
sv_av_rec_run(void *arg)
{
    struct run run = {
        .r = arg, .seq = ((struct sv_av_rec *) arg)->first_seq,
        .end_us = TIMELINE_START_US,
        .stats = { .first_sequence = -1, .last_sequence = -1 },
    };

    sv_av_log_capture();
    if (run.seq > 0) {
        run.gap = "resume";
    }
    record(&run);
    sv_av_rec_publish(run.r, &run.stats);
    sv_av_rec_finish(run.r, run.why, run.why == SV_HLS_END_STOPPED
                     || run.why == SV_HLS_END_DURATION
                     || run.why == SV_HLS_END_SIZE ? NULL : run.error);
    return NULL;
}
