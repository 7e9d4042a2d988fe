/*
 * Helix calls as Twitch wants them made (see helix_client.h).
 */

#include "helix_client.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "signals.h"

int
sv_helix_client_init(struct sv_helix_client *c,
                     const struct sv_twitch_config *cfg, char *err,
                     size_t errlen)
{
    memset(c, 0, sizeof(*c));
    c->cfg = cfg;
    c->ratelimit = (struct sv_helix_ratelimit) { -1, -1, -1 };
    c->http = sv_helix_http_new(err, errlen);
    return c->http != NULL ? 0 : -1;
}

void
sv_helix_client_free(struct sv_helix_client *c)
{
    sv_helix_http_free(c->http);
    memset(c->client_secret, 0, sizeof(c->client_secret));
    sv_helix_auth_drop(&c->auth);
}

void
sv_helix_client_credentials(struct sv_helix_client *c, const char *client_id,
                            const char *client_secret)
{
    if (strcmp(c->client_id, client_id) == 0
        && strcmp(c->client_secret, client_secret) == 0) {
        return;
    }
    snprintf(c->client_id, sizeof(c->client_id), "%s", client_id);
    snprintf(c->client_secret, sizeof(c->client_secret), "%s",
             client_secret);
    sv_helix_auth_drop(&c->auth);
    /* New credentials deserve a try at once. */
    sv_breaker_success(&c->breaker);
}

/* Waits until Twitch's reset time (Unix seconds), at most the bound; false
 * after a stop signal. */
static bool
wait_for_reset(struct sv_helix_client *c, long long reset)
{
    long long wait_s = reset - (long long) time(NULL);

    if (wait_s <= 0) {
        wait_s = reset < 0 ? 1 : 0;
    }
    if (wait_s > SV_HELIX_RESET_WAIT_MAX_S) {
        wait_s = SV_HELIX_RESET_WAIT_MAX_S;
    }
    if (wait_s > 0) {
        sv_log(SV_LOG_INFO, "waiting for Twitch's rate limit to reset",
               SV_INT("wait_s", wait_s));
    }
    /* The reset is a whole second: wait into it, not just up to it. */
    return sv_helix_sleep_until(c->http, sv_monotonic_ms() + wait_s * 1000
                                         + 250);
}

static int
send_once(struct sv_helix_client *c, const char *method, const char *path,
          const char *json, struct sv_helix_response *resp, char *err,
          size_t errlen)
{
    char                     url[2048], id[160];
    char                     auth[SV_HELIX_TOKEN_SIZE + 32];
    const char *const        headers[] = {
        id, auth, "Content-Type: application/json", NULL
    };
    struct sv_helix_request  req = { .method = method, .url = url,
                                     .headers = headers, .body = json,
                                     .body_len = json ? strlen(json) : 0 };
    size_t                   base = strlen(c->cfg->helix_url);

    if (sv_helix_auth_ready(&c->auth, c->http, c->cfg->id_url, c->client_id,
                            c->client_secret, err, errlen) != 0) {
        return -1;
    }
    if (base > 0 && c->cfg->helix_url[base - 1] == '/') {
        base--;
    }
    if ((size_t) snprintf(url, sizeof(url), "%.*s%s", (int) base,
                          c->cfg->helix_url, path) >= sizeof(url)) {
        snprintf(err, errlen, "a Helix URL is too long");
        return -1;
    }
    snprintf(id, sizeof(id), "Client-Id: %s", c->client_id);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->auth.token);
    if (sv_helix_http_do(c->http, &req, resp, err, errlen) != 0) {
        return -1;
    }
    c->ratelimit = resp->ratelimit;
    return 0;
}

/* The request with its one retry for a 401 and for a 429. 0: an answer
 * that is no failure; -1: a failure for the breaker. */
static int
attempt(struct sv_helix_client *c, const char *method, const char *path,
        const char *json, struct sv_helix_response *resp, char *err,
        size_t errlen)
{
    bool renewed = false, waited = false;

    for (;;) {
        if (send_once(c, method, path, json, resp, err, errlen) != 0) {
            return -1;
        }
        if (resp->status == 401 && !renewed) {
            sv_log(SV_LOG_INFO, "Helix refused the app access token; "
                   "renewing it", SV_STR("path", path));
            sv_helix_auth_drop(&c->auth);
            renewed = true;
        } else if (resp->status == 429 && !waited) {
            waited = true;
            if (!wait_for_reset(c, resp->ratelimit.reset)) {
                snprintf(err, errlen, "stopped");
                sv_helix_response_free(resp);
                return -1;
            }
        } else if (resp->status == 429 || resp->status == 401
                   || resp->status >= 500) {
            snprintf(err, errlen, "Helix answered HTTP %ld to %s %s",
                     resp->status, method, path);
            sv_helix_response_free(resp);
            return -1;
        } else {
            return 0;
        }
        sv_helix_response_free(resp);
    }
}

int
sv_helix_call(struct sv_helix_client *c, const char *method,
              const char *path, const char *json,
              struct sv_helix_response *resp, char *err, size_t errlen)
{
    *resp = (struct sv_helix_response) { 0 };
    if (!sv_breaker_allow(&c->breaker, sv_monotonic_ms())) {
        snprintf(err, errlen, "the circuit breaker is open: no calls to "
                 "Twitch for now");
        return -1;
    }
    if (c->ratelimit.remaining == 0 && c->ratelimit.reset > 0) {
        c->ratelimit.remaining = -1;
        if (!wait_for_reset(c, c->ratelimit.reset)) {
            snprintf(err, errlen, "stopped");
            return -1;
        }
    }
    if (attempt(c, method, path, json, resp, err, errlen) != 0) {
        if (sv_stop_signal() == 0) {
            sv_breaker_failure(&c->breaker, sv_monotonic_ms());
        }
        snprintf(c->last_error, sizeof(c->last_error), "%s", err);
        return -1;
    }
    sv_breaker_success(&c->breaker);
    return 0;
}
