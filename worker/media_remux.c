/*
 * Remuxing segments into one fragmented MP4 (see media_remux.h).
 */

#include "media_remux.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>

#include "media_output.h"

#define MAX_STREAMS        16
#define KEEP_GOING_EVERY   256          /* packets */
/* An input whose shifted start is this close to the previous end simply
 * continues it (the recorder's segments carry running timestamps); further
 * off, its timestamps restarted or jumped and it is moved to follow on. */
#define CONTINUE_US        500000
/* Inside one input, a dts this far ahead, or this far back, of where its
 * stream was is a discontinuity (a TS timestamp reset); it is closed up. */
#define JUMP_AHEAD_US      1000000
#define JUMP_BACK_US       100000

static const AVRational US = { 1, AV_TIME_BASE };

struct out_stream {
    enum AVMediaType kind;
    int              ordinal;       /* nth stream of its kind */
    enum AVCodecID   codec;
    int64_t          last_dts;      /* output time base; INT64_MIN: none */
    int64_t          next_us;       /* the expected next dts */
    AVBSFContext    *bsf;           /* AAC: ADTS frames -> raw, or NULL */
};

struct remux {
    const struct sv_remux_request *req;
    AVFormatContext               *out;
    struct out_stream              streams[MAX_STREAMS];
    int                            count;
    bool                           started;     /* header written */
    int64_t                        end_us;      /* latest pts + duration */
    int64_t                        offset_us;   /* the current input's */
    unsigned long                  packets;
    char                          *err;
    size_t                         errlen;
};

static int
fail(struct remux *r, size_t input, int averr, const char *what)
{
    char why[AV_ERROR_MAX_STRING_SIZE] = "";

    if (averr < 0) {
        av_strerror(averr, why, sizeof(why));
    }
    snprintf(r->err, r->errlen, "input %zu (%s): %s%s%s", input + 1,
             r->req->inputs[input], what, averr < 0 ? ": " : "", why);
    return -1;
}

static bool
copied_kind(enum AVMediaType kind)
{
    return kind == AVMEDIA_TYPE_VIDEO || kind == AVMEDIA_TYPE_AUDIO;
}

/* Maps each input stream to an output stream (-1: not copied), by kind and
 * order of appearance; the first input defines the output's streams. */
static int
map_streams(struct remux *r, size_t input, AVFormatContext *in, int *map)
{
    int seen[AVMEDIA_TYPE_NB] = { 0 };

    for (unsigned i = 0; i < in->nb_streams && i < MAX_STREAMS; i++) {
        AVCodecParameters *par = in->streams[i]->codecpar;
        int                ordinal, o;

        map[i] = -1;
        if (!copied_kind(par->codec_type)) {
            continue;
        }
        ordinal = seen[par->codec_type]++;
        for (o = 0; o < r->count; o++) {
            if (r->streams[o].kind == par->codec_type
                && r->streams[o].ordinal == ordinal) {
                break;
            }
        }
        if (o < r->count) {
            if (r->streams[o].codec != par->codec_id) {
                return fail(r, input, 0, "a stream's codec differs from "
                            "the first input's");
            }
            map[i] = o;
            continue;
        }
        if (r->started || r->count == MAX_STREAMS) {
            continue;           /* a stream the output has no room for */
        }

        AVStream *st = avformat_new_stream(r->out, NULL);

        if (st == NULL || avcodec_parameters_copy(st->codecpar, par) < 0) {
            return fail(r, input, AVERROR(ENOMEM), "adding a stream");
        }
        st->codecpar->codec_tag = 0;
        st->time_base = in->streams[i]->time_base;
        r->streams[o] = (struct out_stream) {
            .kind = par->codec_type, .ordinal = ordinal,
            .codec = par->codec_id, .last_dts = INT64_MIN,
        };
        map[i] = r->count++;
    }
    if (r->count == 0) {
        return fail(r, input, 0, "no audio or video stream");
    }
    return 0;
}

/* MPEG-TS carries AAC as ADTS frames; MP4 wants them raw with the config
 * in the moov (libavformat inserts no filter for that with empty_moov).
 * The filter passes raw AAC (from fMP4 inputs) through. */
static int
add_adts_filter(struct out_stream *os, const AVStream *st)
{
    const AVBitStreamFilter *f = av_bsf_get_by_name("aac_adtstoasc");
    int                      e;

    if (os->codec != AV_CODEC_ID_AAC) {
        return 0;
    }
    if (f == NULL) {
        return AVERROR_BSF_NOT_FOUND;
    }
    e = av_bsf_alloc(f, &os->bsf);
    if (e >= 0) {
        e = avcodec_parameters_copy(os->bsf->par_in, st->codecpar);
    }
    if (e >= 0) {
        os->bsf->time_base_in = st->time_base;
        e = av_bsf_init(os->bsf);
    }
    return e;
}

/* Writes pkt (output time base) to stream o, through its filter if any. */
static int
write_packet(struct remux *r, int o, AVPacket *pkt)
{
    AVBSFContext *bsf = r->streams[o].bsf;
    int           e;

    if (bsf == NULL) {
        return av_interleaved_write_frame(r->out, pkt);
    }
    e = av_bsf_send_packet(bsf, pkt);
    while (e >= 0) {
        e = av_bsf_receive_packet(bsf, pkt);
        if (e >= 0) {
            pkt->stream_index = o;
            e = av_interleaved_write_frame(r->out, pkt);
        }
    }
    return e == AVERROR(EAGAIN) || e == AVERROR_EOF ? 0 : e;
}

/* The request's chapters on the output, in ms; before the header, which
 * carries them. */
static int
add_chapters(struct remux *r)
{
    const struct sv_remux_request *req = r->req;

    if (req->chapter_count == 0) {
        return 0;
    }
    r->out->chapters = av_calloc(req->chapter_count,
                                 sizeof(*r->out->chapters));
    if (r->out->chapters == NULL) {
        return AVERROR(ENOMEM);
    }
    for (size_t i = 0; i < req->chapter_count; i++) {
        const struct sv_chapter *c = &req->chapters[i];
        AVChapter               *ch = av_mallocz(sizeof(*ch));

        if (ch == NULL) {
            return AVERROR(ENOMEM);
        }
        /* Counted as soon as it is there: avformat_free_context frees it. */
        r->out->chapters[r->out->nb_chapters++] = ch;
        ch->id = (int64_t) i;
        ch->time_base = (AVRational) { 1, 1000 };
        ch->start = c->start_ms;
        ch->end = i + 1 < req->chapter_count
                  ? c->end_ms : c->start_ms + SV_REMUX_LAST_CHAPTER_MS;
        if (av_dict_set(&ch->metadata, "title", c->name, 0) < 0) {
            return AVERROR(ENOMEM);
        }
    }
    return 0;
}

static int
write_header(struct remux *r, size_t input)
{
    const struct sv_remux_meta *m = &r->req->meta;
    AVDictionary               *opts = NULL;
    int                         e;

    av_dict_set(&r->out->metadata, "title", m->title, 0);
    av_dict_set(&r->out->metadata, "artist", m->artist, 0);
    av_dict_set(&r->out->metadata, "date", m->date, 0);
    /* delay_moov: the moov still comes first, but is written once the
     * first packets have given AAC from MPEG-TS its decoder config. */
    av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov"
                "+default_base_moof+delay_moov", 0);
    av_dict_set_int(&opts, "min_frag_duration", SV_REMUX_MIN_FRAGMENT_US, 0);
    r->out->pb = sv_media_output_open(r->req->output);
    e = r->out->pb != NULL ? add_chapters(r) : AVERROR(errno);
    if (e >= 0) {
        e = avformat_write_header(r->out, &opts);
    }
    av_dict_free(&opts);
    for (int o = 0; e >= 0 && o < r->count; o++) {
        e = add_adts_filter(&r->streams[o], r->out->streams[o]);
    }
    if (e < 0) {
        return fail(r, input, e, "starting the output");
    }
    r->started = true;
    return 0;
}

/* Where this input's timestamps go: on from the previous input's end.
 * Its start is the probed start time, or that of its first packet when it
 * was not probed. */
static void
place_input(struct remux *r, size_t input, const AVFormatContext *in,
            const AVPacket *first)
{
    AVRational tb = in->streams[first->stream_index]->time_base;
    int64_t    ts = first->pts != AV_NOPTS_VALUE ? first->pts : first->dts;
    int64_t    start = in->start_time != AV_NOPTS_VALUE ? in->start_time
                       : ts != AV_NOPTS_VALUE ? av_rescale_q(ts, tb, US) : 0;

    if (input == 0 || llabs(start + r->offset_us - r->end_us) > CONTINUE_US) {
        r->offset_us = r->end_us - start;
    }
}

/* Shifts pkt (in the input's time base) onto the output's time line. */
static void
retime(struct remux *r, struct out_stream *os, AVPacket *pkt, AVRational in,
       AVRational out)
{
    int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    int64_t dts_us, dur_us = av_rescale_q(pkt->duration, in, US);

    if (dts == AV_NOPTS_VALUE) {
        dts_us = os->last_dts != INT64_MIN ? os->next_us : r->end_us;
        dts = av_rescale_q(dts_us - r->offset_us, US, in);
        if (pkt->pts == AV_NOPTS_VALUE) {
            pkt->pts = dts;
        }
    }
    dts_us = av_rescale_q(dts, in, US) + r->offset_us;
    if (os->last_dts != INT64_MIN
        && (dts_us > os->next_us + JUMP_AHEAD_US
            || dts_us < os->next_us - JUMP_BACK_US)) {
        r->offset_us += os->next_us - dts_us;
        dts_us = os->next_us;
    }

    int64_t shift = av_rescale_q(r->offset_us, US, out);

    pkt->dts = av_rescale_q(dts, in, out) + shift;
    pkt->pts = pkt->pts != AV_NOPTS_VALUE
               ? av_rescale_q(pkt->pts, in, out) + shift : pkt->dts;
    pkt->duration = av_rescale_q(pkt->duration, in, out);
    if (os->last_dts != INT64_MIN && pkt->dts <= os->last_dts) {
        pkt->dts = os->last_dts + 1;    /* the muxer needs rising dts */
    }
    if (pkt->pts < pkt->dts) {
        pkt->pts = pkt->dts;
    }
    os->last_dts = pkt->dts;
    os->next_us = dts_us + dur_us;

    int64_t end_us = av_rescale_q(pkt->pts + pkt->duration, out, US);

    if (end_us > r->end_us) {
        r->end_us = end_us;
    }
}

/* How far the remux is: whole inputs, plus this one's share read. */
static double
done(const struct remux *r, size_t input, AVFormatContext *in)
{
    int64_t size = in->pb != NULL ? avio_size(in->pb) : -1;
    double  part = size > 0 ? (double) avio_tell(in->pb) / (double) size : 0;

    return ((double) input + (part < 1 ? part : 1)) / (double) r->req->count;
}

static int
copy_packets(struct remux *r, size_t input, AVFormatContext *in,
             const int *map)
{
    AVPacket *pkt = av_packet_alloc();
    bool      placed = false;
    int       e = 0;

    if (pkt == NULL) {
        return fail(r, input, AVERROR(ENOMEM), "reading");
    }
    while ((e = av_read_frame(in, pkt)) >= 0) {
        unsigned si = (unsigned) pkt->stream_index;
        int      o = si < in->nb_streams && si < MAX_STREAMS ? map[si] : -1;

        if (o >= 0 && !placed) {
            place_input(r, input, in, pkt);
            placed = true;
        }
        if (o >= 0) {
            retime(r, &r->streams[o], pkt, in->streams[si]->time_base,
                   r->out->streams[o]->time_base);
            pkt->stream_index = o;
            pkt->pos = -1;
            e = write_packet(r, o, pkt);
            if (e < 0) {
                av_packet_free(&pkt);
                return fail(r, input, e, "writing");
            }
        }
        av_packet_unref(pkt);
        if (++r->packets % KEEP_GOING_EVERY == 0 && r->req->keep_going
            && !r->req->keep_going(r->req->ctx, done(r, input, in))) {
            av_packet_free(&pkt);
            return fail(r, input, 0, "interrupted");
        }
    }
    av_packet_free(&pkt);
    return e == AVERROR_EOF ? 0 : fail(r, input, e, "reading");
}

/* Probing an input (decoding its first frames) costs as much CPU as
 * copying it. The first input is probed: it defines the output's codec
 * parameters. The others only need their streams' kinds and codecs, which
 * MPEG-TS knows from its PMT once opened; probe them only if not. */
static bool
probed_enough(const struct remux *r, const AVFormatContext *in)
{
    bool any = false;

    if (!r->started) {
        return false;
    }
    for (unsigned i = 0; i < in->nb_streams; i++) {
        const AVCodecParameters *par = in->streams[i]->codecpar;

        if (copied_kind(par->codec_type)) {
            if (par->codec_id == AV_CODEC_ID_NONE) {
                return false;
            }
            any = true;
        }
    }
    return any;
}

static int
remux_input(struct remux *r, size_t input)
{
    AVFormatContext *in = NULL;
    int              map[MAX_STREAMS], e;

    e = avformat_open_input(&in, r->req->inputs[input], NULL, NULL);
    if (e < 0) {
        return fail(r, input, e, "opening");
    }
    e = probed_enough(r, in) ? 0 : avformat_find_stream_info(in, NULL);
    if (e < 0) {
        e = fail(r, input, e, "reading its stream layout");
    } else if ((e = map_streams(r, input, in, map)) == 0
               && (r->started || (e = write_header(r, input)) == 0)) {
        e = copy_packets(r, input, in, map);
    }
    avformat_close_input(&in);
    return e;
}

int
sv_remux(const struct sv_remux_request *req, char *err, size_t errlen)
{
    struct remux r = { .req = req, .err = err, .errlen = errlen };
    int          rc = 0;

    if (avformat_alloc_output_context2(&r.out, NULL, "mp4", NULL) < 0) {
        snprintf(err, errlen, "cannot set up the mp4 muxer");
        return -1;
    }
    for (size_t i = 0; i < req->count && rc == 0; i++) {
        rc = remux_input(&r, i);
    }
    if (r.started) {
        int e = av_write_trailer(r.out);

        if (rc == 0 && e < 0) {
            rc = fail(&r, req->count - 1, e, "finishing the output");
        }
    }
    if (sv_media_output_close(&r.out->pb) < 0 && rc == 0) {
        snprintf(err, errlen, "writing %s failed", req->output);
        rc = -1;
    }
    for (int o = 0; o < r.count; o++) {
        av_bsf_free(&r.streams[o].bsf);
    }
    avformat_free_context(r.out);
    return rc;
}
