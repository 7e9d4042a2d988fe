/*
 * The app access token (see helix_auth.h).
 */

#include "helix_auth.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* Percent-encodes s for a form body; false if it does not fit. */
static bool
form_escape(const char *s, char *out, size_t cap)
{
    static const char  hex[] = "0123456789ABCDEF";
    size_t             len = 0;

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;

        if (len + 4 > cap) {
            return false;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
            || c == '~') {
            out[len++] = (char) c;
        } else {
            out[len++] = '%';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 15];
        }
    }
    out[len] = '\0';
    return true;
}

static int
take_token(struct sv_helix_auth *a, struct sv_helix_http *h,
           const char *id_url, const char *client_id,
           const char *client_secret, char *err, size_t errlen)
{
    char                      id[400], secret[800], body[1400], url[1100];
    const char *const         headers[] = {
        "Content-Type: application/x-www-form-urlencoded", NULL
    };
    struct sv_helix_request   req = { .method = "POST", .url = url,
                                      .headers = headers, .body = body };
    struct sv_helix_response  resp;
    long long                 expires_in;
    int                       rc;

    if (!form_escape(client_id, id, sizeof(id))
        || !form_escape(client_secret, secret, sizeof(secret))) {
        snprintf(err, errlen, "the Twitch client id or secret is too long");
        return -1;
    }
    req.body_len = (size_t) snprintf(body, sizeof(body), "client_id=%s&"
                                     "client_secret=%s&grant_type="
                                     "client_credentials", id, secret);
    snprintf(url, sizeof(url), "%s/oauth2/token", id_url);
    rc = sv_helix_http_do(h, &req, &resp, err, errlen);
    explicit_bzero(secret, sizeof(secret));
    explicit_bzero(body, sizeof(body));
    if (rc != 0) {
        return -1;
    }
    rc = -1;
    if (resp.status != 200) {
        snprintf(err, errlen, "the id server refused the client credentials "
                 "(HTTP %ld)", resp.status);
    } else if (sv_helix_parse_token(resp.body, resp.len, a->token,
                                    sizeof(a->token), &expires_in, err,
                                    errlen) == 0) {
        int64_t now = sv_monotonic_ms();

        if (expires_in > 100000000) {
            expires_in = 100000000;
        }
        a->renew_at_ms = now + expires_in * 900;
        a->validate_at_ms = now + SV_HELIX_VALIDATE_MS;
        sv_log(SV_LOG_INFO, "took a Twitch app access token",
               SV_INT("expires_in_s", expires_in));
        rc = 0;
    }
    sv_helix_response_free(&resp);
    return rc;
}

/* 1: valid, 0: Twitch says invalid, -1: no answer. */
static int
validate(struct sv_helix_auth *a, struct sv_helix_http *h,
         const char *id_url, char *err, size_t errlen)
{
    char                      url[1100], auth[SV_HELIX_TOKEN_SIZE + 32];
    const char *const         headers[] = { auth, NULL };
    struct sv_helix_request   req = { .method = "GET", .url = url,
                                      .headers = headers };
    struct sv_helix_response  resp;
    long                      status;

    snprintf(url, sizeof(url), "%s/oauth2/validate", id_url);
    snprintf(auth, sizeof(auth), "Authorization: OAuth %s", a->token);
    if (sv_helix_http_do(h, &req, &resp, err, errlen) != 0) {
        return -1;
    }
    status = resp.status;
    sv_helix_response_free(&resp);
    if (status == 401) {
        sv_log(SV_LOG_INFO, "the Twitch app access token is no longer "
               "valid; renewing it");
        return 0;
    }
    if (status != 200) {
        snprintf(err, errlen, "the id server answered HTTP %ld to a token "
                 "validation", status);
        return -1;
    }
    a->validate_at_ms = sv_monotonic_ms() + SV_HELIX_VALIDATE_MS;
    return 1;
}

int
sv_helix_auth_ready(struct sv_helix_auth *a, struct sv_helix_http *h,
                    const char *id_url, const char *client_id,
                    const char *client_secret, char *err, size_t errlen)
{
    int64_t now = sv_monotonic_ms();

    if (a->token[0] != '\0' && now >= a->validate_at_ms
        && now < a->renew_at_ms) {
        int valid = validate(a, h, id_url, err, errlen);

        if (valid < 0) {
            return -1;
        }
        if (valid == 0) {
            sv_helix_auth_drop(a);
        }
    }
    if (a->token[0] == '\0' || now >= a->renew_at_ms) {
        a->token[0] = '\0';
        a->failed = take_token(a, h, id_url, client_id, client_secret, err,
                               errlen) != 0;
        if (a->failed) {
            a->token[0] = '\0';
            return -1;
        }
    }
    return 0;
}

void
sv_helix_auth_drop(struct sv_helix_auth *a)
{
    memset(a->token, 0, sizeof(a->token));
    a->renew_at_ms = 0;
}
