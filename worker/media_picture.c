/*
 * Still pictures (see media_picture.h).
 */

#include "media_picture.h"

#include <stdio.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media_check.h"
#include "media_save.h"

/* MJPEG quantiser: 2 (best) .. 31; 3 keeps timer digits sharp at a
 * quarter of the size of 2. */
#define JPEG_QSCALE  3

AVFrame *
sv_picture_canvas(int w, int h)
{
    AVFrame *c = av_frame_alloc();

    if (c == NULL) {
        return NULL;
    }
    c->format = AV_PIX_FMT_YUVJ420P;
    c->width = w;
    c->height = h;
    if (av_frame_get_buffer(c, 0) < 0) {
        av_frame_free(&c);
        return NULL;
    }
    /* Black in full range: luma 0, chroma at its middle. */
    for (int y = 0; y < h; y++) {
        memset(c->data[0] + (size_t) y * c->linesize[0], 0, (size_t) w);
    }
    for (int y = 0; y < h / 2; y++) {
        memset(c->data[1] + (size_t) y * c->linesize[1], 128, (size_t) w / 2);
        memset(c->data[2] + (size_t) y * c->linesize[2], 128, (size_t) w / 2);
    }
    return c;
}

bool
sv_picture_paste(AVFrame *canvas, int x, int y, int w, int h,
                 const AVFrame *src, struct SwsContext **sws, char *err,
                 size_t errlen)
{
    uint8_t *dst[4] = {
        canvas->data[0] + (size_t) y * canvas->linesize[0] + x,
        canvas->data[1] + (size_t) (y / 2) * canvas->linesize[1] + x / 2,
        canvas->data[2] + (size_t) (y / 2) * canvas->linesize[2] + x / 2,
        NULL,
    };

    *sws = sws_getCachedContext(*sws, src->width, src->height, src->format,
                                w, h, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC,
                                NULL, NULL, NULL);
    if (*sws == NULL) {
        snprintf(err, errlen, "cannot scale %dx%d (%s) to %dx%d",
                 src->width, src->height,
                 av_get_pix_fmt_name(src->format) != NULL
                 ? av_get_pix_fmt_name(src->format) : "?", w, h);
        return false;
    }
    sws_scale(*sws, (const uint8_t *const *) src->data, src->linesize, 0,
              src->height, dst, canvas->linesize);
    return true;
}

static AVCodecContext *
open_encoder(const AVFrame *canvas, char *err, size_t errlen)
{
    const AVCodec  *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *enc = codec != NULL ? avcodec_alloc_context3(codec)
                                        : NULL;
    int             e;

    if (enc == NULL) {
        sv_media_av_fail(AVERROR_ENCODER_NOT_FOUND, "MJPEG encoder", err,
                         errlen);
        return NULL;
    }
    enc->width = canvas->width;
    enc->height = canvas->height;
    enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
    enc->time_base = (AVRational) { 1, 25 };
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = FF_QP2LAMBDA * JPEG_QSCALE;
    e = avcodec_open2(enc, codec, NULL);
    if (e < 0) {
        sv_media_av_fail(e, "cannot open the MJPEG encoder", err, errlen);
        avcodec_free_context(&enc);
    }
    return enc;
}

bool
sv_picture_save_jpeg(const AVFrame *canvas, const char *rel, char *err,
                     size_t errlen)
{
    AVCodecContext *enc = open_encoder(canvas, err, errlen);
    AVPacket       *pkt = av_packet_alloc();
    AVFrame        *frame = av_frame_clone(canvas);
    bool            ok = false;
    int             e;

    if (enc == NULL || pkt == NULL || frame == NULL) {
        if (enc != NULL) {
            sv_media_av_fail(AVERROR(ENOMEM), "encoding", err, errlen);
        }
        goto out;
    }
    frame->pts = 0;
    frame->quality = enc->global_quality;
    e = avcodec_send_frame(enc, frame);
    if (e >= 0) {
        e = avcodec_receive_packet(enc, pkt);
    }
    if (e < 0) {
        sv_media_av_fail(e, "encoding the JPEG", err, errlen);
        goto out;
    }
    ok = sv_media_save(rel, (const char *) pkt->data, (size_t) pkt->size,
                       err, errlen);
out:
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&enc);
    return ok;
}
