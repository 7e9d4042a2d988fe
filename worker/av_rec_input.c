/*
 * A libavformat recording's source connection (see av_rec_input.h).
 */

#include "av_rec_input.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>

/* No file, pipe or playlist protocol: a hostile source must not make
 * libav read local files or fan out. */
#define PROTOCOLS  "tcp,tls,udp,rtp,srtp,srt,rtmp,rtmps,rtmpt,rtmpts," \
                   "ffrtmphttp,http,https,httpproxy"

/* Bounds what probing reads and holds per recording. */
#define PROBE_BYTES    "2000000"
#define PROBE_USEC     "3000000"

#define USER_AGENT     "StreamVault"

static pthread_once_t       hook_once = PTHREAD_ONCE_INIT;
static __thread bool        capturing;
static __thread char        last_message[200];

static void
log_hook(void *avcl, int level, const char *fmt, va_list vl)
{
    size_t len;

    if (!capturing) {
        av_log_default_callback(avcl, level, fmt, vl);
        return;
    }
    if (level > AV_LOG_ERROR) {
        return;
    }
    vsnprintf(last_message, sizeof(last_message), fmt, vl);
    len = strlen(last_message);
    while (len > 0 && (last_message[len - 1] == '\n'
                       || last_message[len - 1] == '\r')) {
        last_message[--len] = '\0';
    }
}

static void
install_hook(void)
{
    av_log_set_callback(log_hook);
}

void
sv_av_log_hook(void)
{
    pthread_once(&hook_once, install_hook);
}

void
sv_av_log_capture(void)
{
    capturing = true;
}

void
sv_av_error(int rc, const char *what, char *err, size_t errlen)
{
    if (last_message[0] != '\0') {
        snprintf(err, errlen, "%s: %s (%s)", what, av_err2str(rc),
                 last_message);
    } else {
        snprintf(err, errlen, "%s: %s", what, av_err2str(rc));
    }
    last_message[0] = '\0';
}

static bool
scheme_is(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);

    return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

static void
set_options(AVDictionary **opts, const char *url, double stall_s,
            bool rtsp_udp)
{
    char usec[32];

    snprintf(usec, sizeof(usec), "%lld", (long long) (stall_s * 1e6));
    av_dict_set(opts, "protocol_whitelist", PROTOCOLS, 0);
    av_dict_set(opts, "probesize", PROBE_BYTES, 0);
    av_dict_set(opts, "analyzeduration", PROBE_USEC, 0);
    /* A silent socket is an error after stall_s; the interrupt callback
     * bounds the rest. ("timeout" is not given to RTMP: there it means
     * listening.) */
    av_dict_set(opts, "rw_timeout", usec, 0);
    if (!scheme_is(url, "rtmp") && !scheme_is(url, "rtmps")
        && !scheme_is(url, "rtmpt") && !scheme_is(url, "rtmpts")) {
        av_dict_set(opts, "timeout", usec, 0);
    }
    if (scheme_is(url, "http") || scheme_is(url, "https")) {
        /* A file resumes where a dropped connection left it; ICY asks
         * Icecast/Shoutcast for metadata, which libav strips from the
         * audio. */
        av_dict_set(opts, "reconnect", "1", 0);
        av_dict_set(opts, "reconnect_delay_max", "2", 0);
        av_dict_set(opts, "icy", "1", 0);
        av_dict_set(opts, "user_agent", USER_AGENT, 0);
    } else if (scheme_is(url, "rtsp") || scheme_is(url, "rtsps")) {
        av_dict_set(opts, "rtsp_transport", rtsp_udp ? "udp" : "tcp", 0);
    }
}

/* Whether an RTSP server answered but refused RTP over its connection. */
static bool
tcp_refused(const char *url, int rc)
{
    return (scheme_is(url, "rtsp") || scheme_is(url, "rtsps"))
           && (rc == AVERROR_HTTP_BAD_REQUEST || rc == AVERROR_HTTP_OTHER_4XX
               || rc == AVERROR(EPROTONOSUPPORT));
}

static int
open_with(struct sv_av_input *in, const char *url, double stall_s,
          const AVIOInterruptCB *cb, bool rtsp_udp)
{
    AVDictionary *opts = NULL;
    int           rc;

    in->ic = avformat_alloc_context();
    if (in->ic == NULL) {
        return AVERROR(ENOMEM);
    }
    in->ic->interrupt_callback = *cb;
    set_options(&opts, url, stall_s, rtsp_udp);
    last_message[0] = '\0';
    rc = avformat_open_input(&in->ic, url, NULL, &opts);
    av_dict_free(&opts);
    return rc;
}

/* Audio and video streams, at most SV_AV_TS_STREAMS_MAX; the first
 * video stream is where segments are cut. */
static bool
choose_streams(struct sv_av_input *in)
{
    AVFormatContext *ic = in->ic;

    in->map = malloc(sizeof(int) * (ic->nb_streams > 0 ? ic->nb_streams
                                    : 1));
    if (in->map == NULL) {
        return false;
    }
    in->video = -1;
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        AVStream           *st = ic->streams[i];
        enum AVMediaType    type = st->codecpar->codec_type;
        bool                wanted;

        wanted = (type == AVMEDIA_TYPE_AUDIO
                  || (type == AVMEDIA_TYPE_VIDEO
                      && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)))
                 && st->codecpar->codec_id != AV_CODEC_ID_NONE
                 && in->n < SV_AV_TS_STREAMS_MAX;
        in->map[i] = wanted ? (int) in->n : -1;
        if (wanted) {
            if (type == AVMEDIA_TYPE_VIDEO && in->video < 0) {
                in->video = (int) in->n;
            }
            in->streams[in->n++] = st;
        }
    }
    return true;
}

/* Probing decodes a few frames: one decoder thread each, not a frame
 * pool per core (megabytes of a recording's memory at 1080p). */
static int
find_stream_info(AVFormatContext *ic)
{
    AVDictionary **opts = av_calloc(ic->nb_streams > 0 ? ic->nb_streams : 1,
                                    sizeof(*opts));
    int            rc;

    if (opts == NULL) {
        return AVERROR(ENOMEM);
    }
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        av_dict_set(&opts[i], "threads", "1", 0);
    }
    rc = avformat_find_stream_info(ic, opts);
    for (unsigned i = 0; i < ic->nb_streams; i++) {
        av_dict_free(&opts[i]);
    }
    av_free(opts);
    return rc;
}

enum sv_av_open
sv_av_input_open(struct sv_av_input *in, const char *url, double stall_s,
                 const AVIOInterruptCB *cb, char *err, size_t errlen)
{
    int rc;

    *in = (struct sv_av_input) { .video = -1 };
    /* RTP over the RTSP connection first (nothing lost, no ports to
     * open); UDP only where the server refuses that. */
    rc = open_with(in, url, stall_s, cb, false);
    if (tcp_refused(url, rc)) {
        rc = open_with(in, url, stall_s, cb, true);
    }
    if (rc < 0) {
        sv_av_error(rc, "cannot open the source", err, errlen);
        return SV_AV_OPEN_FAILED;
    }
    if (strcmp(in->ic->iformat->name, "hls") == 0) {
        snprintf(err, errlen, "an HLS playlist: record it as HLS");
        sv_av_input_close(in);
        return SV_AV_OPEN_REFUSED;
    }
    rc = find_stream_info(in->ic);
    if (rc < 0) {
        sv_av_error(rc, "cannot read the source's streams", err, errlen);
        sv_av_input_close(in);
        return SV_AV_OPEN_FAILED;
    }
    if (!choose_streams(in)) {
        snprintf(err, errlen, "out of memory");
        sv_av_input_close(in);
        return SV_AV_OPEN_FAILED;
    }
    if (in->n == 0) {
        snprintf(err, errlen, "the source has no audio or video stream");
        sv_av_input_close(in);
        return SV_AV_OPEN_REFUSED;
    }
    in->finite = in->ic->pb != NULL
                 && (in->ic->pb->seekable & AVIO_SEEKABLE_NORMAL)
                 && avio_size(in->ic->pb) > 0;
    return SV_AV_OPEN_OK;
}

void
sv_av_input_close(struct sv_av_input *in)
{
    avformat_close_input(&in->ic);
    free(in->map);
    *in = (struct sv_av_input) { .video = -1 };
}
