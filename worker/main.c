/*
 * streamvault-worker: command line and start-up. Everything main() calls
 * lives in other files, which the unit tests link.
 */

#include <stdio.h>
#include <stdlib.h>

#include "av_rec_cli.h"
#include "chat_cli.h"
#include "cli.h"
#include "config_load.h"
#include "daemon.h"
#include "hls_recorder_cli.h"
#include "log.h"
#include "oneshot.h"
#include "signals.h"
#include "sv_version.h"

/* Large (about 21 KiB) and needed for the whole run. */
static struct sv_config config;
static struct sv_diags  config_problems;

int
main(int argc, char **argv)
{
    struct sv_cli   cli;
    char            err[4200];
    const char     *path;
    int             status;

    if (sv_cli_parse(argc, argv, &cli, err, sizeof(err)) != 0) {
        fprintf(stderr, "streamvault-worker: %s\n", err);
        sv_cli_usage(stderr);
        return 2;
    }

    switch (cli.mode) {
    case SV_MODE_VERSION:
        printf("streamvault-worker %s\n", STREAMVAULT_VERSION);
        return 0;
    case SV_MODE_HELP:
        sv_cli_usage(stdout);
        return 0;
    case SV_MODE_RECORD_HLS:
        /* No config file, database or Redis: a diagnostic on its own. */
        return sv_run_record_hls(&cli);
    case SV_MODE_RECORD_URL:
        return sv_run_record_url(&cli);
    case SV_MODE_RECORD_CHAT:
        return sv_run_record_chat(&cli);
    default:
        break;
    }

    path = sv_config_path(cli.config_path, getenv("STREAMVAULT_CONFIG"));

    if (cli.mode == SV_MODE_CHECK_CONFIG) {
        return sv_config_check(path);
    }

    if (!sv_config_load(path, &config, &config_problems)) {
        sv_diags_print(&config_problems, path, stderr);
        return 2;
    }

    if (sv_log_open(config.log_file, err, sizeof(err)) != 0) {
        fprintf(stderr, "streamvault-worker: %s\n", err);
        return 1;
    }
    sv_log_set_level(config.log_level);

    if (sv_signals_install() != 0) {
        sv_log(SV_LOG_ERROR, "cannot install signal handlers");
        return 1;
    }

    switch (cli.mode) {
    case SV_MODE_MIGRATE_ONLY:
        status = sv_run_migrate_only(&config);
        break;
    case SV_MODE_CREATE_ADMIN:
        status = sv_run_create_admin(&config, cli.admin_file);
        break;
    default:
        status = sv_daemon_run(&config, path);
        break;
    }

    sv_log_close();
    return status;
}
