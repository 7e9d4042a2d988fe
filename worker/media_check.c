/*
 * Checks of a media file with libav (see media_check.h).
 */

#include "media_check.h"

#include <inttypes.h>
#include <stdio.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

struct decoder {
    AVFormatContext *fmt;
    AVCodecContext  *dec;
    AVPacket        *pkt;
    AVFrame         *frame;
    int              stream;
    unsigned long    frames;        /* decoded without error */
};

bool
sv_media_av_fail(int averr, const char *what, char *err, size_t errlen)
{
    char why[AV_ERROR_MAX_STRING_SIZE] = "";

    av_strerror(averr, why, sizeof(why));
    snprintf(err, errlen, "%s: %s", what, why);
    return false;
}

bool
sv_media_open(const char *path, AVFormatContext **fmt, char *err,
              size_t errlen)
{
    int e = avformat_open_input(fmt, path, NULL, NULL);

    if (e < 0) {
        return sv_media_av_fail(e, "cannot open", err, errlen);
    }
    e = avformat_find_stream_info(*fmt, NULL);
    if (e < 0) {
        avformat_close_input(fmt);
        return sv_media_av_fail(e, "cannot read its stream headers", err,
                                errlen);
    }
    return true;
}

bool
sv_media_info(const char *path, struct sv_media_info *info, char *err,
              size_t errlen)
{
    AVFormatContext *fmt = NULL;

    if (!sv_media_open(path, &fmt, err, errlen)) {
        return false;
    }
    *info = (struct sv_media_info) {
        .duration_s = fmt->duration != AV_NOPTS_VALUE
                      ? (double) fmt->duration / AV_TIME_BASE : -1,
    };
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        enum AVMediaType kind = fmt->streams[i]->codecpar->codec_type;

        info->video += kind == AVMEDIA_TYPE_VIDEO;
        info->audio += kind == AVMEDIA_TYPE_AUDIO;
    }
    avformat_close_input(&fmt);
    if (info->duration_s < 0) {
        snprintf(err, errlen, "its duration is unknown");
        return false;
    }
    return true;
}

static void
close_decoder(struct decoder *d)
{
    av_frame_free(&d->frame);
    av_packet_free(&d->pkt);
    avcodec_free_context(&d->dec);
    avformat_close_input(&d->fmt);
}

static bool
open_decoder(const char *path, struct decoder *d, char *err, size_t errlen)
{
    const AVCodec *codec = NULL;
    int            e;

    if (!sv_media_open(path, &d->fmt, err, errlen)) {
        return false;
    }
    d->stream = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1,
                                    &codec, 0);
    if (d->stream < 0) {
        d->stream = av_find_best_stream(d->fmt, AVMEDIA_TYPE_AUDIO, -1, -1,
                                        &codec, 0);
    }
    if (d->stream < 0) {
        return sv_media_av_fail(d->stream, "no decodable video or audio "
                                "stream", err, errlen);
    }
    d->dec = avcodec_alloc_context3(codec);
    d->pkt = av_packet_alloc();
    d->frame = av_frame_alloc();
    if (d->dec == NULL || d->pkt == NULL || d->frame == NULL) {
        return sv_media_av_fail(AVERROR(ENOMEM), "decoder", err, errlen);
    }
    e = avcodec_parameters_to_context(d->dec,
                                      d->fmt->streams[d->stream]->codecpar);
    /* One thread: errors then belong to the packet just sent. Explode:
     * damage is an error here, not something to conceal. */
    d->dec->thread_count = 1;
    d->dec->err_recognition |= AV_EF_EXPLODE;
    if (e >= 0) {
        e = avcodec_open2(d->dec, codec, NULL);
    }
    return e >= 0 || sv_media_av_fail(e, "cannot open the decoder", err,
                                      errlen);
}

/* Sends pkt (NULL: the end) and takes every frame that comes out. */
static bool
decode(struct decoder *d, const AVPacket *pkt, char *err, size_t errlen)
{
    int e = avcodec_send_packet(d->dec, pkt);

    if (e < 0 && e != AVERROR_EOF) {
        return sv_media_av_fail(e, "decoding", err, errlen);
    }
    while ((e = avcodec_receive_frame(d->dec, d->frame)) >= 0) {
        bool corrupt = (d->frame->flags & AV_FRAME_FLAG_CORRUPT) != 0
                       || d->frame->decode_error_flags != 0;

        av_frame_unref(d->frame);
        if (corrupt) {
            snprintf(err, errlen, "frame %lu decodes corrupt", d->frames + 1);
            return false;
        }
        d->frames++;
    }
    if (e != AVERROR(EAGAIN) && e != AVERROR_EOF) {
        return sv_media_av_fail(e, "decoding", err, errlen);
    }
    return true;
}

/* Moves to the last keyframe: its stream's end, seeking backwards. */
static bool
seek_last_keyframe(struct decoder *d, char *err, size_t errlen)
{
    const AVStream *st = d->fmt->streams[d->stream];
    int64_t         start = st->start_time != AV_NOPTS_VALUE
                            ? st->start_time : 0;
    int64_t         length = st->duration;
    int             e;

    if (length == AV_NOPTS_VALUE || length <= 0) {
        length = av_rescale_q(d->fmt->duration, AV_TIME_BASE_Q,
                              st->time_base);
    }
    e = av_seek_frame(d->fmt, d->stream, start + length,
                      AVSEEK_FLAG_BACKWARD);
    return e >= 0 || sv_media_av_fail(e, "cannot seek to the last keyframe",
                                      err, errlen);
}

/* Reads and decodes the chosen stream's packets: from its first keyframe,
 * up to the next keyframe when stop_at_next_key, else to the end. */
static bool
decode_packets(struct decoder *d, bool stop_at_next_key, char *err,
               size_t errlen)
{
    bool keyed = false, ok = true;
    int  e;

    while (ok && (e = av_read_frame(d->fmt, d->pkt)) >= 0) {
        bool key = (d->pkt->flags & AV_PKT_FLAG_KEY) != 0;

        if (d->pkt->stream_index != d->stream || (!keyed && !key)) {
            av_packet_unref(d->pkt);
            continue;
        }
        if (keyed && key && stop_at_next_key) {
            av_packet_unref(d->pkt);
            return decode(d, NULL, err, errlen);
        }
        keyed = true;
        if ((d->pkt->flags & AV_PKT_FLAG_CORRUPT) != 0) {
            snprintf(err, errlen, "a packet at %" PRId64 " is corrupt",
                     d->pkt->pts);
            ok = false;
        } else {
            ok = decode(d, d->pkt, err, errlen);
        }
        av_packet_unref(d->pkt);
    }
    if (!ok) {
        return false;
    }
    if (e != AVERROR_EOF) {
        return sv_media_av_fail(e, "reading", err, errlen);
    }
    return decode(d, NULL, err, errlen);
}

bool
sv_media_decode_gop(const char *path, enum sv_gop which, char *err,
                    size_t errlen)
{
    struct decoder d = { 0 };
    bool           ok = open_decoder(path, &d, err, errlen)
                        && (which == SV_GOP_FIRST
                            || seek_last_keyframe(&d, err, errlen))
                        && decode_packets(&d, which == SV_GOP_FIRST, err,
                                          errlen);

    if (ok && d.frames == 0) {
        snprintf(err, errlen, "no frame decodes");
        ok = false;
    }
    close_decoder(&d);
    return ok;
}
