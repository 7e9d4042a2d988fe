/*
 * Twitch's answers read into fixed structures: the id server's token, and
 * Helix pages ({"data":[...], "pagination":{"cursor":...}}) of users,
 * streams, channels and EventSub subscriptions. Every answer is hostile:
 * checked before yajl_tree parses it, every field typed and bounded, ids
 * digits only, image URLs https only; an item with a bad required field is
 * skipped (counted), a text too long is cut at a character boundary.
 * Pure; unit-tested with Helix's own shapes.
 */

#ifndef SV_HELIX_PARSE_H
#define SV_HELIX_PARSE_H

#include <stddef.h>

#define SV_HELIX_PAGE_MAX    100    /* items Helix answers at most */
#define SV_HELIX_ID_SIZE     33     /* numeric ids */
#define SV_HELIX_LOGIN_SIZE  33
#define SV_HELIX_CURSOR_SIZE 512
#define SV_HELIX_TOKEN_SIZE  256

struct sv_helix_user {
    char  id[SV_HELIX_ID_SIZE];
    char  login[SV_HELIX_LOGIN_SIZE];
    char  display_name[128];
    char  description[1200];
    char  profile_image_url[512];
    char  offline_image_url[512];
};

struct sv_helix_stream {
    char  id[SV_HELIX_ID_SIZE];
    char  user_id[SV_HELIX_ID_SIZE];
    char  user_login[SV_HELIX_LOGIN_SIZE];
    char  type[16];
    char  game_id[SV_HELIX_ID_SIZE];
    char  game_name[256];
    char  title[600];
    char  started_at[40];
};

struct sv_helix_channel {
    char  broadcaster_id[SV_HELIX_ID_SIZE];
    char  game_id[SV_HELIX_ID_SIZE];
    char  game_name[256];
    char  title[600];
};

struct sv_helix_sub {
    char  id[64];
    char  status[64];
    char  type[64];
    char  version[16];
    char  broadcaster_user_id[SV_HELIX_ID_SIZE];
    char  callback[1024];
    char  created_at[40];
};

/* A page of items: up to max into items, how many in *n, how many were
 * skipped as malformed in *skipped, the next page's cursor in cursor
 * ("" on the last page). */
struct sv_helix_page {
    void    *items;
    size_t   max;
    size_t   n;
    size_t   skipped;
    char     cursor[SV_HELIX_CURSOR_SIZE];
};

/* Each: 0, or -1 with the reason in err when the answer is no such page
 * (not JSON, no data array, more than max items). */
int sv_helix_parse_users(const char *body, size_t len,
                         struct sv_helix_page *page, char *err,
                         size_t errlen);
int sv_helix_parse_streams(const char *body, size_t len,
                           struct sv_helix_page *page, char *err,
                           size_t errlen);
int sv_helix_parse_channels(const char *body, size_t len,
                            struct sv_helix_page *page, char *err,
                            size_t errlen);
int sv_helix_parse_subs(const char *body, size_t len,
                        struct sv_helix_page *page, char *err,
                        size_t errlen);

/* The id server's client-credentials answer: the access token (cap bytes
 * with the NUL) and expires_in seconds. 0, or -1 with the reason. */
int sv_helix_parse_token(const char *body, size_t len, char *token,
                         size_t cap, long long *expires_in, char *err,
                         size_t errlen);

#endif /* SV_HELIX_PARSE_H */
