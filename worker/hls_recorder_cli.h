/*
 * streamvault-worker --record-hls / --record-twitch: the HLS engine
 * (hls_recorder.h) as a one-shot command, for diagnostics and tests.
 * Needs no configuration, database or Redis.
 */

#ifndef SV_HLS_RECORDER_CLI_H
#define SV_HLS_RECORDER_CLI_H

#include "cli.h"

#define SV_RECORD_CLI_MAX  256      /* recordings in one run */

/* Records every URL and Twitch login of cli into cli->out_dir/<n>/ at once
 * until each ends (URLs numbered first), with cli's limits (--resume: each
 * continues its folder); SIGINT/SIGTERM stop them gracefully.
 * $STREAMVAULT_TWITCH_GQL_URL, $STREAMVAULT_TWITCH_USHER_URL and
 * $STREAMVAULT_TWITCH_OAUTH (a user token) go to every Twitch source.
 * 0 when none failed (an offline channel ends "ended", detail "offline"),
 * 1 otherwise, 2 for a bad URL or login list. */
int sv_run_record_hls(const struct sv_cli *cli);

#endif /* SV_HLS_RECORDER_CLI_H */
