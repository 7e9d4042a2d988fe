/*
 * Helix calls as Twitch wants them made: Client-Id and the app token
 * (helix_auth.h) on each; Ratelimit-* respected (none left: the next call
 * waits for the reset); a 429 waits for the reset (at most 60 s) and is
 * tried once more; a 401 renews the token and is tried once more; the
 * circuit breaker (helix_breaker.h) counts network errors, timeouts, 5xx
 * and a second 429 and, while open, fails calls without a request. The
 * waits go through sv_wait_fd: the recordings keep moving.
 */

#ifndef SV_HELIX_CLIENT_H
#define SV_HELIX_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "helix_auth.h"
#include "helix_breaker.h"
#include "helix_http.h"

#define SV_HELIX_RESET_WAIT_MAX_S  60

struct sv_helix_client {
    struct sv_helix_http       *http;
    const struct sv_twitch_config *cfg;     /* the running configuration */
    char                        client_id[128];
    char                        client_secret[512];
    struct sv_helix_auth        auth;
    struct sv_breaker           breaker;
    struct sv_helix_ratelimit   ratelimit;  /* of the last answer */
    char                        last_error[1024];
};

/* 0, or -1 with the reason. */
int sv_helix_client_init(struct sv_helix_client *c,
                         const struct sv_twitch_config *cfg, char *err,
                         size_t errlen);

void sv_helix_client_free(struct sv_helix_client *c);

/* Takes the app credentials; changed ones drop the token. */
void sv_helix_client_credentials(struct sv_helix_client *c,
                                 const char *client_id,
                                 const char *client_secret);

/* Calls Helix: method on path ("/users?login=x", below twitch_helix_url),
 * with a JSON body for POST (else NULL). 0 with the answer in *resp (2xx,
 * or a 4xx Twitch refused the call with: see resp->status); -1 with the
 * reason in err (also kept in last_error). */
int sv_helix_call(struct sv_helix_client *c, const char *method,
                  const char *path, const char *json,
                  struct sv_helix_response *resp, char *err, size_t errlen);

#endif /* SV_HELIX_CLIENT_H */
