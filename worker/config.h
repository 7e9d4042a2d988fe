/*
 * The worker's configuration: defaults, then the file, then STREAMVAULT_*
 * environment variables, each value validated the same way.
 *
 * File format: `key = value` lines; lines starting with '#' are comments;
 * blank lines are fine; whitespace around key and value is trimmed; a value
 * in double quotes is taken literally between the first and the last quote.
 * A '#' after a value is part of the value. Lines are at most 4096 bytes.
 * Unknown and repeated keys are errors.
 *
 * Parsing works on a buffer and a lookup function, never on the process
 * state, so it is unit-tested directly.
 */

#ifndef SV_CONFIG_H
#define SV_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config_values.h"
#include "diag.h"
#include "log_format.h"

#define SV_CONFIG_LINE_MAX  4096

/* The recorder's limits; all of them change with a reload. */
struct sv_recorder_config {
    unsigned  max_recordings;       /* at once, in this worker */
    unsigned  grace_seconds;        /* a source failing this long has ended */
    unsigned  stall_seconds;        /* no new media this long: finalized */
    unsigned  rollover_seconds;     /* of media, then the next part */
    unsigned  rollover_mb;          /* of raw segments; 0: no limit */
    unsigned  min_free_mb;          /* on the media disk; 0: no guard */
    unsigned  twitch_low_latency;   /* 1: prefetch segments too */
    char      twitch_gql_url[1024];     /* "": Twitch's */
    char      twitch_usher_url[1024];   /* "": Twitch's */
    char      twitch_irc_host[256];     /* "": Twitch's chat */
    unsigned  twitch_irc_port;
    char      twitch_irc_ca[PATH_MAX];  /* "": the system's CA store */
};

/* The Twitch service (twitch_service.h); all change with a reload. */
struct sv_twitch_config {
    char      secret_file[PATH_MAX];    /* "": no secrets at rest, off */
    char      helix_url[1024];
    char      id_url[1024];
    unsigned  poll_seconds;         /* polling mode: streams this often */
    unsigned  check_seconds;        /* eventsub mode: the catch-up poll */
};

struct sv_config {
    char                  database[SV_CONFIG_LINE_MAX + 1];
    char                  redis[SV_CONFIG_LINE_MAX + 1];
    struct sv_redis_addr  redis_addr;       /* parsed from redis */
    char                  media_root[PATH_MAX];
    char                  sql_dir[PATH_MAX];
    char                  log_file[PATH_MAX];   /* "stderr" or a path */
    enum sv_log_level     log_level;
    char                  worker_id[SV_WORKER_ID_MAX + 1];
    unsigned              heartbeat_interval;   /* seconds */
    unsigned              job_lease_seconds;    /* a taken job's lease */
    struct sv_recorder_config  recorder;
    struct sv_twitch_config    twitch;
};

/* The defaults; worker_id is derived from hostname. */
void sv_config_set_defaults(struct sv_config *cfg, const char *hostname);

/* Applies the file's settings in buf (len bytes, need not end in NUL),
 * adding one problem per bad line to diags. */
void sv_config_parse(struct sv_config *cfg, const char *buf, size_t len,
                     struct sv_diags *diags);

/* Applies STREAMVAULT_<KEY> variables found through lookup (getenv in the
 * program). An empty variable counts as unset. */
void sv_config_apply_env(struct sv_config *cfg,
                         char *(*lookup)(const char *name),
                         struct sv_diags *diags);

/* Settings that differ and need a restart to take effect, as a
 * comma-separated list of keys ("" if none). */
void sv_config_restart_needed(const struct sv_config *running,
                              const struct sv_config *loaded, char *out,
                              size_t cap);

#endif /* SV_CONFIG_H */
