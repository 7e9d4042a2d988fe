/*
 * Twitch playback, the pure part: the GQL PlaybackAccessToken request body,
 * its answer, the usher URL the token opens, and the variant for a wanted
 * quality. No network: the recording (twitch_rec.h) does the transfers.
 *
 * The answer is hostile: over SV_TWITCH_GQL_MAX bytes, a NUL, nesting
 * deeper than SV_TWITCH_JSON_DEPTH, not an object, wrong types or a token
 * over its limits is refused with the reason.
 */

#ifndef SV_TWITCH_PLAYBACK_H
#define SV_TWITCH_PLAYBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hls_playlist.h"

#define SV_TWITCH_GQL_URL       "https://gql.twitch.tv/gql"
#define SV_TWITCH_USHER_URL     "https://usher.ttvnw.net"
/* The web player's Client-ID: what GQL expects from a player. */
#define SV_TWITCH_CLIENT_ID     "kimne78kx3ncx6brgo4mv6wki5h1ko"
#define SV_TWITCH_LOGIN_MAX     25          /* Twitch's own limit */
#define SV_TWITCH_OAUTH_MAX     199         /* a user token's characters */
#define SV_TWITCH_GQL_MAX       (64 * 1024) /* bytes of an answer */
#define SV_TWITCH_JSON_DEPTH    32
#define SV_TWITCH_VALUE_MAX     (16 * 1024) /* bytes of the token */
#define SV_TWITCH_SIG_MAX       256

enum sv_twitch_answer {
    SV_TWITCH_LIVE,             /* the token is in *t */
    SV_TWITCH_OFFLINE,          /* streamPlaybackAccessToken: null */
    SV_TWITCH_BAD,              /* see err */
};

struct sv_twitch_token {
    char *value;                /* a JSON text, as given */
    char *signature;
};

/* 1-25 of [A-Za-z0-9_]. */
bool sv_twitch_login_ok(const char *login);

/* 1-199 of [A-Za-z0-9_-]: a user OAuth token (Twitch's are 30). */
bool sv_twitch_oauth_ok(const char *token);

/* The request body for login (checked), malloc'd; NULL when out of
 * memory. */
char *sv_twitch_gql_body(const char *login);

/* Reads the answer (len bytes, not NUL-terminated). With SV_TWITCH_LIVE
 * the caller frees *t with sv_twitch_token_free. */
enum sv_twitch_answer sv_twitch_gql_answer(const char *text, size_t len,
                                           struct sv_twitch_token *t,
                                           char *err, size_t errlen);

void sv_twitch_token_free(struct sv_twitch_token *t);

/* base (no trailing path) + /api/channel/hls/<login>.m3u8 with the token
 * and p, malloc'd; NULL when out of memory or longer than
 * SV_HLS_URI_MAX. */
char *sv_twitch_usher_url(const char *base, const char *login,
                          const struct sv_twitch_token *t, uint32_t p);

/* The variant of pl for quality (see hls_quality.h); -1 with the reason
 * naming the ones there are. */
long sv_twitch_variant_pick(const struct sv_hls_playlist *pl,
                            const char *quality, char *err, size_t errlen);

#endif /* SV_TWITCH_PLAYBACK_H */
