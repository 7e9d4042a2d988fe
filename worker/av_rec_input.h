/*
 * A libavformat recording's source, one connection of it: opened with
 * per-protocol options (timeouts, RTSP's RTP over TCP unless the server
 * refuses it, HTTP reconnects, ICY audio), only network protocols allowed,
 * its audio and video streams chosen. libav's error messages on a recording's thread are kept as the
 * reason of the next failure instead of printed.
 */

#ifndef SV_AV_REC_INPUT_H
#define SV_AV_REC_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <libavformat/avformat.h>

#include "av_rec_ts.h"

enum sv_av_open {
    SV_AV_OPEN_OK,
    SV_AV_OPEN_FAILED,          /* may work on another try */
    SV_AV_OPEN_REFUSED,         /* never will: a playlist, no stream */
};

struct sv_av_input {
    AVFormatContext *ic;
    AVStream        *streams[SV_AV_TS_STREAMS_MAX];     /* the chosen */
    unsigned         n;
    int             *map;       /* input index -> chosen index, or -1 */
    int              video;     /* chosen index cut at, -1: audio only */
    bool             finite;    /* a file of known length: its end is the
                                 * recording's */
};

/* Installs the libav log hook (once per process; other threads keep
 * libav's own output). */
void sv_av_log_hook(void);

/* Makes libav's messages on this thread reasons, not output. */
void sv_av_log_capture(void);

/* Opens url, cb bounding every wait. On failure err says why. */
enum sv_av_open sv_av_input_open(struct sv_av_input *in, const char *url,
                                 double stall_s, const AVIOInterruptCB *cb,
                                 char *err, size_t errlen);

void sv_av_input_close(struct sv_av_input *in);

/* "<what>: <libav's error for rc>", with libav's last message on this
 * thread when there is one. */
void sv_av_error(int rc, const char *what, char *err, size_t errlen);

#endif /* SV_AV_REC_INPUT_H */
