/*
 * Configuration keys, the file parser and environment overrides
 * (see config.h).
 */

#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ENV_PREFIX  "STREAMVAULT_"

typedef bool (*sv_config_setter)(struct sv_config *cfg, const char *value,
                                 char *err, size_t errlen);

/* A key is set by its setter, or (set NULL) is an unsigned of the config
 * at offset, within [min, max]. */
struct config_key {
    const char        *name;
    sv_config_setter   set;
    size_t             offset;
    unsigned           min, max;
};

#define UINT_KEY(name, member, min, max) \
    { name, NULL, offsetof(struct sv_config, member), min, max }

static bool
copy_value(char *dst, size_t cap, const char *value, char *err, size_t errlen)
{
    if (strlen(value) >= cap) {
        snprintf(err, errlen, "value is longer than %zu bytes", cap - 1);
        return false;
    }

    memcpy(dst, value, strlen(value) + 1);
    return true;
}

static bool
set_database(struct sv_config *cfg, const char *value, char *err,
             size_t errlen)
{
    return sv_validate_conninfo(value, err, errlen)
           && copy_value(cfg->database, sizeof(cfg->database), value, err,
                         errlen);
}

static bool
set_redis(struct sv_config *cfg, const char *value, char *err, size_t errlen)
{
    return sv_parse_redis_addr(value, &cfg->redis_addr, err, errlen)
           && copy_value(cfg->redis, sizeof(cfg->redis), value, err, errlen);
}

static bool
set_media_root(struct sv_config *cfg, const char *value, char *err,
               size_t errlen)
{
    return sv_validate_absolute_path(value, err, errlen)
           && copy_value(cfg->media_root, sizeof(cfg->media_root), value, err,
                         errlen);
}

static bool
set_sql_dir(struct sv_config *cfg, const char *value, char *err,
            size_t errlen)
{
    return sv_validate_absolute_path(value, err, errlen)
           && copy_value(cfg->sql_dir, sizeof(cfg->sql_dir), value, err,
                         errlen);
}

static bool
set_log_file(struct sv_config *cfg, const char *value, char *err,
             size_t errlen)
{
    if (strcmp(value, "stderr") != 0
        && !sv_validate_absolute_path(value, err, errlen)) {
        snprintf(err, errlen, "must be 'stderr' or an absolute path");
        return false;
    }

    return copy_value(cfg->log_file, sizeof(cfg->log_file), value, err,
                      errlen);
}

static bool
set_log_level(struct sv_config *cfg, const char *value, char *err,
              size_t errlen)
{
    char shown[80];

    if (!sv_log_level_parse(value, &cfg->log_level)) {
        sv_printable(value, shown, sizeof(shown));
        snprintf(err, errlen, "'%s' is not one of debug, info, warn, error",
                 shown);
        return false;
    }

    return true;
}

static bool
set_worker_id(struct sv_config *cfg, const char *value, char *err,
              size_t errlen)
{
    return sv_validate_worker_id(value, err, errlen)
           && copy_value(cfg->worker_id, sizeof(cfg->worker_id), value, err,
                         errlen);
}

/* An endpoint of Twitch's, replaced for tests: http or https. */
static bool
set_twitch_url(char *dst, size_t cap, const char *value, char *err,
               size_t errlen)
{
    if (strncmp(value, "http://", 7) != 0
        && strncmp(value, "https://", 8) != 0) {
        snprintf(err, errlen, "must be an http:// or https:// URL");
        return false;
    }
    return copy_value(dst, cap, value, err, errlen);
}

static bool
set_twitch_gql_url(struct sv_config *cfg, const char *value, char *err,
                   size_t errlen)
{
    return set_twitch_url(cfg->recorder.twitch_gql_url,
                          sizeof(cfg->recorder.twitch_gql_url), value, err,
                          errlen);
}

static bool
set_twitch_usher_url(struct sv_config *cfg, const char *value, char *err,
                     size_t errlen)
{
    return set_twitch_url(cfg->recorder.twitch_usher_url,
                          sizeof(cfg->recorder.twitch_usher_url), value, err,
                          errlen);
}

/* Retired: the token is a setting now, sealed at rest in PostgreSQL. */
static bool
set_twitch_oauth_token(struct sv_config *cfg, const char *value, char *err,
                       size_t errlen)
{
    (void) cfg;
    (void) value;
    snprintf(err, errlen, "retired: set twitch.user_token with PUT "
             "/api/settings, it is kept sealed in the database");
    return false;
}

/* The chat server, "host:port" ("[v6]:port"), replaced for tests. */
static bool
set_twitch_irc_addr(struct sv_config *cfg, const char *value, char *err,
                    size_t errlen)
{
    struct sv_recorder_config *r = &cfg->recorder;
    const char                *colon = strrchr(value, ':');
    const char                *host = value;
    size_t                     len;

    if (colon == NULL || colon == value
        || !sv_parse_uint_in_range(colon + 1, 1, 65535, &r->twitch_irc_port,
                                   err, errlen)) {
        snprintf(err, errlen, "must be host:port");
        return false;
    }
    len = (size_t) (colon - value);
    if (host[0] == '[' && colon[-1] == ']') {
        host++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(r->twitch_irc_host)) {
        snprintf(err, errlen, "must be host:port");
        return false;
    }
    memcpy(r->twitch_irc_host, host, len);
    r->twitch_irc_host[len] = '\0';
    return true;
}

static bool
set_twitch_irc_ca(struct sv_config *cfg, const char *value, char *err,
                  size_t errlen)
{
    return sv_validate_absolute_path(value, err, errlen)
           && copy_value(cfg->recorder.twitch_irc_ca,
                         sizeof(cfg->recorder.twitch_irc_ca), value, err,
                         errlen);
}

static bool
set_secret_file(struct sv_config *cfg, const char *value, char *err,
                size_t errlen)
{
    return sv_validate_absolute_path(value, err, errlen)
           && copy_value(cfg->twitch.secret_file,
                         sizeof(cfg->twitch.secret_file), value, err, errlen);
}

static bool
set_twitch_helix_url(struct sv_config *cfg, const char *value, char *err,
                     size_t errlen)
{
    return set_twitch_url(cfg->twitch.helix_url, sizeof(cfg->twitch.helix_url),
                          value, err, errlen);
}

static bool
set_twitch_id_url(struct sv_config *cfg, const char *value, char *err,
                  size_t errlen)
{
    return set_twitch_url(cfg->twitch.id_url, sizeof(cfg->twitch.id_url),
                          value, err, errlen);
}

static const struct config_key config_keys[] = {
    { "database", set_database, 0, 0, 0 },
    { "redis", set_redis, 0, 0, 0 },
    { "media_root", set_media_root, 0, 0, 0 },
    { "sql_dir", set_sql_dir, 0, 0, 0 },
    { "log_file", set_log_file, 0, 0, 0 },
    { "log_level", set_log_level, 0, 0, 0 },
    { "worker_id", set_worker_id, 0, 0, 0 },
    UINT_KEY("heartbeat_interval", heartbeat_interval, 1, 3600),
    /* At least 2 s: the lease is extended every third of it. */
    UINT_KEY("job_lease_seconds", job_lease_seconds, 2, 3600),
    UINT_KEY("max_recordings", recorder.max_recordings, 1, 1000),
    UINT_KEY("recording_grace_seconds", recorder.grace_seconds, 1, 3600),
    UINT_KEY("recording_stall_seconds", recorder.stall_seconds, 10, 86400),
    UINT_KEY("recording_rollover_seconds", recorder.rollover_seconds, 60,
             172800),
    UINT_KEY("recording_rollover_mb", recorder.rollover_mb, 0, 100000000),
    UINT_KEY("min_free_mb", recorder.min_free_mb, 0, 100000000),
    UINT_KEY("twitch_low_latency", recorder.twitch_low_latency, 0, 1),
    { "twitch_gql_url", set_twitch_gql_url, 0, 0, 0 },
    { "twitch_usher_url", set_twitch_usher_url, 0, 0, 0 },
    { "twitch_oauth_token", set_twitch_oauth_token, 0, 0, 0 },
    { "twitch_irc_addr", set_twitch_irc_addr, 0, 0, 0 },
    { "twitch_irc_ca", set_twitch_irc_ca, 0, 0, 0 },
    { "secret_file", set_secret_file, 0, 0, 0 },
    { "twitch_helix_url", set_twitch_helix_url, 0, 0, 0 },
    { "twitch_id_url", set_twitch_id_url, 0, 0, 0 },
    UINT_KEY("twitch_poll_seconds", twitch.poll_seconds, 10, 3600),
    UINT_KEY("twitch_check_seconds", twitch.check_seconds, 30, 86400),
};
#define CONFIG_KEY_COUNT  (sizeof(config_keys) / sizeof(config_keys[0]))

static bool
set_key(struct sv_config *cfg, const struct config_key *key,
        const char *value, char *err, size_t errlen)
{
    if (key->set != NULL) {
        return key->set(cfg, value, err, errlen);
    }
    return sv_parse_uint_in_range(value, key->min, key->max,
                                  (unsigned *) ((char *) cfg + key->offset),
                                  err, errlen);
}

void
sv_config_set_defaults(struct sv_config *cfg, const char *hostname)
{
    char unused[SV_DIAG_TEXT_MAX];

    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->database, sizeof(cfg->database), "dbname=streamvault");
    set_redis(cfg, "127.0.0.1:6379", unused, sizeof(unused));
    snprintf(cfg->media_root, sizeof(cfg->media_root),
             "/var/lib/streamvault/media");
    snprintf(cfg->sql_dir, sizeof(cfg->sql_dir), "/usr/share/streamvault/sql");
    snprintf(cfg->log_file, sizeof(cfg->log_file), "stderr");
    cfg->log_level = SV_LOG_INFO;
    sv_worker_id_from_hostname(hostname, cfg->worker_id);
    cfg->heartbeat_interval = 5;
    cfg->job_lease_seconds = 30;
    cfg->recorder.max_recordings = 50;
    cfg->recorder.grace_seconds = 60;
    cfg->recorder.stall_seconds = 300;
    cfg->recorder.rollover_seconds = 86400;
    cfg->recorder.min_free_mb = 1024;
    snprintf(cfg->twitch.helix_url, sizeof(cfg->twitch.helix_url),
             "https://api.twitch.tv/helix");
    snprintf(cfg->twitch.id_url, sizeof(cfg->twitch.id_url),
             "https://id.twitch.tv");
    cfg->twitch.poll_seconds = 60;
    cfg->twitch.check_seconds = 300;
}

static const struct config_key *
find_key(const char *name, size_t len)
{
    for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
        if (strlen(config_keys[i].name) == len
            && memcmp(config_keys[i].name, name, len) == 0) {
            return &config_keys[i];
        }
    }

    return NULL;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Narrows [*start, *end) to exclude surrounding blanks. */
static void
trim(const char **start, const char **end)
{
    while (*start < *end && is_blank(**start)) {
        (*start)++;
    }
    while (*end > *start && is_blank((*end)[-1])) {
        (*end)--;
    }
}

/* The key in [p, end) (already trimmed), or NULL after reporting it. */
static const struct config_key *
line_key(const char *p, const char *end, unsigned lineno,
         struct sv_diags *diags)
{
    const struct config_key  *key = find_key(p, (size_t) (end - p));
    char                      text[SV_CONFIG_LINE_MAX + 1];
    char                      shown[80];

    if (key == NULL && p == end) {
        sv_diags_add_line(diags, lineno, "missing key before '='");
    } else if (key == NULL) {
        memcpy(text, p, (size_t) (end - p));
        text[end - p] = '\0';
        sv_printable(text, shown, sizeof(shown));
        sv_diags_add_line(diags, lineno, "unknown key '%s'", shown);
    }

    return key;
}

/* Narrows [*value, *end) to the value proper: trimmed, quotes removed.
 * False after reporting a missing value or closing quote. */
static bool
line_value(const char **value, const char **end, const char *key,
           unsigned lineno, struct sv_diags *diags)
{
    trim(value, end);

    if (*value == *end) {
        sv_diags_add_line(diags, lineno, "missing value for '%s'", key);
        return false;
    }

    if (**value == '"') {
        if (*end - *value < 2 || (*end)[-1] != '"') {
            sv_diags_add_line(diags, lineno, "missing closing '\"' in the "
                              "value of '%s'", key);
            return false;
        }
        (*value)++;
        (*end)--;
    }

    return true;
}

/* One line, already known to fit SV_CONFIG_LINE_MAX. */
static void
parse_line(struct sv_config *cfg, const char *p, const char *end,
           unsigned lineno, unsigned seen_on[CONFIG_KEY_COUNT],
           struct sv_diags *diags)
{
    const char               *eq, *key_end, *value;
    const struct config_key  *key;
    char                      text[SV_CONFIG_LINE_MAX + 1];
    char                      err[SV_DIAG_TEXT_MAX - 64];
    size_t                    slot;

    trim(&p, &end);
    if (p == end || *p == '#') {
        return;
    }

    if (memchr(p, '\0', (size_t) (end - p)) != NULL) {
        sv_diags_add_line(diags, lineno, "line contains a NUL byte");
        return;
    }

    eq = memchr(p, '=', (size_t) (end - p));
    if (eq == NULL) {
        sv_diags_add_line(diags, lineno, "expected 'key = value'");
        return;
    }

    key_end = eq;
    trim(&p, &key_end);
    key = line_key(p, key_end, lineno, diags);
    if (key == NULL) {
        return;
    }

    slot = (size_t) (key - config_keys);
    if (seen_on[slot] != 0) {
        sv_diags_add_line(diags, lineno, "duplicate key '%s' (first set on "
                          "line %u)", key->name, seen_on[slot]);
        return;
    }
    seen_on[slot] = lineno;

    value = eq + 1;
    if (!line_value(&value, &end, key->name, lineno, diags)) {
        return;
    }

    memcpy(text, value, (size_t) (end - value));
    text[end - value] = '\0';

    if (!set_key(cfg, key, text, err, sizeof(err))) {
        sv_diags_add_line(diags, lineno, "%s: %s", key->name, err);
    }
}

void
sv_config_parse(struct sv_config *cfg, const char *buf, size_t len,
                struct sv_diags *diags)
{
    unsigned     seen_on[CONFIG_KEY_COUNT] = { 0 };
    const char  *p = buf, *end = buf + len;
    unsigned     lineno = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *line_end = nl != NULL ? nl : end;

        lineno++;

        /* CRLF files are common when edited on Windows. */
        if (line_end > p && line_end[-1] == '\r') {
            line_end--;
        }

        if (line_end - p > SV_CONFIG_LINE_MAX) {
            sv_diags_add_line(diags, lineno, "line is longer than %d bytes",
                              SV_CONFIG_LINE_MAX);
        } else {
            parse_line(cfg, p, line_end, lineno, seen_on, diags);
        }

        p = nl != NULL ? nl + 1 : end;
    }
}

void
sv_config_apply_env(struct sv_config *cfg, char *(*lookup)(const char *name),
                    struct sv_diags *diags)
{
    for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
        char         var[64];
        char         err[SV_DIAG_TEXT_MAX - 64];
        const char  *value;
        size_t       n;

        n = (size_t) snprintf(var, sizeof(var), ENV_PREFIX "%s",
                              config_keys[i].name);
        for (size_t j = sizeof(ENV_PREFIX) - 1; j < n; j++) {
            if (var[j] >= 'a' && var[j] <= 'z') {
                var[j] = (char) (var[j] - 'a' + 'A');
            }
        }

        value = lookup(var);
        if (value == NULL || value[0] == '\0') {
            continue;
        }

        if (strlen(value) > SV_CONFIG_LINE_MAX) {
            sv_diags_add_env(diags, var, "value is longer than %d bytes",
                             SV_CONFIG_LINE_MAX);
        } else if (!set_key(cfg, &config_keys[i], value, err,
                            sizeof(err))) {
            sv_diags_add_env(diags, var, "%s: %s", config_keys[i].name, err);
        }
    }
}

void
sv_config_restart_needed(const struct sv_config *running,
                         const struct sv_config *loaded, char *out,
                         size_t cap)
{
    const struct {
        const char  *key;
        const char  *was, *now;
    } fixed[] = {
        { "database", running->database, loaded->database },
        { "redis", running->redis, loaded->redis },
        { "media_root", running->media_root, loaded->media_root },
        { "sql_dir", running->sql_dir, loaded->sql_dir },
        { "worker_id", running->worker_id, loaded->worker_id },
    };
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (strcmp(fixed[i].was, fixed[i].now) != 0 && len < cap) {
            len += (size_t) snprintf(out + len, cap - len, "%s%s",
                                     len > 0 ? "," : "", fixed[i].key);
        }
    }
}
