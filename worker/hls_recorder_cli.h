/*
 * streamvault-worker --record-hls: the HLS engine (hls_recorder.h) as a
 * one-shot command, for diagnostics and tests. Needs no configuration,
 * database or Redis.
 */

#ifndef SV_HLS_RECORDER_CLI_H
#define SV_HLS_RECORDER_CLI_H

#include "cli.h"

#define SV_RECORD_CLI_MAX  256      /* recordings in one run */

/* Records every URL of cli into cli->out_dir/<n>/ at once until each ends;
 * SIGINT/SIGTERM stop them gracefully. 0 when none failed, 1 otherwise,
 * 2 for a bad URL list. */
int sv_run_record_hls(const struct sv_cli *cli);

#endif /* SV_HLS_RECORDER_CLI_H */
