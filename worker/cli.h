/*
 * Command-line parsing (pure, so every accepted and rejected form is tested).
 *
 *   streamvault-worker [-c FILE | --config FILE] [--check-config]
 *                      [--migrate-only] [--create-admin FILE]
 *                      [--version] [--help]
 *   streamvault-worker --record-hls URL[,URL...] [--record-hls URL ...]
 *                      --out DIR [--duration SECONDS] [--grace SECONDS]
 *                      [--stall SECONDS] [--max-bytes N] [--resume]
 *   streamvault-worker --record-twitch LOGIN[,LOGIN...] --out DIR
 *                      [--quality Q] [the options above]
 *   streamvault-worker --record-url URL --out DIR [the options above]
 *   streamvault-worker --record-chat LOGIN[,LOGIN...] --out DIR
 *                      [--duration SECONDS]
 *
 * Options taking a value accept it as the next argument or after '='
 * (--config=FILE, -cFILE). At most one of the mode options may be given;
 * --record-hls may be repeated (it is one mode), and a comma splits its
 * value only where "http://" or "https://" follows (URLs may hold commas).
 * --record-twitch is the same mode (repeatable, comma-separated logins,
 * combinable with --record-hls); --quality goes with it only.
 * --record-url takes one URL (av_rec.h), recorded into DIR itself, alone.
 * --record-chat (repeatable, comma-separated logins) goes alone too.
 */

#ifndef SV_CLI_H
#define SV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SV_CLI_RECORD_MAX  64       /* --record-hls options */
#define SV_CLI_MAX_BYTES   (1LL << 50)

enum sv_mode {
    SV_MODE_RUN,
    SV_MODE_CHECK_CONFIG,
    SV_MODE_MIGRATE_ONLY,
    SV_MODE_CREATE_ADMIN,
    SV_MODE_VERSION,
    SV_MODE_HELP,
    SV_MODE_RECORD_HLS,
    SV_MODE_RECORD_URL,
    SV_MODE_RECORD_CHAT
};

struct sv_cli {
    enum sv_mode   mode;
    const char    *config_path;     /* NULL: not given */
    const char    *admin_file;      /* with SV_MODE_CREATE_ADMIN */
    /* with SV_MODE_RECORD_HLS: the --record-hls values, as given */
    const char    *record_hls[SV_CLI_RECORD_MAX];
    size_t         n_record_hls;
    /* the --record-twitch values, as given */
    const char    *record_twitch[SV_CLI_RECORD_MAX];
    size_t         n_record_twitch;
    const char    *record_url;      /* with SV_MODE_RECORD_URL */
    /* with SV_MODE_RECORD_CHAT: the --record-chat values, as given */
    const char    *record_chat[SV_CLI_RECORD_MAX];
    size_t         n_record_chat;
    const char    *quality;         /* NULL: "best" */
    const char    *out_dir;
    double         duration_s;      /* 0: no limit */
    double         grace_s;         /* 0: the engine's default */
    double         stall_s;         /* 0: none */
    long long      max_bytes;       /* 0: none */
    bool           resume;
    bool           low_latency;     /* prefetch segments too */
};

/* 0, or -1 with the reason in err (the caller prints usage, exits 2). */
int sv_cli_parse(int argc, char *const argv[], struct sv_cli *cli, char *err,
                 size_t errlen);

void sv_cli_usage(FILE *to);

#endif /* SV_CLI_H */
