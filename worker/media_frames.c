/*
 * Video frames at chosen times (see media_frames.h).
 */

#include "media_frames.h"

#include <stdio.h>
#include <stdlib.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "media_check.h"

/* alive is asked after this many packets read. */
#define ALIVE_EVERY_PACKETS  32

struct sv_frames {
    AVFormatContext *fmt;
    AVCodecContext  *dec;
    AVPacket        *pkt;
    AVFrame         *next;          /* being decoded */
    AVFrame         *shown;         /* the last frame decoded */
    int              stream;
    int64_t          start;         /* the stream's first timestamp */
    bool             at_end;        /* the decoder was drained */
};

void
sv_frames_close(struct sv_frames *f)
{
    if (f == NULL) {
        return;
    }
    av_frame_free(&f->next);
    av_frame_free(&f->shown);
    av_packet_free(&f->pkt);
    avcodec_free_context(&f->dec);
    avformat_close_input(&f->fmt);
    free(f);
}

static bool
open_decoder(struct sv_frames *f, char *err, size_t errlen)
{
    const AVCodec *codec = NULL;
    AVStream      *st;
    int            e;

    f->stream = av_find_best_stream(f->fmt, AVMEDIA_TYPE_VIDEO, -1, -1,
                                    &codec, 0);
    if (f->stream < 0) {
        return sv_media_av_fail(f->stream, "no decodable video stream", err,
                                errlen);
    }
    st = f->fmt->streams[f->stream];
    f->start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    f->dec = avcodec_alloc_context3(codec);
    f->pkt = av_packet_alloc();
    f->next = av_frame_alloc();
    f->shown = av_frame_alloc();
    if (f->dec == NULL || f->pkt == NULL || f->next == NULL
        || f->shown == NULL) {
        return sv_media_av_fail(AVERROR(ENOMEM), "decoder", err, errlen);
    }
    e = avcodec_parameters_to_context(f->dec, st->codecpar);
    if (e >= 0) {
        e = avcodec_open2(f->dec, codec, NULL);
    }
    return e >= 0 || sv_media_av_fail(e, "cannot open the decoder", err,
                                      errlen);
}

bool
sv_frames_open(const char *path, struct sv_frames **out, double *duration_s,
               char *err, size_t errlen)
{
    struct sv_frames *f = calloc(1, sizeof(*f));

    *out = NULL;
    if (f == NULL) {
        return sv_media_av_fail(AVERROR(ENOMEM), "frames", err, errlen);
    }
    if (!sv_media_open(path, &f->fmt, err, errlen)
        || !open_decoder(f, err, errlen)) {
        sv_frames_close(f);
        return false;
    }
    if (f->fmt->duration == AV_NOPTS_VALUE || f->fmt->duration <= 0) {
        snprintf(err, errlen, "its duration is unknown");
        sv_frames_close(f);
        return false;
    }
    *duration_s = (double) f->fmt->duration / AV_TIME_BASE;
    *out = f;
    return true;
}

void
sv_frames_display_size(const struct sv_frames *f, int *w, int *h)
{
    AVRational sar = f->fmt->streams[f->stream]->codecpar->sample_aspect_ratio;

    *w = f->dec->width;
    *h = f->dec->height;
    if (sar.num > 0 && sar.den > 0) {
        *w = (int) av_rescale(*w, sar.num, sar.den);
    }
}

static int64_t
shown_ts(const struct sv_frames *f)
{
    return f->shown->best_effort_timestamp;
}

/* Whether decoding on from where the decoder is reaches target without
 * skipping its keyframe: the last frame shown lies at or after the
 * keyframe before target (from the demuxer's index), and before target. */
static bool
can_decode_on(const struct sv_frames *f, int64_t target)
{
    const AVStream      *st = f->fmt->streams[f->stream];
    const AVIndexEntry  *key;

    if (f->at_end || f->shown->buf[0] == NULL
        || shown_ts(f) == AV_NOPTS_VALUE || shown_ts(f) > target) {
        return false;
    }
    key = avformat_index_get_entry_from_timestamp((AVStream *) st, target,
                                                  AVSEEK_FLAG_BACKWARD);
    return key != NULL && shown_ts(f) >= key->timestamp;
}

static bool
seek_before(struct sv_frames *f, int64_t target, char *err, size_t errlen)
{
    int e = av_seek_frame(f->fmt, f->stream, target, AVSEEK_FLAG_BACKWARD);

    if (e < 0) {
        return sv_media_av_fail(e, "cannot seek", err, errlen);
    }
    avcodec_flush_buffers(f->dec);
    av_frame_unref(f->shown);
    f->at_end = false;
    return true;
}

/* Takes the frames the decoder has; *reached when one lies at or past
 * target (it is then the one shown, or the one before it is). */
static bool
take_frames(struct sv_frames *f, int64_t target, bool *reached, char *err,
            size_t errlen)
{
    int e = 0;

    while (!*reached && (e = avcodec_receive_frame(f->dec, f->next)) >= 0) {
        int64_t ts = f->next->best_effort_timestamp;

        /* The frame before target stays shown when the next one comes
         * after target: it is what a player shows at target. */
        if (ts != AV_NOPTS_VALUE && ts > target && f->shown->buf[0] != NULL) {
            *reached = true;
            av_frame_unref(f->next);
            break;
        }
        av_frame_unref(f->shown);
        av_frame_move_ref(f->shown, f->next);
        *reached = ts != AV_NOPTS_VALUE && ts >= target;
    }
    if (!*reached && e == AVERROR_EOF) {
        f->at_end = true;
        return true;
    }
    return *reached || e == AVERROR(EAGAIN)
           || sv_media_av_fail(e, "decoding", err, errlen);
}

/* Reads and decodes until a frame at or past target, or the end. */
static bool
decode_to(struct sv_frames *f, int64_t target, bool (*alive)(void *ctx),
          void *ctx, char *err, size_t errlen)
{
    bool     reached = false;
    unsigned packets = 0;

    while (!reached && !f->at_end) {
        int e = av_read_frame(f->fmt, f->pkt);

        if (e == AVERROR_EOF) {
            e = avcodec_send_packet(f->dec, NULL);
        } else if (e < 0) {
            return sv_media_av_fail(e, "reading", err, errlen);
        } else if (f->pkt->stream_index != f->stream) {
            av_packet_unref(f->pkt);
            continue;
        } else {
            e = avcodec_send_packet(f->dec, f->pkt);
            av_packet_unref(f->pkt);
        }
        if (e < 0 && e != AVERROR_EOF && e != AVERROR(EAGAIN)) {
            return sv_media_av_fail(e, "decoding", err, errlen);
        }
        if (!take_frames(f, target, &reached, err, errlen)) {
            return false;
        }
        if (++packets % ALIVE_EVERY_PACKETS == 0 && !alive(ctx)) {
            snprintf(err, errlen, "stopped");
            return false;
        }
    }
    return true;
}

const AVFrame *
sv_frames_at(struct sv_frames *f, double t_s, bool (*alive)(void *ctx),
             void *ctx, char *err, size_t errlen)
{
    const AVStream *st = f->fmt->streams[f->stream];
    int64_t         target = f->start
                             + av_rescale_q((int64_t) (t_s * AV_TIME_BASE),
                                            AV_TIME_BASE_Q, st->time_base);

    if (!can_decode_on(f, target) && !seek_before(f, target, err, errlen)) {
        return NULL;
    }
    if (!decode_to(f, target, alive, ctx, err, errlen)) {
        return NULL;
    }
    if (f->shown->buf[0] == NULL) {
        snprintf(err, errlen, "no frame decodes at %.3f s", t_s);
        return NULL;
    }
    return f->shown;
}
