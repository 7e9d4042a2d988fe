/*
 * Command-line parsing (see cli.h).
 */

#include "cli.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/*
 * If arg is the option (short form "-c" optional), takes its value from
 * "--opt=V", "-cV" or the next argument. Returns 1 matched, 0 not this
 * option, -1 value missing.
 */
static int
take_value(const char *arg, const char *long_name, const char *short_name,
           int argc, char *const argv[], int *i, const char **value)
{
    size_t long_len = strlen(long_name);

    if (strncmp(arg, long_name, long_len) == 0 && arg[long_len] == '=') {
        *value = arg + long_len + 1;
    } else if (short_name != NULL && strncmp(arg, short_name, 2) == 0
               && arg[2] != '\0') {
        *value = arg + 2;
    } else if (strcmp(arg, long_name) == 0
               || (short_name != NULL && strcmp(arg, short_name) == 0)) {
        if (*i + 1 >= argc) {
            return -1;
        }
        *value = argv[++*i];
    } else {
        return 0;
    }

    return 1;
}

static const struct {
    const char    *name;
    enum sv_mode   mode;
} mode_flags[] = {
    { "--check-config", SV_MODE_CHECK_CONFIG },
    { "--migrate-only", SV_MODE_MIGRATE_ONLY },
    { "--version", SV_MODE_VERSION },
    { "--help", SV_MODE_HELP },
};

static bool
mode_flag(const char *arg, enum sv_mode *mode)
{
    for (size_t i = 0; i < sizeof(mode_flags) / sizeof(mode_flags[0]); i++) {
        if (strcmp(arg, mode_flags[i].name) == 0) {
            *mode = mode_flags[i].mode;
            return true;
        }
    }

    return false;
}

/* Whether take_value's result r carries a usable file name. */
static bool
value_ok(int r, const char *value, const char *shown, char *err,
         size_t errlen)
{
    if (r < 0) {
        snprintf(err, errlen, "option '%s' needs a file name", shown);
        return false;
    }
    if (value[0] == '\0') {
        snprintf(err, errlen, "option '%s' needs a non-empty file name",
                 shown);
        return false;
    }
    return true;
}

/* The recorder's options taking seconds: where they go, their limit. */
static const struct {
    const char *name;
    size_t      at;
    double      max_days;
} seconds_options[] = {
    { "--duration", offsetof(struct sv_cli, duration_s), 31 },
    { "--grace", offsetof(struct sv_cli, grace_s), 1 },
    { "--stall", offsetof(struct sv_cli, stall_s), 1 },
};

/* One of seconds_options; 1 taken, 0 not one of them, -1 refused. */
static int
seconds_option(const char *arg, int argc, char *const argv[], int *i,
               struct sv_cli *cli, const char *shown, char *err,
               size_t errlen)
{
    for (size_t o = 0; o < sizeof(seconds_options)
                           / sizeof(seconds_options[0]); o++) {
        double      max = seconds_options[o].max_days * 86400.0, d = 0;
        const char *value = NULL;
        char       *end = NULL;
        int         r = take_value(arg, seconds_options[o].name, NULL, argc,
                                   argv, i, &value);

        if (r == 0) {
            continue;
        }
        if (r > 0) {
            d = strtod(value, &end);
        }
        if (r < 0 || value[0] == '\0' || *end != '\0' || !isfinite(d)
            || d <= 0 || d > max) {
            snprintf(err, errlen, "option '%s' needs a number of seconds "
                     "(more than 0, at most %g day%s)", shown,
                     seconds_options[o].max_days,
                     seconds_options[o].max_days == 1 ? "" : "s");
            return -1;
        }
        *(double *) ((char *) cli + seconds_options[o].at) = d;
        return 1;
    }
    return 0;
}

/* A repeatable option kept as given (--record-hls, ...); 1 taken, 0 not
 * this option, -1 refused. */
static int
list_option(const char *arg, const char *name, const char *what, int argc,
            char *const argv[], int *i, const char **list, size_t *n,
            const char *shown, char *err, size_t errlen)
{
    const char *value = NULL;
    int         r = take_value(arg, name, NULL, argc, argv, i, &value);

    if (r == 0) {
        return 0;
    }
    if (r < 0 || value[0] == '\0') {
        snprintf(err, errlen, "option '%s' needs %s", shown, what);
        return -1;
    }
    if (*n == SV_CLI_RECORD_MAX) {
        snprintf(err, errlen, "more than %d %s options", SV_CLI_RECORD_MAX,
                 name);
        return -1;
    }
    list[(*n)++] = value;
    return 1;
}

/* --record-chat: --out, and --duration alone of the recorder's options. */
static int
chat_mode(struct sv_cli *cli, bool mode_given, char *err, size_t errlen)
{
    if (mode_given || cli->n_record_hls > 0 || cli->n_record_twitch > 0
        || cli->record_url != NULL) {
        snprintf(err, errlen, "'--record-chat' cannot be combined with "
                 "another mode option");
        return -1;
    }
    if (cli->out_dir == NULL) {
        snprintf(err, errlen, "--record-chat needs --out DIR");
        return -1;
    }
    if (cli->quality != NULL || cli->grace_s > 0 || cli->stall_s > 0
        || cli->max_bytes > 0 || cli->resume || cli->low_latency) {
        snprintf(err, errlen, "--record-chat takes --out and --duration "
                 "only");
        return -1;
    }
    cli->mode = SV_MODE_RECORD_CHAT;
    return 0;
}

/* The recorder's options; 1 taken, 0 not one of them, -1 refused. */
static int
record_option(const char *arg, int argc, char *const argv[], int *i,
              struct sv_cli *cli, const char *shown, char *err,
              size_t errlen)
{
    const char *value = NULL;
    char       *end;
    int         r;

    if (strcmp(arg, "--resume") == 0) {
        cli->resume = true;
        return 1;
    }
    if (strcmp(arg, "--low-latency") == 0) {
        cli->low_latency = true;
        return 1;
    }

    r = list_option(arg, "--record-hls", "a URL", argc, argv, i,
                    cli->record_hls, &cli->n_record_hls, shown, err, errlen);
    if (r == 0) {
        r = list_option(arg, "--record-twitch", "a Twitch login", argc, argv,
                        i, cli->record_twitch, &cli->n_record_twitch, shown,
                        err, errlen);
    }
    if (r == 0) {
        r = list_option(arg, "--record-chat", "a Twitch login", argc, argv,
                        i, cli->record_chat, &cli->n_record_chat, shown, err,
                        errlen);
    }
    if (r != 0) {
        return r;
    }
    r = take_value(arg, "--record-url", NULL, argc, argv, i, &value);
    if (r != 0) {
        if (r < 0 || value[0] == '\0' || cli->record_url != NULL) {
            snprintf(err, errlen, "option '%s' needs a URL, once", shown);
            return -1;
        }
        cli->record_url = value;
        return 1;
    }
    r = take_value(arg, "--quality", NULL, argc, argv, i, &value);
    if (r != 0) {
        if (r < 0 || value[0] == '\0' || cli->quality != NULL) {
            snprintf(err, errlen, "option '%s' needs a quality, once", shown);
            return -1;
        }
        cli->quality = value;
        return 1;
    }
    r = take_value(arg, "--out", NULL, argc, argv, i, &value);
    if (r != 0) {
        if (r < 0 || value[0] == '\0') {
            snprintf(err, errlen, "option '%s' needs a folder", shown);
            return -1;
        }
        if (cli->out_dir != NULL) {
            snprintf(err, errlen, "--out is given twice");
            return -1;
        }
        cli->out_dir = value;
        return 1;
    }
    r = take_value(arg, "--max-bytes", NULL, argc, argv, i, &value);
    if (r != 0) {
        long long n = r > 0 ? strtoll(value, &end, 10) : 0;

        if (r < 0 || value[0] < '0' || value[0] > '9' || *end != '\0'
            || n <= 0 || n > SV_CLI_MAX_BYTES) {
            snprintf(err, errlen, "option '%s' needs a number of bytes "
                     "(1 to 2^50)", shown);
            return -1;
        }
        cli->max_bytes = n;
        return 1;
    }
    return seconds_option(arg, argc, argv, i, cli, shown, err, errlen);
}

int
sv_cli_parse(int argc, char *const argv[], struct sv_cli *cli, char *err,
             size_t errlen)
{
    bool  mode_given = false;
    char  shown[80];

    *cli = (struct sv_cli) { .mode = SV_MODE_RUN };

    for (int i = 1; i < argc; i++) {
        const char    *arg = argv[i];
        const char    *value = NULL;
        enum sv_mode   mode;
        int            r;

        sv_printable(arg, shown, sizeof(shown));

        r = record_option(arg, argc, argv, &i, cli, shown, err, errlen);
        if (r < 0) {
            return -1;
        }
        if (r > 0) {
            continue;
        }

        r = take_value(arg, "--config", "-c", argc, argv, &i, &value);
        if (r != 0) {
            if (!value_ok(r, value, shown, err, errlen)) {
                return -1;
            }
            if (cli->config_path != NULL) {
                snprintf(err, errlen, "the config file is given twice");
                return -1;
            }
            cli->config_path = value;
            continue;
        }

        r = take_value(arg, "--create-admin", NULL, argc, argv, &i, &value);
        if (r != 0) {
            if (!value_ok(r, value, shown, err, errlen)) {
                return -1;
            }
            mode = SV_MODE_CREATE_ADMIN;
        } else if (!mode_flag(arg, &mode)) {
            snprintf(err, errlen, arg[0] == '-' ? "unknown option '%s'"
                     : "unexpected argument '%s'", shown);
            return -1;
        }

        if (mode_given) {
            snprintf(err, errlen, "'%s' cannot be combined with another mode "
                     "option", shown);
            return -1;
        }
        mode_given = true;
        cli->mode = mode;
        cli->admin_file = value;
    }

    if (cli->n_record_chat > 0) {
        return chat_mode(cli, mode_given, err, errlen);
    }
    if (cli->quality != NULL && cli->n_record_twitch == 0) {
        snprintf(err, errlen, "--quality goes with --record-twitch");
        return -1;
    }
    if (cli->record_url != NULL
        && (cli->n_record_hls > 0 || cli->n_record_twitch > 0)) {
        snprintf(err, errlen, "--record-url goes alone (not with "
                 "--record-hls or --record-twitch)");
        return -1;
    }
    if (cli->low_latency && cli->n_record_hls == 0
        && cli->n_record_twitch == 0) {
        snprintf(err, errlen, "--low-latency goes with --record-hls or "
                 "--record-twitch");
        return -1;
    }
    if (cli->n_record_hls > 0 || cli->n_record_twitch > 0
        || cli->record_url != NULL) {
        const char *what = cli->record_url != NULL ? "--record-url"
                           : cli->n_record_hls > 0 ? "--record-hls"
                           : "--record-twitch";

        if (mode_given) {
            snprintf(err, errlen, "'%s' cannot be combined with another "
                     "mode option", what);
            return -1;
        }
        if (cli->out_dir == NULL) {
            snprintf(err, errlen, "%s needs --out DIR", what);
            return -1;
        }
        cli->mode = cli->record_url != NULL ? SV_MODE_RECORD_URL
                    : SV_MODE_RECORD_HLS;
    } else if (cli->out_dir != NULL || cli->duration_s > 0
               || cli->grace_s > 0 || cli->stall_s > 0 || cli->max_bytes > 0
               || cli->resume) {
        snprintf(err, errlen, "--out, --duration, --grace, --stall, "
                 "--max-bytes and --resume go with --record-hls");
        return -1;
    }
    return 0;
}

void
sv_cli_usage(FILE *to)
{
    fputs("usage: streamvault-worker [-c FILE | --config FILE] [--check-config]\n"
          "                          [--migrate-only] [--create-admin FILE]\n"
          "                          [--version] [--help]\n"
          "       streamvault-worker --record-hls URL[,URL...] --out DIR\n"
          "                          [--duration SECONDS] [--grace SECONDS]\n"
          "                          [--stall SECONDS] [--max-bytes N] [--resume]\n"
          "       streamvault-worker --record-twitch LOGIN[,LOGIN...] --out DIR\n"
          "                          [--quality Q] and the options above\n"
          "       streamvault-worker --record-url URL --out DIR\n"
          "                          [--duration SECONDS] and the options above\n"
          "       streamvault-worker --record-chat LOGIN[,LOGIN...] --out DIR\n"
          "                          [--duration SECONDS]\n"
          "\n"
          "  -c, --config FILE    configuration file (default: $STREAMVAULT_CONFIG,\n"
          "                       else /etc/streamvault/worker.conf)\n"
          "  --check-config       validate the configuration and exit\n"
          "  --migrate-only       apply database migrations and exit\n"
          "  --create-admin FILE  apply migrations, create the first admin user\n"
          "                       and write its password to FILE (mode 0600)\n"
          "  --version            print the version and exit\n"
          "  --help               print this help and exit\n"
          "  --record-hls URL     record HLS media playlists (comma-separated or\n"
          "                       repeated) into DIR/1, DIR/2, ... at once; JSON\n"
          "                       log lines on stderr, a JSON summary per\n"
          "                       recording on stdout; no config file needed\n"
          "  --record-twitch LOGIN  record Twitch channels the same way (GQL\n"
          "                       token, usher playlist, the variant for Q);\n"
          "                       $STREAMVAULT_TWITCH_GQL_URL and\n"
          "                       $STREAMVAULT_TWITCH_USHER_URL override the\n"
          "                       endpoints\n"
          "  --record-url URL     record an RTMP, RTSP, SRT, HTTP or Icecast\n"
          "                       source through libavformat into DIR itself\n"
          "                       (6 s MPEG-TS segments), the same way\n"
          "  --record-chat LOGIN  archive Twitch channels' chat into\n"
          "                       DIR/<login>.jsonl; $STREAMVAULT_TWITCH_IRC_ADDR\n"
          "                       (host:port) and $STREAMVAULT_TWITCH_IRC_CA (a CA\n"
          "                       file) override the server\n"
          "  --quality Q          best (default), worst, 720p60, ... or a\n"
          "                       comma-separated list tried in order\n"
          "  --out DIR            the folder for --record-hls/--record-twitch\n"
          "  --duration SECONDS   stop each recording after this much media\n"
          "  --grace SECONDS      how long a playlist may fail (default 30)\n"
          "  --stall SECONDS      end a recording this long without a segment\n"
          "  --max-bytes N        end a recording at about this many bytes\n"
          "  --resume             continue the recordings in DIR/1, DIR/2, ...\n"
          "                       after their last segment\n"
          "  --low-latency        also take the segments a playlist announces\n"
          "                       (#EXT-X-TWITCH-PREFETCH), none during ads\n"
          "\n"
          "Without a mode option the worker runs in the foreground until SIGTERM.\n",
          to);
}
