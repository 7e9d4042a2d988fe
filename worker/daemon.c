/*
 * The worker's main loop (see daemon.h).
 *
 * Every pass: act on signals, (re)connect what is due, beat if due, push
 * the recent warnings, then sleep in ppoll until the next deadline or a
 * signal. Nothing blocks for long outside that sleep: the PostgreSQL
 * handshake wakes on signals and Redis calls time out after
 * SV_REDIS_TIMEOUT_MS.
 */

#include "daemon.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "heartbeat.h"
#include "jobs.h"
#include "log.h"
#include "log_push.h"
#include "media_path.h"
#include "migrate.h"
#include "pg.h"
#include "random.h"
#include "recorder.h"
#include "redis.h"
#include "reload.h"
#include "signals.h"
#include "sv_version.h"
#include "twitch_service.h"

/* Even with nothing due, wake up this often (a safety net, not a tick). */
#define MAX_SLEEP_MS  60000

struct daemon {
    struct sv_config  *cfg;
    const char        *config_path;
    char               host[HOST_NAME_MAX + 1];
    char               started_at[SV_ISO8601_SIZE];
    char               beat_key[SV_HEARTBEAT_KEY_SIZE];

    PGconn            *pg;
    struct sv_retry    pg_retry;
    bool               migrated;

    redisContext      *redis;
    struct sv_retry    redis_retry;
    int64_t            next_beat_ms;

    struct sv_jobs     jobs;
    int64_t            next_jobs_ms;

    struct sv_recorder *recorder;
    struct sv_twitch   *twitch;
};

static void
service_signals(struct daemon *d, int64_t now)
{
    /* A reload beats at once, so a new interval's TTL applies right away. */
    if (sv_take_reload_request()
        && sv_reload_config(d->config_path, d->cfg)) {
        d->next_beat_ms = now;
        sv_twitch_reload(d->twitch);
    }

    if (sv_take_reopen_request()) {
        sv_reopen_log();
    }
}

/* Connects when due and migrates once; -1 if the migrations failed. */
static int
keep_pg(struct daemon *d, int64_t now)
{
    if (d->pg == NULL && sv_retry_due(&d->pg_retry, now)) {
        d->pg = sv_pg_connect_paced(d->cfg->database, &d->pg_retry);
        if (d->pg != NULL) {
            sv_jobs_pg_connected(&d->jobs);
            sv_twitch_pg_connected(d->twitch);
        }
    }

    if (d->pg != NULL && !d->migrated) {
        if (sv_migrate(d->pg, d->cfg->sql_dir) != 0) {
            return -1;
        }
        d->migrated = true;
    }

    return 0;
}

static void
keep_redis(struct daemon *d, int64_t now)
{
    if (d->redis == NULL && sv_retry_due(&d->redis_retry, now)) {
        d->redis = sv_redis_connect_paced(&d->cfg->redis_addr,
                                          &d->redis_retry);
        if (d->redis != NULL) {
            d->next_beat_ms = now;
            sv_jobs_redis_connected(&d->jobs);
        }
    }
}

static void
check_pg(struct daemon *d)
{
    char err[1024];

    if (d->pg != NULL && !sv_pg_alive(d->pg, err, sizeof(err))) {
        sv_log(SV_LOG_WARN, "lost the connection to PostgreSQL, reconnecting",
               SV_STR("error", err));
        PQfinish(d->pg);
        d->pg = NULL;
        sv_retry_reset(&d->pg_retry);
    }
}

static void
drop_redis(struct daemon *d, int64_t now, const char *err)
{
    sv_log(SV_LOG_WARN, "lost the connection to Redis, reconnecting",
           SV_STR("error", err));
    redisFree(d->redis);
    d->redis = NULL;
    /* Not a reset: a server that accepts and then fails must not make us
     * reconnect in a tight loop. */
    sv_retry_failed(&d->redis_retry, now, sv_random_u32());
}

/* A connection error is returned (and not acted on: a running job may be
 * using the connection). */
static enum sv_redis_result
send_heartbeat(struct daemon *d, char *err, size_t errlen)
{
    struct timespec      wall = sv_realtime_now();
    char                 beat_at[SV_ISO8601_SIZE], ttl[16];
    char                 json[SV_HEARTBEAT_JSON_SIZE];
    unsigned             ttl_s = 3 * d->cfg->heartbeat_interval;
    struct sv_heartbeat  hb = {
        .worker_id = d->cfg->worker_id, .pid = (long) getpid(),
        .host = d->host, .started_at = d->started_at, .beat_at = beat_at,
    };
    size_t               json_len;

    sv_format_iso8601(&wall, beat_at);
    snprintf(ttl, sizeof(ttl), "%u", ttl_s);
    json_len = sv_heartbeat_json(&hb, json, sizeof(json));

    const char   *argv[] = { "SET", d->beat_key, json, "EX", ttl };
    const size_t  lens[] = { 3, strlen(d->beat_key), json_len, 2,
                             strlen(ttl) };

    enum sv_redis_result r = sv_redis_run(d->redis, 5, argv, lens, err,
                                          errlen);

    if (r == SV_REDIS_OK) {
        sv_retry_reset(&d->redis_retry);
        sv_log(SV_LOG_DEBUG, "heartbeat", SV_STR("key", d->beat_key),
               SV_INT("ttl_s", ttl_s));
    } else if (r == SV_REDIS_REPLY_ERROR) {
        sv_log(SV_LOG_WARN, "Redis refused the heartbeat",
               SV_STR("error", err));
    }
    d->next_beat_ms = sv_monotonic_ms()
                      + (int64_t) d->cfg->heartbeat_interval * 1000;
    return r;
}

static void
beat(struct daemon *d, int64_t now)
{
    char err[256];

    check_pg(d);
    if (d->redis != NULL
        && send_heartbeat(d, err, sizeof(err)) == SV_REDIS_CONN_ERROR) {
        drop_redis(d, now, err);
    }
    d->next_beat_ms = now + (int64_t) d->cfg->heartbeat_interval * 1000;
}

/* What was logged at WARN and ERROR since the last push, to Redis for the
 * API; a connection error is returned, as by send_heartbeat. */
static enum sv_redis_result
push_logs(struct daemon *d, char *err, size_t errlen)
{
    return d->redis != NULL
           ? sv_log_push(d->redis, d->cfg->worker_id, err, errlen)
           : SV_REDIS_OK;
}

/* The recordings' PostgreSQL side, when due. */
static void
serve_recorder(struct daemon *d, int64_t now)
{
    if (d->pg != NULL && d->migrated
        && now >= sv_recorder_next_service_ms(d->recorder)) {
        sv_recorder_service(d->recorder, d->pg, d->redis);
    }
}

/* Twitch's side, when due: its Helix calls wait in sv_wait_fd, so the
 * recordings keep moving meanwhile. */
static void
serve_twitch(struct daemon *d, int64_t now)
{
    if (d->pg != NULL && d->migrated && now >= sv_twitch_next_ms(d->twitch)) {
        sv_twitch_service(d->twitch, d->pg);
    }
}

/* While a job runs the main loop waits for it: the heartbeat and the
 * recordings go on from here, so a long remux neither makes the worker look
 * gone nor holds up the end of a recording. Connections are only dropped
 * after the job, by the loop. The same while Twitch is waited for. */
static void
while_job_runs(void *ctx)
{
    struct daemon *d = ctx;
    char           err[256];
    int64_t        now = sv_monotonic_ms();

    if (now >= d->next_beat_ms && d->redis != NULL) {
        send_heartbeat(d, err, sizeof(err));
    }
    push_logs(d, err, sizeof(err));
    serve_recorder(d, now);
}

/* The queue needs both: Redis moves the jobs, PostgreSQL records them. */
static void
work_jobs(struct daemon *d, int64_t now)
{
    char err[512];

    if (d->pg == NULL || d->redis == NULL || now < d->next_jobs_ms) {
        return;
    }
    if (sv_jobs_step(&d->jobs, d->pg, d->redis, d->cfg, &d->next_jobs_ms,
                     err, sizeof(err)) == SV_REDIS_CONN_ERROR) {
        drop_redis(d, sv_monotonic_ms(), err);
    }
}

static int64_t
earliest(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t
next_wake(const struct daemon *d, int64_t now)
{
    int64_t wake = now + MAX_SLEEP_MS;

    if (d->pg == NULL) {
        wake = earliest(wake, d->pg_retry.next_at_ms);
    }
    if (d->migrated) {
        wake = earliest(wake, d->next_beat_ms);
        if (d->redis == NULL) {
            wake = earliest(wake, d->redis_retry.next_at_ms);
        } else if (d->pg != NULL) {
            wake = earliest(wake, d->next_jobs_ms);
        }
        if (d->pg != NULL) {
            wake = earliest(wake, sv_recorder_next_service_ms(d->recorder));
            wake = earliest(wake, sv_twitch_next_ms(d->twitch));
        }
    }

    return wake;
}

static void
stop(struct daemon *d, int rc)
{
    char        err[256];
    const char *argv[2] = { "DEL", d->beat_key };
    size_t      lens[2] = { 3, strlen(d->beat_key) };
    const char *reason = rc != 0 ? "migrations failed"
                         : sv_stop_signal() == SIGINT ? "SIGINT" : "SIGTERM";

    sv_log(SV_LOG_INFO, "stopping", SV_STR("reason", reason));

    sv_wait_set_driver(NULL, NULL);
    sv_recorder_shutdown(d->recorder, d->migrated ? d->pg : NULL);
    sv_recorder_free(d->recorder);
    sv_twitch_free(d->twitch);

    if (d->redis != NULL) {
        push_logs(d, err, sizeof(err));
        if (sv_redis_run(d->redis, 2, argv, lens, err, sizeof(err))
            != SV_REDIS_OK) {
            sv_log(SV_LOG_WARN, "cannot delete the heartbeat key; it expires "
                   "by itself", SV_STR("key", d->beat_key),
                   SV_STR("error", err));
        }
        redisFree(d->redis);
    }

    PQfinish(d->pg);
    sv_log(SV_LOG_INFO, "stopped", SV_INT("exit_status", rc));
}

int
sv_daemon_run(struct sv_config *cfg, const char *config_path)
{
    struct daemon    d = { .cfg = cfg, .config_path = config_path };
    struct timespec  wall = sv_realtime_now();
    int              rc = 0;
    char             err[256];

    if (gethostname(d.host, sizeof(d.host) - 1) != 0) {
        d.host[0] = '\0';
    }
    sv_format_iso8601(&wall, d.started_at);
    /* worker_id is validated to fit; it only changes with a restart. */
    sv_heartbeat_key(cfg->worker_id, d.beat_key, sizeof(d.beat_key));
    sv_media_root_set(cfg->media_root);
    sv_retry_reset(&d.pg_retry);
    sv_retry_reset(&d.redis_retry);
    sv_log_keep_recent();
    d.recorder = sv_recorder_new(cfg, err, sizeof(err));
    if (d.recorder == NULL) {
        sv_log(SV_LOG_ERROR, "cannot start the recorder",
               SV_STR("error", err));
        return 1;
    }
    d.twitch = sv_twitch_new(cfg, err, sizeof(err));
    if (d.twitch == NULL) {
        sv_log(SV_LOG_ERROR, "cannot start the Twitch service",
               SV_STR("error", err));
        sv_recorder_free(d.recorder);
        return 1;
    }
    sv_wait_set_driver(sv_recorder_wait, d.recorder);
    sv_twitch_set_idle(d.twitch, while_job_runs, &d);
    d.jobs.while_running = while_job_runs;
    d.jobs.while_running_ctx = &d;
    d.jobs.recorder = d.recorder;

    sv_log(SV_LOG_INFO, "starting", SV_STR("version", STREAMVAULT_VERSION),
           SV_STR("worker_id", cfg->worker_id),
           SV_STR("config", config_path));

    while (sv_stop_signal() == 0) {
        int64_t now = sv_monotonic_ms();

        service_signals(&d, now);

        if (keep_pg(&d, now) != 0) {
            rc = 1;
            break;
        }

        if (d.migrated) {
            keep_redis(&d, now);
            if (now >= d.next_beat_ms) {
                beat(&d, now);
            }
            work_jobs(&d, sv_monotonic_ms());
            serve_recorder(&d, sv_monotonic_ms());
            serve_twitch(&d, sv_monotonic_ms());
            if (push_logs(&d, err, sizeof(err)) == SV_REDIS_CONN_ERROR) {
                drop_redis(&d, sv_monotonic_ms(), err);
            }
        }

        now = sv_monotonic_ms();
        sv_wait_fd(-1, 0, next_wake(&d, now) - now);
    }

    stop(&d, rc);
    return rc;
}
