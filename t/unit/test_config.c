/*
 * The configuration: defaults, file parsing, value validation, environment
 * overrides, problem reports (worker/config*.c, worker/diag.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_load.h"
#include "config_values.h"
#include "diag.h"
#include "tap.h"

static struct sv_config  cfg;
static struct sv_diags   diags;

/* Parses text over the defaults; returns the number of problems. */
static size_t
parse(const char *text)
{
    memset(&diags, 0, sizeof(diags));
    sv_config_set_defaults(&cfg, "testhost");
    sv_config_parse(&cfg, text, strlen(text), &diags);
    return diags.count;
}

/* Problem i as the program prints it (with file name "w.conf"). */
static const char *
problem(size_t i)
{
    static char out[8192];

    if (i >= diags.count) {
        return "(no such problem)";
    }
    sv_diag_format(&diags.item[i], "w.conf", out, sizeof(out));
    return out;
}

/* A parse that should yield exactly one problem with this text. */
static void
rejects(const char *text, const char *expected, const char *what)
{
    size_t n = parse(text);

    tap_is_str(n == 1 ? problem(0) : "(not exactly one problem)", expected,
               "%s", what);
}

static void
test_defaults(void)
{
    parse("");
    tap_is_str(cfg.database, "dbname=streamvault", "default database");
    tap_is_str(cfg.redis, "127.0.0.1:6379", "default redis");
    tap_ok(!cfg.redis_addr.is_unix && strcmp(cfg.redis_addr.host,
                                             "127.0.0.1") == 0
           && cfg.redis_addr.port == 6379, "default redis is parsed");
    tap_is_str(cfg.media_root, "/var/lib/streamvault/media",
               "default media_root");
    tap_is_str(cfg.sql_dir, "/usr/share/streamvault/sql", "default sql_dir");
    tap_is_str(cfg.log_file, "stderr", "default log_file");
    tap_is_int(cfg.log_level, SV_LOG_INFO, "default log_level");
    tap_is_str(cfg.worker_id, "testhost", "default worker_id is the host");
    tap_is_int(cfg.heartbeat_interval, 5, "default heartbeat_interval");
    tap_is_int((long long) diags.count, 0, "an empty file is fine");
}

static void
test_good_file(void)
{
    size_t n = parse(
        "# a comment\n"
        "\n"
        "   # an indented comment\n"
        "database = \"host=/run/pg dbname=sv application_name='a # b'\"\n"
        "redis=[::1]:6380\n"
        "\tmedia_root\t=\t/srv/media  \n"
        "sql_dir = /opt/sv/sql\r\n"
        "log_file = /var/log/sv.log\n"
        "log_level = debug\n"
        "worker_id = rec-01.eu_west\n"
        "heartbeat_interval = 3600");

    tap_is_int((long long) n, 0, "a complete file has no problems");
    tap_is_str(cfg.database, "host=/run/pg dbname=sv application_name='a # b'",
               "a quoted value is taken literally, '#' included");
    tap_ok(strcmp(cfg.redis_addr.host, "::1") == 0
           && cfg.redis_addr.port == 6380, "bracketed IPv6 redis");
    tap_is_str(cfg.media_root, "/srv/media", "tabs and spaces are trimmed");
    tap_is_str(cfg.sql_dir, "/opt/sv/sql", "CRLF line ends are accepted");
    tap_is_str(cfg.log_file, "/var/log/sv.log", "log_file path");
    tap_is_int(cfg.log_level, SV_LOG_DEBUG, "log_level");
    tap_is_str(cfg.worker_id, "rec-01.eu_west", "worker_id");
    tap_is_int(cfg.heartbeat_interval, 3600, "the last line needs no "
               "newline; 3600 is allowed");

    parse("sql_dir = \"/srv/my sql \"\nmedia_root = /a/b # c\n");
    tap_is_str(cfg.sql_dir, "/srv/my sql ", "blanks inside quotes are kept");
    tap_is_str(cfg.media_root, "/a/b # c", "an unquoted '#' is part of the "
               "value");

    parse("worker_id = \"a\"b\"\n");
    tap_is_str(problem(0), "w.conf:1: worker_id: 'a\"b' may contain only "
               "letters, digits, '.', '_' and '-'",
               "inner quotes are literal too (and then rejected here)");

    parse("redis = unix:/run/redis/redis.sock\n");
    tap_ok(cfg.redis_addr.is_unix && strcmp(cfg.redis_addr.path,
                                            "/run/redis/redis.sock") == 0,
           "unix socket redis");
}

static void
test_syntax_errors(void)
{
    char long_line[SV_CONFIG_LINE_MAX + 64];

    rejects("# ok\n\nlog_level\n", "w.conf:3: expected 'key = value'",
            "a line without '=' (line numbers count every line)");
    rejects(" = x\n", "w.conf:1: missing key before '='", "no key");
    rejects("log_levle = info\n", "w.conf:1: unknown key 'log_levle'",
            "an unknown key is named");
    rejects("\x01key\xff = 1\n", "w.conf:1: unknown key '?key?'",
            "an unknown key is shown printable");
    rejects("log_level = info\n#\nlog_level = debug\n",
            "w.conf:3: duplicate key 'log_level' (first set on line 1)",
            "a duplicate key points at the first");
    rejects("log_level =\n", "w.conf:1: missing value for 'log_level'",
            "an empty value");
    rejects("log_level = \"info\n", "w.conf:1: missing closing '\"' in the "
            "value of 'log_level'", "an unterminated quote");
    rejects("log_level = \"\n", "w.conf:1: missing closing '\"' in the "
            "value of 'log_level'", "a lone quote");
    rejects("log_level = \"\"\n", "w.conf:1: log_level: '' is not one of "
            "debug, info, warn, error", "a quoted empty value reaches the "
            "validator");

    memset(long_line, 0, sizeof(long_line));
    memcpy(long_line, "media_root = /", 14);
    memset(long_line + 14, 'a', SV_CONFIG_LINE_MAX - 14);
    tap_is_int((long long) parse(long_line), 0, "a line of exactly %d bytes "
               "is fine", SV_CONFIG_LINE_MAX);
    long_line[SV_CONFIG_LINE_MAX] = 'a';
    memcpy(long_line + SV_CONFIG_LINE_MAX + 1, "\nbogus\n", 8);
    tap_is_int((long long) parse(long_line), 2, "a longer line is an error, "
               "and parsing goes on after it");
    tap_is_str(problem(0), "w.conf:1: line is longer than 4096 bytes",
               "the long line's problem");
    tap_is_str(problem(1), "w.conf:2: expected 'key = value'",
               "the next line's problem has the right number");

    memset(&diags, 0, sizeof(diags));
    sv_config_set_defaults(&cfg, "h");
    sv_config_parse(&cfg, "log_level = in\0fo\n", 18, &diags);
    tap_is_str(problem(0), "w.conf:1: line contains a NUL byte",
               "a NUL byte is an error");
}

static void
test_value_errors(void)
{
    rejects("database = host\n", "w.conf:1: database: invalid connection "
            "string: missing \"=\" after \"host\" in connection info string",
            "database: libpq's own message");
    tap_is_int((long long) parse("database = postgresql://u@db:5433/sv?"
                                 "sslmode=disable\n"), 0,
               "database: a URI is accepted");
    rejects("database = nosuchoption=1\n", "w.conf:1: database: invalid "
            "connection string: invalid connection option \"nosuchoption\"",
            "database: unknown libpq option");

    rejects("redis = localhost\n", "w.conf:1: redis: expected HOST:PORT or "
            "unix:/path", "redis: no port");
    rejects("redis = localhost:0\n", "w.conf:1: redis: invalid port: 0 is "
            "out of range (1..65535)", "redis: port 0");
    rejects("redis = localhost:65536\n", "w.conf:1: redis: invalid port: "
            "65536 is out of range (1..65535)", "redis: port 65536");
    rejects("redis = localhost:\n", "w.conf:1: redis: invalid port: '' is "
            "not a whole number", "redis: empty port");
    rejects("redis = localhost:+80\n", "w.conf:1: redis: invalid port: '+80' "
            "is not a whole number", "redis: signed port");
    rejects("redis = ::1:6379\n", "w.conf:1: redis: an IPv6 address must be "
            "written in brackets: [ADDRESS]:PORT", "redis: bare IPv6");
    rejects("redis = [::g]:6379\n", "w.conf:1: redis: invalid IPv6 address",
            "redis: bad IPv6");
    rejects("redis = 10.0.0.256:6379\n", "w.conf:1: redis: invalid IPv4 "
            "address", "redis: bad IPv4");
    rejects("redis = my_host:6379\n", "w.conf:1: redis: invalid host name",
            "redis: '_' in a host name");
    rejects("redis = -host:6379\n", "w.conf:1: redis: invalid host name",
            "redis: leading hyphen");
    rejects("redis = host-.example:6379\n", "w.conf:1: redis: invalid host "
            "name", "redis: hyphen ending a label");
    rejects("redis = a..b:6379\n", "w.conf:1: redis: invalid host name",
            "redis: empty label");
    rejects("redis = :6379\n", "w.conf:1: redis: invalid host name",
            "redis: no host");
    tap_is_int((long long) parse("redis = redis-1.internal.example:7000\n"),
               0, "redis: a DNS name");
    rejects("redis = unix:run/redis.sock\n", "w.conf:1: redis: the socket "
            "path after 'unix:' must be absolute", "redis: relative socket");
    {
        char line[256] = "redis = unix:/";

        memset(line + strlen(line), 's', 110);
        rejects(line, "w.conf:1: redis: the socket path is longer than 107 "
                "bytes", "redis: socket path too long for sun_path");
    }

    rejects("media_root = media\n", "w.conf:1: media_root: 'media' is not "
            "an absolute path", "media_root: relative");
    rejects("sql_dir = ./sql\n", "w.conf:1: sql_dir: './sql' is not an "
            "absolute path", "sql_dir: relative");
    rejects("log_file = log.txt\n", "w.conf:1: log_file: must be 'stderr' or "
            "an absolute path", "log_file: relative");
    tap_is_int((long long) parse("log_file = stderr\n"), 0,
               "log_file: stderr");
    rejects("log_level = verbose\n", "w.conf:1: log_level: 'verbose' is not "
            "one of debug, info, warn, error", "log_level: unknown");
    rejects("worker_id = a b\n", "w.conf:1: worker_id: 'a b' may contain "
            "only letters, digits, '.', '_' and '-'", "worker_id: space");
    {
        char line[128] = "worker_id = ";

        memset(line + strlen(line), 'w', 64);
        tap_is_int((long long) parse(line), 0, "worker_id: 64 characters");
        strcat(line, "w");
        rejects(line, "w.conf:1: worker_id: must be 1 to 64 characters long",
                "worker_id: 65 characters");
    }
    rejects("heartbeat_interval = 0\n", "w.conf:1: heartbeat_interval: 0 is "
            "out of range (1..3600)", "heartbeat_interval: 0");
    rejects("heartbeat_interval = 3601\n", "w.conf:1: heartbeat_interval: "
            "3601 is out of range (1..3600)", "heartbeat_interval: 3601");
    rejects("heartbeat_interval = 99999999999999999999\n", "w.conf:1: "
            "heartbeat_interval: 99999999999999999999 is out of range "
            "(1..3600)", "heartbeat_interval: huge, no overflow");
    rejects("heartbeat_interval = 5s\n", "w.conf:1: heartbeat_interval: '5s' "
            "is not a whole number", "heartbeat_interval: a unit");
    rejects("heartbeat_interval = -1\n", "w.conf:1: heartbeat_interval: '-1' "
            "is not a whole number", "heartbeat_interval: negative");
    parse("heartbeat_interval = 007\n");
    tap_is_int(cfg.heartbeat_interval, 7, "heartbeat_interval: leading "
               "zeros are decimal");
}

/* The recorder's keys: unsigned ones from the table, the Twitch ones. */
static void
test_recorder_keys(void)
{
    parse("");
    tap_ok(cfg.recorder.max_recordings == 50
           && cfg.recorder.grace_seconds == 60
           && cfg.recorder.stall_seconds == 300
           && cfg.recorder.rollover_seconds == 86400
           && cfg.recorder.rollover_mb == 0 && cfg.recorder.min_free_mb == 1024
           && cfg.recorder.twitch_gql_url[0] == '\0',
           "the recorder's defaults");
    tap_is_int((long long) parse("max_recordings = 1000\n"
                                 "recording_grace_seconds = 5\n"
                                 "recording_stall_seconds = 10\n"
                                 "recording_rollover_seconds = 60\n"
                                 "recording_rollover_mb = 2048\n"
                                 "min_free_mb = 0\n"
                                 "twitch_gql_url = http://127.0.0.1:9/gql\n"
                                 "twitch_usher_url = https://u.example\n"), 0,
               "every recorder key");
    tap_ok(cfg.recorder.max_recordings == 1000
           && cfg.recorder.grace_seconds == 5
           && cfg.recorder.stall_seconds == 10
           && cfg.recorder.rollover_seconds == 60
           && cfg.recorder.rollover_mb == 2048 && cfg.recorder.min_free_mb == 0,
           "the unsigned ones land in their fields");
    tap_is_str(cfg.recorder.twitch_gql_url, "http://127.0.0.1:9/gql",
               "twitch_gql_url");
    rejects("max_recordings = 0\n", "w.conf:1: max_recordings: 0 is out of "
            "range (1..1000)", "max_recordings: 0");
    rejects("recording_stall_seconds = 9\n", "w.conf:1: "
            "recording_stall_seconds: 9 is out of range (10..86400)",
            "recording_stall_seconds: below 10");
    rejects("twitch_usher_url = ftp://x\n", "w.conf:1: twitch_usher_url: "
            "must be an http:// or https:// URL", "twitch_usher_url: ftp");
    tap_is_int((long long) parse("twitch_irc_addr = [::1]:6697\n"
                                 "twitch_irc_ca = /etc/ca.pem\n"), 0,
               "the chat server and its CA");
    tap_ok(strcmp(cfg.recorder.twitch_irc_host, "::1") == 0
           && cfg.recorder.twitch_irc_port == 6697
           && strcmp(cfg.recorder.twitch_irc_ca, "/etc/ca.pem") == 0,
           "twitch_irc_addr: [v6]:port");
    rejects("twitch_irc_addr = localhost\n", "w.conf:1: twitch_irc_addr: "
            "must be host:port", "twitch_irc_addr: no port");
    rejects("twitch_irc_addr = :6697\n", "w.conf:1: twitch_irc_addr: "
            "must be host:port", "twitch_irc_addr: no host");
    rejects("twitch_oauth_token = abc_DEF-123\n", "w.conf:1: "
            "twitch_oauth_token: retired: set twitch.user_token with PUT "
            "/api/settings, it is kept sealed in the database",
            "twitch_oauth_token: retired, says where the token goes");
}

static void
test_many_problems(void)
{
    char    text[4096] = "";
    size_t  n;

    for (int i = 0; i < SV_DIAGS_MAX + 5; i++) {
        strcat(text, "x\n");
    }
    n = parse(text);
    tap_ok(n == SV_DIAGS_MAX && diags.dropped == 5,
           "problems beyond %d are counted, not stored", SV_DIAGS_MAX);
    tap_is_str(problem(SV_DIAGS_MAX - 1), "w.conf:32: expected 'key = value'",
               "the last stored one");
}

/* A fake environment for sv_config_apply_env. */
static const char *const *fake_env;

static char *
fake_getenv(const char *name)
{
    for (size_t i = 0; fake_env[i] != NULL; i += 2) {
        if (strcmp(fake_env[i], name) == 0) {
            return (char *) fake_env[i + 1];
        }
    }
    return NULL;
}

static void
test_environment(void)
{
    static char        long_value[SV_CONFIG_LINE_MAX + 2];
    const char *const  good[] = {
        "STREAMVAULT_LOG_LEVEL", "warn",
        "STREAMVAULT_HEARTBEAT_INTERVAL", "9",
        "STREAMVAULT_REDIS", "unix:/tmp/r.sock",
        "STREAMVAULT_WORKER_ID", "",
        "STREAMVAULT_log_file", "/ignored",
        NULL,
    };
    const char *const  bad[] = {
        "STREAMVAULT_LOG_LEVEL", "chatty",
        "STREAMVAULT_MEDIA_ROOT", long_value,
        NULL,
    };

    parse("log_level = debug\nworker_id = from-file\n");
    fake_env = good;
    sv_config_apply_env(&cfg, fake_getenv, &diags);
    tap_is_int((long long) diags.count, 0, "valid overrides are fine");
    tap_is_int(cfg.log_level, SV_LOG_WARN, "the environment beats the file");
    tap_is_int(cfg.heartbeat_interval, 9, "an override of a default");
    tap_ok(cfg.redis_addr.is_unix, "overrides are parsed like the file");
    tap_is_str(cfg.worker_id, "from-file", "an empty variable counts as "
               "unset");
    tap_is_str(cfg.log_file, "stderr", "names are upper-case only");

    memset(long_value, 'a', sizeof(long_value) - 1);
    long_value[0] = '/';
    parse("");
    fake_env = bad;
    sv_config_apply_env(&cfg, fake_getenv, &diags);
    tap_is_int((long long) diags.count, 2, "each bad variable is a problem");
    tap_is_str(problem(0), "environment STREAMVAULT_MEDIA_ROOT: value is "
               "longer than 4096 bytes", "an over-long value");
    tap_is_str(problem(1), "environment STREAMVAULT_LOG_LEVEL: log_level: "
               "'chatty' is not one of debug, info, warn, error",
               "reported by variable name");
    tap_is_int(cfg.log_level, SV_LOG_INFO, "a bad value changes nothing");
}

static void
test_hostname_default(void)
{
    char id[SV_WORKER_ID_MAX + 1];
    char long_host[100];

    sv_worker_id_from_hostname("web 01.example.com", id);
    tap_is_str(id, "web-01.example.com", "a space in the host name becomes "
               "'-'");
    sv_worker_id_from_hostname("", id);
    tap_is_str(id, "worker", "no host name: 'worker'");
    memset(long_host, 'h', sizeof(long_host) - 1);
    long_host[sizeof(long_host) - 1] = '\0';
    sv_worker_id_from_hostname(long_host, id);
    tap_is_int((long long) strlen(id), 64, "cut to 64 characters");
}

static void
test_restart_needed(void)
{
    static struct sv_config  a, b;
    char                     out[128];

    sv_config_set_defaults(&a, "h");
    b = a;
    b.log_level = SV_LOG_DEBUG;
    b.heartbeat_interval = 60;
    snprintf(b.log_file, sizeof(b.log_file), "/var/log/x");
    sv_config_restart_needed(&a, &b, out, sizeof(out));
    tap_is_str(out, "", "reloadable changes need no restart");

    snprintf(b.database, sizeof(b.database), "dbname=other");
    snprintf(b.worker_id, sizeof(b.worker_id), "other");
    sv_config_restart_needed(&a, &b, out, sizeof(out));
    tap_is_str(out, "database,worker_id", "the others are listed");
}

static void
test_load_and_paths(void)
{
    char   path[] = "/tmp/sv-test-config-XXXXXX";
    int    fd = mkstemp(path);
    bool   ok;

    tap_is_str(sv_config_path("/cli.conf", "/env.conf"), "/cli.conf",
               "-c wins over the environment");
    tap_is_str(sv_config_path(NULL, "/env.conf"), "/env.conf",
               "then STREAMVAULT_CONFIG");
    tap_is_str(sv_config_path(NULL, ""), "/etc/streamvault/worker.conf",
               "then the default");

    if (write(fd, "log_level = warn\n", 17) != 17) {
        perror("write");
    }
    close(fd);

    setenv("STREAMVAULT_HEARTBEAT_INTERVAL", "12", 1);
    ok = sv_config_load(path, &cfg, &diags);
    unsetenv("STREAMVAULT_HEARTBEAT_INTERVAL");
    tap_ok(ok && cfg.log_level == SV_LOG_WARN && cfg.heartbeat_interval == 12,
           "loads a file and the real environment");

    unlink(path);
    ok = sv_config_load(path, &cfg, &diags);
    tap_ok(!ok && diags.count == 1, "a missing file is a problem");
    {
        char expected[128];

        snprintf(expected, sizeof(expected), "cannot open %s: No such file "
                 "or directory", path);
        tap_is_str(problem(0), expected, "reported as 'cannot open'");
    }
}

static void
test_printable(void)
{
    char out[80];
    char long_text[100];

    sv_printable("ok\t\x80", out, sizeof(out));
    tap_is_str(out, "ok??", "control and high bytes become '?'");
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    sv_printable(long_text, out, sizeof(out));
    tap_is_int((long long) strlen(out), 67, "long text is cut to 64 plus "
               "'...'");
    sv_printable(long_text, out, 8);
    tap_is_int((long long) strlen(out), 7, "and never overflows");
}

int
main(void)
{
    test_defaults();
    test_good_file();
    test_syntax_errors();
    test_value_errors();
    test_recorder_keys();
    test_many_problems();
    test_environment();
    test_hostname_default();
    test_restart_needed();
    test_load_and_paths();
    test_printable();
    return tap_done();
}
