/*
 * Twitch playback, the pure part (see twitch_playback.h).
 */

#include "twitch_playback.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "hls_quality.h"
#include "json_gen.h"
#include "json_guard.h"

/* The web player's persisted query; Twitch refuses other hashes. */
#define PLAYBACK_HASH \
    "ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9"

/* 1 to max characters, each a letter, a digit or one of extra. */
static bool
word_ok(const char *s, size_t max, const char *extra)
{
    size_t n;

    if (s == NULL) {
        return false;
    }
    for (n = 0; s[n] != '\0'; n++) {
        char c = s[n];

        if (n == max
            || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                 || (c >= '0' && c <= '9') || strchr(extra, c) != NULL)) {
            return false;
        }
    }
    return n > 0;
}

bool
sv_twitch_login_ok(const char *login)
{
    return word_ok(login, SV_TWITCH_LOGIN_MAX, "_");
}

bool
sv_twitch_oauth_ok(const char *token)
{
    return word_ok(token, SV_TWITCH_OAUTH_MAX, "_-");
}

char *
sv_twitch_gql_body(const char *login)
{
    yajl_gen             g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t               len;
    char                *out = NULL;

    if (g == NULL) {
        return NULL;
    }
    yajl_gen_map_open(g);
    sv_gen_str(g, "operationName", "PlaybackAccessToken");
    sv_gen_key(g, "extensions");
    yajl_gen_map_open(g);
    sv_gen_key(g, "persistedQuery");
    yajl_gen_map_open(g);
    sv_gen_int(g, "version", 1);
    sv_gen_str(g, "sha256Hash", PLAYBACK_HASH);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    sv_gen_key(g, "variables");
    yajl_gen_map_open(g);
    sv_gen_key(g, "isLive");
    yajl_gen_bool(g, 1);
    sv_gen_str(g, "login", login);
    sv_gen_key(g, "isVod");
    yajl_gen_bool(g, 0);
    sv_gen_str(g, "vodID", "");
    sv_gen_str(g, "playerType", "embed");
    sv_gen_str(g, "platform", "site");
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        out = strndup((const char *) buf, len);
    }
    yajl_gen_free(g);
    return out;
}

/* Twitch's own words when it refused the query, else a generic reason. */
static void
gql_refusal(yajl_val top, char *err, size_t errlen)
{
    static const char *errors_path[] = { "errors", NULL };
    static const char *message_path[] = { "message", NULL };
    yajl_val           errors = yajl_tree_get(top, errors_path,
                                              yajl_t_array);
    yajl_val           msg = NULL;

    if (errors != NULL && YAJL_GET_ARRAY(errors)->len > 0) {
        msg = yajl_tree_get(YAJL_GET_ARRAY(errors)->values[0], message_path,
                            yajl_t_string);
    }
    if (msg != NULL) {
        snprintf(err, errlen, "GQL refused the query: %.120s",
                 YAJL_GET_STRING(msg));
    } else {
        snprintf(err, errlen, "no streamPlaybackAccessToken in the answer");
    }
}

static enum sv_twitch_answer
take_token(yajl_val top, struct sv_twitch_token *t, char *err, size_t errlen)
{
    static const char *token_path[] = { "data", "streamPlaybackAccessToken",
                                        NULL };
    static const char *value_path[] = { "value", NULL };
    static const char *sig_path[] = { "signature", NULL };
    yajl_val           token, value, sig;
    const char        *vs, *ss;

    if (!YAJL_IS_OBJECT(top)) {
        snprintf(err, errlen, "the answer is not a JSON object");
        return SV_TWITCH_BAD;
    }
    token = yajl_tree_get(top, token_path, yajl_t_any);
    if (token == NULL) {
        gql_refusal(top, err, errlen);
        return SV_TWITCH_BAD;
    }
    if (YAJL_IS_NULL(token)) {
        return SV_TWITCH_OFFLINE;
    }
    value = yajl_tree_get(token, value_path, yajl_t_string);
    sig = yajl_tree_get(token, sig_path, yajl_t_string);
    if (!YAJL_IS_OBJECT(token) || value == NULL || sig == NULL) {
        snprintf(err, errlen, "the access token lacks a string value or "
                 "signature");
        return SV_TWITCH_BAD;
    }
    /* yajl_tree_get checked the types: the strings are there. */
    vs = value->u.string;
    ss = sig->u.string;
    if (vs[0] == '\0' || ss[0] == '\0' || strlen(vs) > SV_TWITCH_VALUE_MAX
        || strlen(ss) > SV_TWITCH_SIG_MAX) {
        snprintf(err, errlen, "the access token's value or signature is "
                 "empty or too long");
        return SV_TWITCH_BAD;
    }
    t->value = strdup(vs);
    t->signature = strdup(ss);
    if (t->value == NULL || t->signature == NULL) {
        sv_twitch_token_free(t);
        snprintf(err, errlen, "out of memory");
        return SV_TWITCH_BAD;
    }
    return SV_TWITCH_LIVE;
}

enum sv_twitch_answer
sv_twitch_gql_answer(const char *text, size_t len, struct sv_twitch_token *t,
                     char *err, size_t errlen)
{
    enum sv_twitch_answer  rc;
    const char            *unfit;
    char                  *copy, perr[128];
    yajl_val               top;

    *t = (struct sv_twitch_token) { NULL, NULL };
    if (text == NULL || len == 0) {
        snprintf(err, errlen, "the GQL answer is empty");
        return SV_TWITCH_BAD;
    }
    if (len > SV_TWITCH_GQL_MAX) {
        snprintf(err, errlen, "the GQL answer is larger than %d KiB",
                 SV_TWITCH_GQL_MAX / 1024);
        return SV_TWITCH_BAD;
    }
    unfit = sv_json_unfit_for_tree(text, len, SV_TWITCH_JSON_DEPTH);
    if (unfit != NULL) {
        snprintf(err, errlen, "the GQL answer: %s", unfit);
        return SV_TWITCH_BAD;
    }
    copy = strndup(text, len);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return SV_TWITCH_BAD;
    }
    top = yajl_tree_parse(copy, perr, sizeof(perr));
    free(copy);
    if (top == NULL) {
        /* yajl's words quote the text over several lines: not kept. */
        snprintf(err, errlen, "the GQL answer is not JSON");
        return SV_TWITCH_BAD;
    }
    rc = take_token(top, t, err, errlen);
    yajl_tree_free(top);
    return rc;
}

void
sv_twitch_token_free(struct sv_twitch_token *t)
{
    free(t->value);
    free(t->signature);
    t->value = NULL;
    t->signature = NULL;
}

char *
sv_twitch_usher_url(const char *base, const char *login,
                    const struct sv_twitch_token *t, uint32_t p)
{
    char   *sig = curl_easy_escape(NULL, t->signature, 0);
    char   *token = curl_easy_escape(NULL, t->value, 0);
    char   *url = NULL;
    size_t  base_len = strlen(base);
    int     n;

    /* A trailing slash would double the path's. */
    while (base_len > 0 && base[base_len - 1] == '/') {
        base_len--;
    }
    if (sig != NULL && token != NULL) {
        n = asprintf(&url, "%.*s/api/channel/hls/%s.m3u8?sig=%s&token=%s"
                     "&allow_source=true&allow_audio_only=true"
                     "&playlist_include_framerate=true"
                     "&supported_codecs=h264&platform=web&p=%u",
                     (int) base_len, base, login, sig, token, p % 10000000u);
        if (n < 0) {
            url = NULL;
        } else if (n >= SV_HLS_URI_MAX) {
            free(url);
            url = NULL;
        }
    }
    curl_free(sig);
    curl_free(token);
    return url;
}

long
sv_twitch_variant_pick(const struct sv_hls_playlist *pl, const char *quality,
                       char *err, size_t errlen)
{
    long   i = sv_hls_quality_pick(pl->variants, pl->n_variants, quality);
    size_t used;

    if (i >= 0) {
        return i;
    }
    if (pl->n_variants == 0) {
        snprintf(err, errlen, "the usher playlist has no variants");
        return -1;
    }
    used = (size_t) snprintf(err, errlen, "no variant for quality \"%.64s\"; "
                             "available:", quality);
    for (size_t v = 0; v < pl->n_variants && used < errlen; v++) {
        used += (size_t) snprintf(err + used, errlen - used, "%s %s",
                                  v > 0 ? "," : "", pl->variants[v].name);
    }
    return -1;
}
