/*
 * Command-line parsing (worker/cli.c).
 */

#include <string.h>

#include "cli.h"
#include "tap.h"

static struct sv_cli  cli;
static char           err[256];

#define ARGV(...)  (char *const[]) { "streamvault-worker", __VA_ARGS__, NULL }
#define ARGC(...)  ((int) (sizeof(ARGV(__VA_ARGS__)) / sizeof(char *)) - 1)
#define PARSE(...) (err[0] = '\0', \
                    sv_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &cli, \
                                 err, sizeof(err)))

static void
test_accepted(void)
{
    char *const bare[] = { "streamvault-worker", NULL };

    tap_ok(sv_cli_parse(1, bare, &cli, err, sizeof(err)) == 0
           && cli.mode == SV_MODE_RUN && cli.config_path == NULL,
           "no arguments: run with the default config");

    tap_ok(PARSE("-c", "/a.conf") == 0 && cli.mode == SV_MODE_RUN
           && strcmp(cli.config_path, "/a.conf") == 0, "-c FILE");
    tap_ok(PARSE("-c/a.conf") == 0 && strcmp(cli.config_path, "/a.conf") == 0,
           "-cFILE");
    tap_ok(PARSE("--config", "/b.conf") == 0
           && strcmp(cli.config_path, "/b.conf") == 0, "--config FILE");
    tap_ok(PARSE("--config=/c.conf") == 0
           && strcmp(cli.config_path, "/c.conf") == 0, "--config=FILE");
    tap_ok(PARSE("--check-config", "-c", "/d.conf") == 0
           && cli.mode == SV_MODE_CHECK_CONFIG
           && strcmp(cli.config_path, "/d.conf") == 0,
           "--check-config with a config after it");
    tap_ok(PARSE("--migrate-only") == 0 && cli.mode == SV_MODE_MIGRATE_ONLY,
           "--migrate-only");
    tap_ok(PARSE("--create-admin", "/var/admin.txt") == 0
           && cli.mode == SV_MODE_CREATE_ADMIN
           && strcmp(cli.admin_file, "/var/admin.txt") == 0,
           "--create-admin FILE");
    tap_ok(PARSE("--create-admin=rel.txt", "--config", "/e") == 0
           && cli.mode == SV_MODE_CREATE_ADMIN
           && strcmp(cli.admin_file, "rel.txt") == 0
           && strcmp(cli.config_path, "/e") == 0,
           "--create-admin=FILE with --config");
    tap_ok(PARSE("--version") == 0 && cli.mode == SV_MODE_VERSION,
           "--version");
    tap_ok(PARSE("--help") == 0 && cli.mode == SV_MODE_HELP, "--help");
}

static void
test_rejected(void)
{
    tap_is_int(PARSE("--bogus"), -1, "an unknown option");
    tap_is_str(err, "unknown option '--bogus'", "is named");
    tap_is_int(PARSE("extra"), -1, "a stray argument");
    tap_is_str(err, "unexpected argument 'extra'", "is named");
    tap_is_int(PARSE("-c"), -1, "-c without a file");
    tap_is_str(err, "option '-c' needs a file name", "says so");
    tap_is_int(PARSE("--create-admin"), -1, "--create-admin without a file");
    tap_is_int(PARSE("--config="), -1, "an empty file name");
    tap_is_str(err, "option '--config=' needs a non-empty file name",
               "says so");
    tap_is_int(PARSE("-c", "/a", "--config", "/b"), -1, "two config files");
    tap_is_int(PARSE("--migrate-only", "--check-config"), -1,
               "two modes at once");
    tap_is_str(err, "'--check-config' cannot be combined with another mode "
               "option", "says so");
    tap_is_int(PARSE("--version", "--version"), -1, "a mode given twice");
    tap_is_int(PARSE("--configx"), -1, "a longer option is not --config");
    tap_is_int(PARSE("--\x1b]0;x"), -1, "an option with escape codes");
    tap_is_str(err, "unknown option '--?]0;x'", "is shown harmless");
}

static void
test_record_chat(void)
{
    tap_ok(PARSE("--record-chat", "a,b", "--record-chat=c", "--out", "/o",
                 "--duration", "5") == 0
           && cli.mode == SV_MODE_RECORD_CHAT && cli.n_record_chat == 2
           && strcmp(cli.record_chat[0], "a,b") == 0
           && strcmp(cli.record_chat[1], "c") == 0
           && strcmp(cli.out_dir, "/o") == 0 && cli.duration_s == 5,
           "--record-chat LOGINS (repeated) --out DIR --duration S");
    tap_is_int(PARSE("--record-chat", "a"), -1, "--record-chat without --out");
    tap_is_str(err, "--record-chat needs --out DIR", "says so");
    tap_is_int(PARSE("--record-chat", "", "--out", "/o"), -1,
               "an empty --record-chat");
    tap_is_str(err, "option '--record-chat' needs a Twitch login", "says so");
    tap_is_int(PARSE("--record-chat", "a", "--record-hls", "http://h/p.m3u8",
                     "--out", "/o"), -1, "--record-chat with --record-hls");
    tap_is_str(err, "'--record-chat' cannot be combined with another mode "
               "option", "says so");
    tap_is_int(PARSE("--record-chat", "a", "--migrate-only", "--out", "/o"),
               -1, "--record-chat with another mode");
    tap_is_int(PARSE("--record-chat", "a", "--quality", "best", "--out",
                     "/o"), -1, "--record-chat with --quality");
    tap_is_str(err, "--record-chat takes --out and --duration only",
               "says so");
}

static void
test_record_limits(void)
{
    tap_ok(PARSE("--record-hls", "http://h/p.m3u8", "--out", "/o", "--grace",
                 "10", "--stall=60.5", "--max-bytes", "1000", "--resume") == 0
           && cli.mode == SV_MODE_RECORD_HLS && cli.grace_s == 10
           && cli.stall_s == 60.5 && cli.max_bytes == 1000 && cli.resume,
           "--grace, --stall, --max-bytes, --resume");
    tap_ok(PARSE("--record-twitch", "a", "--out", "/o") == 0
           && cli.grace_s == 0 && cli.stall_s == 0 && cli.max_bytes == 0
           && !cli.resume, "none given: 0, false");
    tap_is_int(PARSE("--record-hls", "http://h/p", "--out", "/o", "--grace",
                     "0"), -1, "--grace 0");
    tap_is_str(err, "option '--grace' needs a number of seconds (more than "
               "0, at most 1 day)", "says so");
    tap_is_int(PARSE("--record-hls", "http://h/p", "--out", "/o", "--stall",
                     "86401"), -1, "--stall over a day");
    tap_is_int(PARSE("--record-hls", "http://h/p", "--out", "/o",
                     "--duration", "nan"), -1, "--duration nan");
    tap_is_str(err, "option '--duration' needs a number of seconds (more "
               "than 0, at most 31 days)", "says so");
    tap_is_int(PARSE("--record-hls", "http://h/p", "--out", "/o",
                     "--max-bytes", "-5"), -1, "--max-bytes -5");
    tap_is_str(err, "option '--max-bytes' needs a number of bytes (1 to "
               "2^50)", "says so");
    tap_is_int(PARSE("--record-hls", "http://h/p", "--out", "/o",
                     "--max-bytes", "1125899906842625"), -1,
               "--max-bytes over 2^50");
    tap_is_int(PARSE("--record-hls", "http://h/p", "--out", "/o",
                     "--max-bytes", "12k"), -1, "--max-bytes 12k");
    tap_ok(PARSE("--record-twitch", "a", "--out", "/o", "--low-latency") == 0
           && cli.low_latency, "--low-latency");
    tap_is_int(PARSE("--record-url", "rtmp://h/a", "--out", "/o",
                     "--low-latency"), -1, "--low-latency with --record-url");
    tap_is_str(err, "--low-latency goes with --record-hls or "
               "--record-twitch", "says so");
    tap_is_int(PARSE("--resume"), -1, "--resume without a recording");
    tap_is_str(err, "--out, --duration, --grace, --stall, --max-bytes and "
               "--resume go with --record-hls", "says so");
}

static void
test_record_url(void)
{
    tap_ok(PARSE("--record-url", "rtmp://h/live/x", "--out", "/o",
                 "--duration", "60", "--stall", "5") == 0
           && cli.mode == SV_MODE_RECORD_URL
           && strcmp(cli.record_url, "rtmp://h/live/x") == 0
           && strcmp(cli.out_dir, "/o") == 0 && cli.duration_s == 60
           && cli.stall_s == 5, "--record-url URL --out DIR with limits");
    tap_is_int(PARSE("--record-url", "rtmp://h/x"), -1, "--record-url alone");
    tap_is_str(err, "--record-url needs --out DIR", "needs --out");
    tap_is_int(PARSE("--record-url", "rtmp://h/x", "--record-url",
                     "srt://h:1", "--out", "/o"), -1, "--record-url twice");
    tap_is_int(PARSE("--record-url", "rtmp://h/x", "--record-hls",
                     "http://h/p.m3u8", "--out", "/o"), -1,
               "--record-url with --record-hls");
    tap_is_str(err, "--record-url goes alone (not with --record-hls or "
               "--record-twitch)", "says so");
    tap_is_int(PARSE("--record-url", "rtmp://h/x", "--out", "/o",
                     "--migrate-only"), -1, "--record-url with a mode");
    tap_is_int(PARSE("--record-url="), -1, "--record-url without a URL");
}

int
main(void)
{
    test_accepted();
    test_rejected();
    test_record_chat();
    test_record_limits();
    test_record_url();
    return tap_done();
}
