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

int
main(void)
{
    test_accepted();
    test_rejected();
    return tap_done();
}
