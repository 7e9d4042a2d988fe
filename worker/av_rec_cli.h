/*
 * streamvault-worker --record-url: the libavformat recorder (av_rec.h) as
 * a one-shot command, for diagnostics and tests. Needs no configuration,
 * database or Redis.
 */

#ifndef SV_AV_REC_CLI_H
#define SV_AV_REC_CLI_H

#include "cli.h"

/* Records cli->record_url into cli->out_dir with cli's limits until it
 * ends; SIGINT/SIGTERM stop it gracefully (the segment in flight is
 * finished). JSON log lines on stderr, one JSON summary line on stdout.
 * 0 unless it failed (1); 2 for a URL this recorder does not take. */
int sv_run_record_url(const struct sv_cli *cli);

#endif /* SV_AV_REC_CLI_H */
