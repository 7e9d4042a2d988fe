/*
 * streamvault-worker --record-url (see av_rec_cli.h).
 */

#include "av_rec_cli.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "av_rec.h"
#include "json.h"
#include "log.h"
#include "signals.h"

/* One JSON line on stdout: how it ended, what was written, and the
 * process's peak memory (the recorder's cost per recording). */
static void
print_result(const struct sv_cli *cli, const struct sv_hls_event *ev)
{
    char                       storage[2048];
    struct sv_jbuf             b;
    struct rusage              ru;
    const struct sv_hls_stats *s = &ev->stats;

    getrusage(RUSAGE_SELF, &ru);
    sv_jbuf_init(&b, storage, sizeof(storage) - 1);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "url", cli->record_url);
    sv_jbuf_member_string(&b, "dir", cli->out_dir);
    sv_jbuf_member_string(&b, "reason", sv_hls_end_name(ev->why));
    if (ev->error[0] != '\0') {
        sv_jbuf_member_string(&b, ev->why == SV_HLS_END_FAILED ? "error"
                              : "detail", ev->error);
    }
    sv_jbuf_member_int(&b, "segments", s->segments);
    sv_jbuf_member_int(&b, "bytes", s->bytes);
    sv_jbuf_member_int(&b, "discontinuities", s->discontinuities);
    sv_jbuf_member_int(&b, "retries", s->retries);
    sv_jbuf_member_int(&b, "first_sequence", s->first_sequence);
    sv_jbuf_member_int(&b, "last_sequence", s->last_sequence);
    sv_jbuf_member_int(&b, "media_ms", (long long) (s->media_s * 1000.0));
    sv_jbuf_member_int(&b, "max_rss_kb", ru.ru_maxrss);
    sv_jbuf_raw(&b, "}", 1);
    storage[b.len] = '\0';
    printf("%s\n", storage);
    fflush(stdout);
}

/* Waits for the recording's end, stopping it at the first signal. */
static void
wait_end(struct sv_av_recorder *rr, struct sv_av_rec *r,
         struct sv_hls_event *ev)
{
    bool stopping = false;

    while (!sv_av_recorder_next_event(rr, ev)) {
        if (sv_stop_signal() != 0 && !stopping) {
            stopping = true;
            sv_log(SV_LOG_INFO, "stopping: finishing the segment in flight",
                   SV_INT("signal", sv_stop_signal()));
            sv_av_rec_stop(r);
        }
        sv_wait_fd(sv_av_recorder_fd(rr), POLLIN, 1000);
    }
}

int
sv_run_record_url(const struct sv_cli *cli)
{
    struct sv_av_source     src = {
        .url = cli->record_url, .out_dir = cli->out_dir,
        .duration_s = cli->duration_s, .max_bytes = cli->max_bytes,
        .grace_s = cli->grace_s, .stall_s = cli->stall_s,
        .resume = cli->resume,
    };
    struct sv_av_recorder  *rr;
    struct sv_av_rec       *r;
    struct sv_hls_event     ev;
    char                    err[sizeof(ev.error)];
    const char             *level = getenv("STREAMVAULT_LOG_LEVEL");
    enum sv_log_level       lv = SV_LOG_DEBUG;

    /* Per-segment progress lines are the point of this command. */
    if (level != NULL && !sv_log_level_parse(level, &lv)) {
        lv = SV_LOG_DEBUG;
    }
    sv_log_set_level(lv);
    if (!sv_av_source_wants(cli->record_url)) {
        fprintf(stderr, "streamvault-worker: --record-url takes rtmp(s), "
                "rtsp(s), srt and http(s) URLs other than .m3u8 playlists "
                "(those: --record-hls)\n");
        return 2;
    }
    if (sv_signals_install() != 0) {
        fprintf(stderr, "streamvault-worker: cannot install signal handlers: "
                "%s\n", strerror(errno));
        return 1;
    }
    rr = sv_av_recorder_new(err, sizeof(err));
    if (rr == NULL) {
        sv_log(SV_LOG_ERROR, "cannot start the recorder", SV_STR("error", err));
        return 1;
    }
    r = sv_av_rec_start(rr, &src, err, sizeof(err));
    if (r == NULL) {
        ev = (struct sv_hls_event) { .why = SV_HLS_END_FAILED,
                                     .stats = { .first_sequence = -1,
                                                .last_sequence = -1 } };
        snprintf(ev.error, sizeof(ev.error), "%s", err);
        sv_log(SV_LOG_ERROR, "cannot record", SV_STR("error", err));
    } else {
        wait_end(rr, r, &ev);
    }
    print_result(cli, &ev);
    sv_av_recorder_free(rr);
    return ev.why == SV_HLS_END_FAILED ? 1 : 0;
}
