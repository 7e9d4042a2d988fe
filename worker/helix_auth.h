/*
 * The app access token (client credentials) Helix calls carry: taken from
 * the id server when there is none, renewed at 90% of its life and after a
 * 401, validated hourly (a 401 there renews it too).
 */

#ifndef SV_HELIX_AUTH_H
#define SV_HELIX_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helix_http.h"
#include "helix_parse.h"

#define SV_HELIX_VALIDATE_MS  3600000

struct sv_helix_auth {
    char     token[SV_HELIX_TOKEN_SIZE];    /* "": none */
    int64_t  renew_at_ms;                   /* monotonic */
    int64_t  validate_at_ms;
    bool     failed;                        /* the last attempt */
};

/* Makes a.token usable: takes one when there is none or it is due, and
 * validates it when that is due. 0, or -1 with the reason in err. */
int sv_helix_auth_ready(struct sv_helix_auth *a, struct sv_helix_http *h,
                        const char *id_url, const char *client_id,
                        const char *client_secret, char *err, size_t errlen);

/* Forgets the token (Helix said 401, or the credentials changed). */
void sv_helix_auth_drop(struct sv_helix_auth *a);

#endif /* SV_HELIX_AUTH_H */
