/*
 * The Helix endpoints the worker uses (see helix_api.h).
 */

#include "helix_api.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "json_gen.h"

/* Pages of one listing followed at most (10000 subscriptions / 100). */
#define PAGES_MAX  101

typedef int (*page_parser)(const char *body, size_t len,
                           struct sv_helix_page *page, char *err,
                           size_t errlen);

/* Twitch's ids and logins: [A-Za-z0-9_], 1..32 bytes. */
static bool
query_value(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= SV_HELIX_ID_SIZE) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
              || (*s >= '0' && *s <= '9') || *s == '_')) {
            return false;
        }
    }
    return true;
}

/* "/endpoint?name=v1&name=v2..."; false if nothing is left to ask for. */
static bool
build_query(char *out, size_t cap, const char *endpoint, const char *name,
            const char *const *values, size_t n)
{
    size_t  len = (size_t) snprintf(out, cap, "%s", endpoint);
    size_t  used = 0;

    for (size_t i = 0; i < n && i < SV_HELIX_PAGE_MAX; i++) {
        if (!query_value(values[i]) || len >= cap) {
            continue;
        }
        len += (size_t) snprintf(out + len, cap - len, "%c%s=%s",
                                 used == 0 ? '?' : '&', name, values[i]);
        used++;
    }
    return used > 0 && len < cap;
}

/* GETs path and the pages after it, into out (room for max items). */
static int
get_pages(struct sv_helix_client *c, const char *path, bool paged,
          page_parser parse, size_t item_size, void *out, size_t max,
          size_t *got, char *err, size_t errlen)
{
    /* 100 ids of 32 bytes, the cursor and the names. */
    char                      url[5200];
    char                      cursor[SV_HELIX_CURSOR_SIZE] = "";
    struct sv_helix_response  resp;
    int                       pages = 0;

    *got = 0;
    do {
        struct sv_helix_page page = {
            .items = (char *) out + *got * item_size,
            .max = max - *got < SV_HELIX_PAGE_MAX ? max - *got
                   : SV_HELIX_PAGE_MAX,
        };

        /* Users and channels take neither first nor after. */
        snprintf(url, sizeof(url), "%s%s%s%s", path,
                 !paged ? "" : strchr(path, '?') != NULL ? "&first=100"
                 : "?first=100", cursor[0] != '\0' ? "&after=" : "", cursor);
        if (sv_helix_call(c, "GET", url, NULL, &resp, err, errlen) != 0) {
            return -1;
        }
        if (resp.status != 200) {
            snprintf(err, errlen, "Helix answered HTTP %ld to GET %s",
                     resp.status, path);
            sv_helix_response_free(&resp);
            return -1;
        }
        if (parse(resp.body, resp.len, &page, err, errlen) != 0) {
            sv_helix_response_free(&resp);
            return -1;
        }
        sv_helix_response_free(&resp);
        *got += page.n;
        memcpy(cursor, page.cursor, sizeof(cursor));
    } while (cursor[0] != '\0' && *got < max && ++pages < PAGES_MAX);
    return 0;
}

int
sv_helix_users(struct sv_helix_client *c, const char *const *logins,
               size_t n, struct sv_helix_user *out, size_t *got, char *err,
               size_t errlen)
{
    char path[4000];

    *got = 0;
    if (!build_query(path, sizeof(path), "/users", "login", logins, n)) {
        return 0;
    }
    return get_pages(c, path, false, sv_helix_parse_users, sizeof(*out), out,
                     SV_HELIX_PAGE_MAX, got, err, errlen);
}

int
sv_helix_streams(struct sv_helix_client *c, const char *const *ids,
                 size_t n, struct sv_helix_stream *out, size_t *got,
                 char *err, size_t errlen)
{
    char path[4000];

    *got = 0;
    if (!build_query(path, sizeof(path), "/streams", "user_id", ids, n)) {
        return 0;
    }
    return get_pages(c, path, true, sv_helix_parse_streams, sizeof(*out), out,
                     SV_HELIX_PAGE_MAX, got, err, errlen);
}

int
sv_helix_channels(struct sv_helix_client *c, const char *const *ids,
                  size_t n, struct sv_helix_channel *out, size_t *got,
                  char *err, size_t errlen)
{
    char path[4400];

    *got = 0;
    if (!build_query(path, sizeof(path), "/channels", "broadcaster_id", ids,
                     n)) {
        return 0;
    }
    return get_pages(c, path, false, sv_helix_parse_channels, sizeof(*out), out,
                     SV_HELIX_PAGE_MAX, got, err, errlen);
}

int
sv_helix_subs_list(struct sv_helix_client *c, struct sv_helix_sub *out,
                   size_t max, size_t *got, char *err, size_t errlen)
{
    return get_pages(c, "/eventsub/subscriptions", true, sv_helix_parse_subs,
                     sizeof(*out), out, max, got, err, errlen);
}

int
sv_helix_sub_create(struct sv_helix_client *c, const char *type,
                    const char *version, const char *broadcaster_id,
                    const char *callback, const char *secret,
                    struct sv_helix_sub *created, char *err, size_t errlen)
{
    yajl_gen                  g = yajl_gen_alloc(NULL);
    const unsigned char      *json;
    size_t                    len;
    struct sv_helix_response  resp;
    struct sv_helix_page      page = { .items = created, .max = 1 };
    int                       rc = -1;

    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    yajl_gen_map_open(g);
    sv_gen_str(g, "type", type);
    sv_gen_str(g, "version", version);
    sv_gen_key(g, "condition");
    yajl_gen_map_open(g);
    sv_gen_str(g, "broadcaster_user_id", broadcaster_id);
    yajl_gen_map_close(g);
    sv_gen_key(g, "transport");
    yajl_gen_map_open(g);
    sv_gen_str(g, "method", "webhook");
    sv_gen_str(g, "callback", callback);
    sv_gen_str(g, "secret", secret);
    yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &json, &len);

    if (sv_helix_call(c, "POST", "/eventsub/subscriptions",
                      (const char *) json, &resp, err, errlen) == 0) {
        if (resp.status != 202 && resp.status != 200) {
            snprintf(err, errlen, "Helix answered HTTP %ld to creating a %s "
                     "subscription for %s", resp.status, type,
                     broadcaster_id);
        } else if (sv_helix_parse_subs(resp.body, resp.len, &page, err,
                                       errlen) == 0) {
            rc = page.n == 1 ? 0 : -1;
            if (rc != 0) {
                snprintf(err, errlen, "Helix answered no subscription");
            }
        }
        sv_helix_response_free(&resp);
    }
    /* The secret was in the body: do not leave it in freed memory. */
    memset((void *) json, 0, len);
    yajl_gen_free(g);
    return rc;
}

int
sv_helix_sub_delete(struct sv_helix_client *c, const char *id, char *err,
                    size_t errlen)
{
    char                      path[160];
    struct sv_helix_response  resp;
    long                      status;

    if (strlen(id) > 100 || strspn(id, "0123456789abcdefABCDEF-")
                            != strlen(id)) {
        snprintf(err, errlen, "not a subscription id");
        return -1;
    }
    snprintf(path, sizeof(path), "/eventsub/subscriptions?id=%s", id);
    if (sv_helix_call(c, "DELETE", path, NULL, &resp, err, errlen) != 0) {
        return -1;
    }
    status = resp.status;
    sv_helix_response_free(&resp);
    if (status != 204 && status != 404) {
        snprintf(err, errlen, "Helix answered HTTP %ld to deleting "
                 "subscription %s", status, id);
        return -1;
    }
    return 0;
}
