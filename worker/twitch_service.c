/*
 * The worker's Twitch service: leadership, settings, mode, schedule and
 * status (see twitch_service.h).
 */

#include "twitch_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json_gen.h"
#include "json_tree.h"
#include "log.h"
#include "pg.h"
#include "random.h"
#include "secret_key.h"
#include "twitch_service_int.h"

/* pg_try_advisory_lock's key for the one Twitch leader ("SVtw"). */
#define LEADER_LOCK      "1398174839"
#define LOCK_RETRY_MS    30000
#define CONFIG_MS        5000
#define LOOKUP_MS        1000
#define STATUS_MS        30000
#define RECONCILE_MS     3600000
/* After creating subscriptions: Twitch has verified them by then, and the
 * mirror learns their status. */
#define FOLLOW_UP_MS     15000
/* After a failed reconciliation or poll. */
#define RETRY_MS         30000

struct sv_twitch *
sv_twitch_new(const struct sv_config *cfg, char *err, size_t errlen)
{
    struct sv_twitch *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = cfg;
    if (sv_helix_client_init(&t->helix, &cfg->twitch, err, errlen) != 0) {
        free(t);
        return NULL;
    }
    sv_twitch_reload(t);
    return t;
}

void
sv_twitch_free(struct sv_twitch *t)
{
    if (t == NULL) {
        return;
    }
    sv_helix_client_free(&t->helix);
    explicit_bzero(t, sizeof(*t));     /* the opened secrets */
    free(t);
}

void
sv_twitch_set_idle(struct sv_twitch *t, void (*fn)(void *ctx), void *ctx)
{
    sv_helix_http_set_idle(t->helix.http, fn, ctx);
}

void
sv_twitch_pg_connected(struct sv_twitch *t)
{
    t->leader = false;
    t->next_lock_ms = 0;
}

void
sv_twitch_reload(struct sv_twitch *t)
{
    t->next_config_ms = 0;
    t->have_key = sv_secret_key_load(t->cfg->twitch.secret_file, t->key,
                                     t->key_error, sizeof(t->key_error));
    if (t->have_key) {
        t->key_error[0] = '\0';
    }
}

/* Opens the sealed value of setting name into out (cap bytes with the
 * NUL); false without the key or if it does not open. */
static bool
open_secret(struct sv_twitch *t, const char *name, const char *sealed,
            char *out, size_t cap)
{
    return t->have_key && sv_secret_open_text(t->key, name, sealed, out, cap);
}

/* The EventSub secret: the stored one, or a new one stored first. */
static bool
eventsub_secret(struct sv_twitch *t, PGconn *pg, const char *sealed)
{
    static const char   hex[] = "0123456789abcdef";
    unsigned char       raw[32];
    char                plain[65], err[512];
    char               *sealed_new;
    PGresult           *res;
    bool                ok;

    if (sealed != NULL) {
        return open_secret(t, "twitch.eventsub_secret", sealed,
                           t->eventsub_secret, sizeof(t->eventsub_secret));
    }
    if (sv_random_bytes(raw, sizeof(raw)) != 0) {
        return false;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        plain[2 * i] = hex[raw[i] >> 4];
        plain[2 * i + 1] = hex[raw[i] & 15];
    }
    plain[64] = '\0';
    sealed_new = malloc(sv_secretbox_sealed_len(64) + 1);
    ok = sealed_new != NULL
         && sv_secretbox_seal(t->key, "twitch.eventsub_secret",
                              (unsigned char *) plain, 64, sealed_new) == 0;
    memset(plain, 0, sizeof(plain));
    memset(raw, 0, sizeof(raw));
    if (!ok) {
        free(sealed_new);
        return false;
    }
    /* Another worker may have stored one meanwhile: the stored one wins. */
    res = sv_pg_query(pg, "SELECT twitch.eventsub_secret_init($1)", 1,
                      (const char *const *) &sealed_new, err, sizeof(err));
    free(sealed_new);
    if (res == NULL || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        sv_twitch_failed(t, "cannot store the EventSub secret", res == NULL
                         ? err : "no answer");
        PQclear(res);
        return false;
    }
    ok = open_secret(t, "twitch.eventsub_secret", PQgetvalue(res, 0, 0),
                     t->eventsub_secret, sizeof(t->eventsub_secret));
    PQclear(res);
    if (ok) {
        sv_log(SV_LOG_INFO, "generated the EventSub secret");
    }
    return ok;
}

static void
set_mode(struct sv_twitch *t, enum sv_twitch_mode mode, const char *reason)
{
    static const char *const names[] = { "off", "polling", "eventsub" };

    if (mode != t->mode || strcmp(reason, t->reason) != 0) {
        sv_log(SV_LOG_INFO, "Twitch service mode", SV_STR("mode", names[mode]),
               SV_STR("reason", reason));
        t->next_poll_ms = 0;
    }
    t->mode = mode;
    snprintf(t->reason, sizeof(t->reason), "%s", reason);
}

/* twitch.config() -> the mode and what it needs. */
static void
read_config(struct sv_twitch *t, PGconn *pg)
{
    char         err[512], secret[512];
    yajl_val     c;
    const char  *id, *sealed, *base;

    if (!t->have_key) {
        sv_twitch_reload(t);
    }
    c = sv_twitch_db_json(pg, "SELECT twitch.config()", 0, NULL, err,
                          sizeof(err));
    if (c == NULL) {
        sv_twitch_failed(t, "cannot read the Twitch settings", err);
        return;
    }
    id = sv_tree_string(c, "client_id");
    sealed = sv_tree_string(c, "client_secret");
    base = sv_tree_string(c, "public_base_url");
    t->reconcile_seq = sv_tree_integer(c, "reconcile_seq", 0);
    t->resubscribe_seq = sv_tree_integer(c, "resubscribe_seq", 0);
    if (!t->took_over) {
        /* A new leader goes on from what the last one handled, so that a
         * resubscribe asked for while none led is not lost. */
        t->done_resubscribe_seq = sv_tree_integer(c, "resubscribed_seq", 0);
        t->took_over = true;
    }
    snprintf(t->public_base_url, sizeof(t->public_base_url), "%s",
             base != NULL ? base : "");

    if (id == NULL || id[0] == '\0' || sealed == NULL) {
        set_mode(t, SV_TWITCH_OFF, "no Twitch client id and secret in the "
                 "settings");
    } else if (!t->have_key) {
        set_mode(t, SV_TWITCH_OFF, "secret_file cannot be read");
    } else if (!open_secret(t, "twitch.client_secret", sealed, secret,
                            sizeof(secret))) {
        set_mode(t, SV_TWITCH_OFF, "the client secret does not open with "
                 "the key of secret_file");
    } else {
        sv_helix_client_credentials(&t->helix, id, secret);
        if (t->public_base_url[0] == '\0') {
            set_mode(t, SV_TWITCH_POLLING, "no public_base_url for EventSub");
        } else if (!eventsub_secret(t, pg, sv_tree_string(c,
                                                          "eventsub_secret"))) {
            set_mode(t, SV_TWITCH_POLLING, "the EventSub secret is not "
                     "usable");
        } else {
            set_mode(t, SV_TWITCH_EVENTSUB, "public_base_url is set");
        }
    }
    explicit_bzero(secret, sizeof(secret));
    yajl_tree_free(c);
}

/* The status object for twitch.status_put; updated_at only when asked. */
static void
status_json(struct sv_twitch *t, yajl_gen g, bool stamped)
{
    static const char *const  modes[] = { "off", "polling", "eventsub" };
    const struct sv_helix_client *h = &t->helix;
    struct timespec           wall = sv_realtime_now();
    char                      now[SV_ISO8601_SIZE], until[SV_ISO8601_SIZE];

    yajl_gen_map_open(g);
    sv_gen_str(g, "mode", modes[t->mode]);
    sv_gen_str(g, "reason", t->mode == SV_TWITCH_OFF && !t->have_key
               && t->key_error[0] != '\0' ? t->key_error : t->reason);
    sv_gen_str(g, "worker_id", t->cfg->worker_id);
    sv_gen_str(g, "breaker", sv_breaker_name(h->breaker.state));
    sv_gen_key(g, "breaker_until");
    if (h->breaker.state == SV_BREAKER_OPEN) {
        struct timespec at = wall;

        at.tv_sec += (h->breaker.until_ms - sv_monotonic_ms()) / 1000;
        sv_format_iso8601(&at, until);
        yajl_gen_string(g, (const unsigned char *) until, strlen(until));
    } else {
        yajl_gen_null(g);
    }
    sv_gen_int(g, "failures", h->breaker.failures);
    sv_gen_str(g, "token", h->auth.token[0] != '\0' ? "ok"
               : h->auth.failed ? "failed" : "none");
    sv_gen_str(g, "last_poll_at", t->last_poll_at[0] ? t->last_poll_at
               : NULL);
    sv_gen_str(g, "last_reconcile_at", t->last_reconcile_at[0]
               ? t->last_reconcile_at : NULL);
    sv_gen_str(g, "last_error", h->last_error[0] ? h->last_error : NULL);
    sv_gen_int(g, "ratelimit_remaining", h->ratelimit.remaining);
    sv_gen_int(g, "ratelimit_reset", h->ratelimit.reset);
    if (stamped) {
        sv_format_iso8601(&wall, now);
        sv_gen_str(g, "updated_at", now);
    }
    yajl_gen_map_close(g);
}

static void
publish_status(struct sv_twitch *t, PGconn *pg, int64_t now)
{
    yajl_gen     g = yajl_gen_alloc(NULL);
    const char  *text;
    char         err[512];

    if (g == NULL) {
        return;
    }
    status_json(t, g, false);
    text = sv_twitch_gen_text(g);
    if (strcmp(text, t->last_status) != 0 || now >= t->next_status_ms) {
        snprintf(t->last_status, sizeof(t->last_status), "%s", text);
        yajl_gen_clear(g);
        yajl_gen_free(g);
        g = yajl_gen_alloc(NULL);
        if (g == NULL) {
            return;
        }
        status_json(t, g, true);
        text = sv_twitch_gen_text(g);
        if (sv_twitch_db_exec(pg, "SELECT twitch.status_put($1)", 1, &text,
                              err, sizeof(err))) {
            t->next_status_ms = now + STATUS_MS;
        } else {
            sv_log(SV_LOG_WARN, "cannot publish the Twitch status",
                   SV_STR("error", err));
        }
    }
    yajl_gen_free(g);
}

/* Whether this worker leads (takes the lock when due). */
static bool
lead(struct sv_twitch *t, PGconn *pg, int64_t now)
{
    char       err[512];
    PGresult  *res;

    if (t->leader || now < t->next_lock_ms) {
        return t->leader;
    }
    t->next_lock_ms = now + LOCK_RETRY_MS;
    res = sv_pg_query(pg, "SELECT pg_try_advisory_lock(" LEADER_LOCK ")", 0,
                      NULL, err, sizeof(err));
    t->leader = res != NULL && PQntuples(res) == 1
                && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (t->leader) {
        sv_log(SV_LOG_INFO, "this worker runs the Twitch service");
        t->reconciled = false;
        t->took_over = false;
        t->next_config_ms = 0;
        t->next_poll_ms = 0;
        t->next_status_ms = 0;
        t->last_status[0] = '\0';
    }
    return t->leader;
}

/* Asked for (at the start of leading, a new seq) or hourly; not before
 * the pause after a failure. */
static bool
reconcile_wanted(const struct sv_twitch *t)
{
    return !t->reconciled || t->reconcile_seq != t->done_reconcile_seq
           || t->resubscribe_seq != t->done_resubscribe_seq;
}

static int64_t
reconcile_at(const struct sv_twitch *t)
{
    return reconcile_wanted(t) ? t->reconcile_retry_ms : t->next_reconcile_ms;
}

static void
reconcile(struct sv_twitch *t, PGconn *pg)
{
    int              rc;
    int64_t          now;
    struct timespec  wall;
    bool             follow_up = t->follow_up;

    t->created = false;
    rc = sv_twitch_reconcile(t, pg);
    now = sv_monotonic_ms();

    /* 1: more to do, next pass; -1: failed, again after a pause. */
    t->reconcile_retry_ms = rc < 0 ? now + RETRY_MS : 0;
    if (rc == 0) {
        t->reconciled = true;
        /* One follow-up only: a callback that fails verification is not
         * retried every few seconds. */
        t->follow_up = t->created && !follow_up;
        t->next_reconcile_ms = now + (t->follow_up ? FOLLOW_UP_MS
                                      : RECONCILE_MS);
        wall = sv_realtime_now();
        sv_format_iso8601(&wall, t->last_reconcile_at);
    }
}

void
sv_twitch_service(struct sv_twitch *t, PGconn *pg)
{
    int64_t now = sv_monotonic_ms();

    if (!lead(t, pg, now) || now < sv_twitch_next_ms(t)) {
        return;
    }
    if (now >= t->next_config_ms) {
        t->next_config_ms = now + CONFIG_MS;
        read_config(t, pg);
        if (t->mode != SV_TWITCH_OFF) {
            sv_twitch_resolve(t, pg);
            sv_twitch_fill_info(t, pg);
        }
    }
    /* someone waits for these in the web UI: asked for every second */
    if (t->mode != SV_TWITCH_OFF && sv_monotonic_ms() >= t->next_lookup_ms) {
        sv_twitch_lookups(t, pg);
        t->next_lookup_ms = sv_monotonic_ms() + LOOKUP_MS;
    }
    if (t->mode != SV_TWITCH_OFF && sv_monotonic_ms() >= reconcile_at(t)) {
        reconcile(t, pg);
    }
    if (t->mode != SV_TWITCH_OFF && sv_monotonic_ms() >= t->next_poll_ms) {
        unsigned every = t->mode == SV_TWITCH_POLLING
                         ? t->cfg->twitch.poll_seconds
                         : t->cfg->twitch.check_seconds;

        sv_twitch_poll(t, pg);
        t->next_poll_ms = sv_monotonic_ms() + (int64_t) every * 1000;
    }
    publish_status(t, pg, sv_monotonic_ms());
}

int64_t
sv_twitch_next_ms(const struct sv_twitch *t)
{
    int64_t next;

    if (!t->leader) {
        return t->next_lock_ms;
    }
    next = t->next_config_ms < t->next_status_ms ? t->next_config_ms
           : t->next_status_ms;
    if (t->mode != SV_TWITCH_OFF) {
        next = next < t->next_poll_ms ? next : t->next_poll_ms;
        next = next < t->next_lookup_ms ? next : t->next_lookup_ms;
        next = next < reconcile_at(t) ? next : reconcile_at(t);
    }
    return next;
}
