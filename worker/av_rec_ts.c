/*
 * One segment of a libavformat recording (see av_rec_ts.h).
 */

#include "av_rec_ts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/error.h>
#include <libavutil/mem.h>

#include "hls_segment_file.h"

#define TS_BUFFER_SIZE  (64 * 1024)

struct sv_av_ts {
    AVFormatContext *oc;
    int              dir_fd, fd;
    int64_t          seq, bytes;
    int              write_errno;       /* the first write error, or 0 */
    AVRational       in_tb[SV_AV_TS_STREAMS_MAX];
};

static int
write_part(void *opaque, uint8_t *buf, int len)
{
    struct sv_av_ts *t = opaque;

    if (!sv_hls_part_write(t->fd, (const char *) buf, (size_t) len,
                           &t->write_errno)) {
        return AVERROR(t->write_errno);
    }
    t->bytes += len;
    return len;
}

static void
ts_free(struct sv_av_ts *t)
{
    if (t->oc != NULL) {
        if (t->oc->pb != NULL) {
            av_freep(&t->oc->pb->buffer);
            avio_context_free(&t->oc->pb);
        }
        avformat_free_context(t->oc);
    }
    if (t->fd >= 0) {
        close(t->fd);
        sv_hls_part_discard(t->dir_fd, t->seq);
    }
    free(t);
}

/* The muxer on the .part file, with the streams and their header. */
static int
ts_start(struct sv_av_ts *t, AVStream *const *streams, unsigned n)
{
    uint8_t *buf;
    int      rc;

    rc = avformat_alloc_output_context2(&t->oc, NULL, "mpegts", NULL);
    if (rc < 0) {
        return rc;
    }
    buf = av_malloc(TS_BUFFER_SIZE);
    if (buf == NULL) {
        return AVERROR(ENOMEM);
    }
    t->oc->pb = avio_alloc_context(buf, TS_BUFFER_SIZE, 1, t, NULL,
                                   write_part, NULL);
    if (t->oc->pb == NULL) {
        av_free(buf);
        return AVERROR(ENOMEM);
    }
    for (unsigned i = 0; i < n; i++) {
        AVStream *st = avformat_new_stream(t->oc, NULL);

        if (st == NULL) {
            return AVERROR(ENOMEM);
        }
        rc = avcodec_parameters_copy(st->codecpar, streams[i]->codecpar);
        if (rc < 0) {
            return rc;
        }
        /* The source container's tag means nothing in MPEG-TS. */
        st->codecpar->codec_tag = 0;
        st->time_base = streams[i]->time_base;
        t->in_tb[i] = streams[i]->time_base;
    }
    return avformat_write_header(t->oc, NULL);
}

struct sv_av_ts *
sv_av_ts_open(int dir_fd, int64_t seq, AVStream *const *streams, unsigned n,
              char *err, size_t errlen)
{
    struct sv_av_ts *t = calloc(1, sizeof(*t));
    int              rc;

    if (t == NULL || n == 0 || n > SV_AV_TS_STREAMS_MAX) {
        snprintf(err, errlen, t == NULL ? "out of memory"
                 : "no stream to record");
        free(t);
        return NULL;
    }
    t->dir_fd = dir_fd;
    t->seq = seq;
    t->fd = sv_hls_part_open(dir_fd, seq);
    if (t->fd < 0) {
        snprintf(err, errlen, "cannot create %012lld.ts.part: %s",
                 (long long) seq, strerror(errno));
        free(t);
        return NULL;
    }
    rc = ts_start(t, streams, n);
    if (rc < 0) {
        snprintf(err, errlen, "cannot start an MPEG-TS segment: %s",
                 t->write_errno != 0 ? strerror(t->write_errno)
                 : av_err2str(rc));
        ts_free(t);
        return NULL;
    }
    return t;
}

bool
sv_av_ts_write(struct sv_av_ts *t, AVPacket *pkt, char *err, size_t errlen)
{
    int rc;

    av_packet_rescale_ts(pkt, t->in_tb[pkt->stream_index],
                         t->oc->streams[pkt->stream_index]->time_base);
    pkt->pos = -1;
    rc = av_write_frame(t->oc, pkt);
    av_packet_unref(pkt);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write %012lld.ts.part: %s",
                 (long long) t->seq, t->write_errno != 0
                 ? strerror(t->write_errno) : av_err2str(rc));
        return false;
    }
    return true;
}

int64_t
sv_av_ts_bytes(const struct sv_av_ts *t)
{
    return t->bytes;
}

bool
sv_av_ts_close(struct sv_av_ts **tp, bool keep, double duration_s,
               const char *dir_name, int64_t *bytes, char *err,
               size_t errlen)
{
    struct sv_av_ts *t = *tp;
    bool             ok = true;
    int              rc;

    *tp = NULL;
    *bytes = 0;
    if (keep) {
        /* The trailer writes what the muxer still holds (audio it packs
         * into larger PES packets). */
        rc = av_write_trailer(t->oc);
        avio_flush(t->oc->pb);
        if (rc >= 0 && t->oc->pb->error < 0) {
            rc = t->oc->pb->error;
        }
        if (rc < 0) {
            snprintf(err, errlen, "cannot finish %012lld.ts.part: %s",
                     (long long) t->seq, t->write_errno != 0
                     ? strerror(t->write_errno) : av_err2str(rc));
            ok = false;
        } else if (t->bytes > 0) {
            ok = sv_hls_part_commit(t->dir_fd, dir_name, t->seq, duration_s,
                                    &t->fd, err, errlen);
            *bytes = ok ? t->bytes : 0;
        }
    }
    ts_free(t);
    return ok;
}
