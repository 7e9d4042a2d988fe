/*
 * A recording's Twitch stage (see twitch_rec.h).
 */

#include "twitch_rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hls_fetch.h"
#include "hls_quality.h"
#include "log.h"
#include "random.h"
#include "twitch_playback.h"

struct sv_twitch_rec {
    char                  *login, *quality, *gql_url, *usher_url;
    char                  *usher_req;       /* the usher URL asked */
    struct curl_slist     *headers;         /* of the GQL request */
    char                  *body;
    struct sv_twitch_token token;           /* from GQL, for the usher */
};

static bool
http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0
           || strncasecmp(url, "https://", 8) == 0;
}

/* A header line "name: value" appended; false when out of memory or the
 * value could smuggle a header in. */
static bool
add_header(struct curl_slist **list, const char *name, const char *value)
{
    char              *line;
    struct curl_slist *l;

    if (strpbrk(value, "\r\n") != NULL
        || asprintf(&line, "%s: %s", name, value) < 0) {
        return false;
    }
    l = curl_slist_append(*list, line);
    free(line);
    if (l == NULL) {
        return false;
    }
    *list = l;
    return true;
}

struct sv_twitch_rec *
sv_twitch_rec_new(const struct sv_hls_twitch *tw, char *err, size_t errlen)
{
    const char           *gql = tw->gql_url != NULL ? tw->gql_url
                                : SV_TWITCH_GQL_URL;
    const char           *usher = tw->usher_url != NULL ? tw->usher_url
                                  : SV_TWITCH_USHER_URL;
    const char           *cid = tw->client_id != NULL ? tw->client_id
                                : SV_TWITCH_CLIENT_ID;
    struct sv_twitch_rec *t;
    bool                  ok;

    if (!sv_twitch_login_ok(tw->login)) {
        snprintf(err, errlen, "a Twitch login is 1-%d letters, digits or _",
                 SV_TWITCH_LOGIN_MAX);
        return NULL;
    }
    if (!http_url(gql) || !http_url(usher) || strlen(gql) >= 1024
        || strlen(usher) >= 1024) {
        snprintf(err, errlen, "the GQL and usher URLs must be http or https");
        return NULL;
    }
    if (tw->quality != NULL && (tw->quality[0] == '\0'
                                || strlen(tw->quality) > SV_HLS_QUALITY_MAX)) {
        snprintf(err, errlen, "the quality must be 1-%d bytes",
                 SV_HLS_QUALITY_MAX);
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->login = strdup(tw->login);
    t->quality = strdup(tw->quality != NULL ? tw->quality : "best");
    t->gql_url = strdup(gql);
    t->usher_url = strdup(usher);
    ok = t->login != NULL && t->quality != NULL && t->gql_url != NULL
         && t->usher_url != NULL;
    if (ok) {
        /* Logins are lowercase on Twitch; the usher path wants it so. */
        for (char *c = t->login; *c != '\0'; c++) {
            *c = (char) (*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
        }
        t->body = sv_twitch_gql_body(t->login);
        ok = t->body != NULL
             && add_header(&t->headers, "Client-ID", cid)
             && add_header(&t->headers, "Content-Type",
                           "text/plain;charset=UTF-8");
    }
    if (ok && tw->oauth != NULL) {
        char auth[SV_TWITCH_OAUTH_MAX + 8];

        ok = sv_twitch_oauth_ok(tw->oauth)
             && snprintf(auth, sizeof(auth), "OAuth %s", tw->oauth) > 0
             && add_header(&t->headers, "Authorization", auth);
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory or a bad Client-ID/OAuth token");
        sv_twitch_rec_free(t);
        return NULL;
    }
    return t;
}

void
sv_twitch_rec_free(struct sv_twitch_rec *t)
{
    if (t == NULL) {
        return;
    }
    free(t->login);
    free(t->quality);
    free(t->gql_url);
    free(t->usher_url);
    free(t->usher_req);
    free(t->body);
    curl_slist_free_all(t->headers);
    sv_twitch_token_free(&t->token);
    free(t);
}

/* The GQL request is a bounded POST. */
struct sv_hls_xfer *
sv_twitch_rec_start(struct sv_hls_rec *r)
{
    struct sv_twitch_rec     *t = r->tw;
    const struct sv_hls_post  post = { .headers = t->headers, .body = t->body,
                                       .max = SV_TWITCH_GQL_MAX };

    if (t->token.value == NULL) {
        return sv_hls_rec_xfer_start(r, t->gql_url, false, 0, &post);
    }
    return sv_hls_rec_xfer_start(r, t->usher_req, false, 0, NULL);
}

/* Offline: the end of a recording that has taken nothing yet; one that
 * has waits for the stream within the grace period. */
static void
offline(struct sv_hls_rec *r, int64_t now)
{
    sv_log(SV_LOG_INFO, "twitch channel offline", SV_STR("dir", r->out_dir),
           SV_STR("login", r->tw->login));
    if (!r->live_seen) {
        sv_hls_rec_end(r, SV_HLS_END_ENDED, "offline");
        return;
    }
    sv_hls_rec_playlist_failed(r, "offline", true, now);
}

/* A refusal no retry can change (a bad Client-ID or OAuth token). */
static bool
refused_for_good(long status)
{
    return status >= 400 && status < 500 && status != 408 && status != 429;
}

static void
gql_done(struct sv_hls_rec *r, struct sv_hls_xfer *x, bool ok,
         const char *why, int64_t now)
{
    struct sv_twitch_rec  *t = r->tw;
    enum sv_twitch_answer  a = SV_TWITCH_BAD;
    char                   err[512], aerr[256];

    if (ok) {
        a = sv_twitch_gql_answer(x->text.data, x->text.len, &t->token, aerr,
                                 sizeof(aerr));
    }
    sv_hls_rec_xfer_free(r, x, false);
    if (!ok) {
        snprintf(err, sizeof(err), "GQL: %s", why);
        if (refused_for_good(r->last_status)) {
            sv_hls_rec_end(r, SV_HLS_END_FAILED, err);
        } else {
            sv_hls_rec_playlist_failed(r, err, false, now);
        }
        return;
    }
    if (a == SV_TWITCH_OFFLINE) {
        offline(r, now);
        return;
    }
    if (a == SV_TWITCH_BAD) {
        snprintf(err, sizeof(err), "GQL: %s", aerr);
        sv_hls_rec_playlist_failed(r, err, false, now);
        return;
    }
    free(t->usher_req);
    t->usher_req = sv_twitch_usher_url(t->usher_url, t->login, &t->token,
                                       sv_random_u32());
    if (t->usher_req == NULL) {
        sv_hls_rec_end(r, SV_HLS_END_FAILED, "the usher URL is too long");
        return;
    }
    r->next_poll_ms = now;
}

/* The variant for the quality becomes the recording's playlist (again,
 * after a reconnect: a new URL, maybe a new stream instance). */
static void
take_variant(struct sv_hls_rec *r, const struct sv_hls_playlist *pl,
             int64_t now)
{
    struct sv_twitch_rec *t = r->tw;
    char                  err[256];
    long                  i;

    if (pl->kind != SV_HLS_MULTIVARIANT) {
        sv_hls_rec_end(r, SV_HLS_END_FAILED, "usher: not a multivariant "
                       "playlist");
        return;
    }
    i = sv_twitch_variant_pick(pl, t->quality, err, sizeof(err));
    if (i < 0) {
        sv_hls_rec_end(r, SV_HLS_END_FAILED, err);
        return;
    }
    if (!http_url(pl->variants[i].uri)) {
        sv_hls_rec_end(r, SV_HLS_END_FAILED, "usher: the variant's URL is "
                       "not http or https");
        return;
    }
    free(r->url);
    r->url = strdup(pl->variants[i].uri);
    if (r->url == NULL) {
        sv_hls_rec_end(r, SV_HLS_END_FAILED, "out of memory");
        return;
    }
    sv_log(SV_LOG_INFO, "twitch variant chosen", SV_STR("dir", r->out_dir),
           SV_STR("login", t->login), SV_STR("quality", t->quality),
           SV_STR("variant", pl->variants[i].name), SV_STR("url", r->url));
    /* Failing until the playlist itself answers. */
    r->resolving = false;
    r->next_poll_ms = now;
}

static void
usher_done(struct sv_hls_rec *r, struct sv_hls_xfer *x, bool ok,
           const char *why, int64_t now)
{
    struct sv_hls_playlist pl;
    char                   err[512], perr[256];

    /* Tokens expire: a retry starts from a fresh one. */
    sv_twitch_token_free(&r->tw->token);
    if (ok && !sv_hls_parse(x->text.data, x->text.len, r->tw->usher_req, &pl,
                            perr, sizeof(perr))) {
        snprintf(err, sizeof(err), "usher: bad playlist: %s", perr);
        sv_hls_free(&pl);
        ok = false;
    } else if (!ok) {
        snprintf(err, sizeof(err), "usher: %s", why);
    }
    sv_hls_rec_xfer_free(r, x, false);
    if (!ok && r->last_status == 404) {
        offline(r, now);
        return;
    }
    if (!ok) {
        sv_hls_rec_playlist_failed(r, err, false, now);
        return;
    }
    take_variant(r, &pl, now);
    sv_hls_free(&pl);
}

void
sv_twitch_rec_done(struct sv_hls_rec *r, CURLcode rc, int64_t now)
{
    struct sv_hls_xfer *x = r->pl;
    char                err[256];     /* leaves room for a prefix */
    bool                ok;

    r->pl = NULL;
    ok = sv_hls_outcome(x->easy, rc, x->errbuf, &r->last_status, err,
                        sizeof(err));
    if (x->text.too_big) {
        snprintf(err, sizeof(err), "the answer is too large");
        ok = false;
    }
    if (r->tw->token.value == NULL) {
        gql_done(r, x, ok, err, now);
    } else {
        usher_done(r, x, ok, err, now);
    }
}
