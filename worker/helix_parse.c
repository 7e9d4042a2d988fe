/*
 * Twitch's answers read into fixed structures (see helix_parse.h).
 */

#include "helix_parse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "json_guard.h"
#include "json_tree.h"
#include "sv_utf8.h"

/* Helix nests three levels at most (data, item, condition). */
#define DEPTH_MAX  8

enum check {
    TEXT,           /* any text: controls become spaces, cut if long */
    DIGITS,         /* Twitch's numeric ids */
    NAME,           /* logins: letters, digits, _ */
    WORD,           /* tokens, UUIDs, times, types: [A-Za-z0-9._:+-] */
    CURSOR,         /* WORD and base64's = and / */
    HTTPS_URL,      /* images: https only */
    URL             /* callbacks: http or https */
};

struct field {
    const char   *key;
    const char   *sub;          /* the member of key's object, or NULL */
    size_t        offset, cap;
    enum check    check;
    bool          required;
};

#define FIELD(type, key, sub, member, check, required) \
    { key, sub, offsetof(type, member), sizeof(((type *) 0)->member), \
      check, required }

static const struct field user_fields[] = {
    FIELD(struct sv_helix_user, "id", NULL, id, DIGITS, true),
    FIELD(struct sv_helix_user, "login", NULL, login, NAME, true),
    FIELD(struct sv_helix_user, "display_name", NULL, display_name, TEXT,
          false),
    FIELD(struct sv_helix_user, "description", NULL, description, TEXT,
          false),
    FIELD(struct sv_helix_user, "profile_image_url", NULL,
          profile_image_url, HTTPS_URL, false),
    FIELD(struct sv_helix_user, "offline_image_url", NULL,
          offline_image_url, HTTPS_URL, false),
};

static const struct field stream_fields[] = {
    FIELD(struct sv_helix_stream, "id", NULL, id, DIGITS, true),
    FIELD(struct sv_helix_stream, "user_id", NULL, user_id, DIGITS, true),
    FIELD(struct sv_helix_stream, "user_login", NULL, user_login, NAME,
          false),
    FIELD(struct sv_helix_stream, "type", NULL, type, WORD, false),
    FIELD(struct sv_helix_stream, "game_id", NULL, game_id, DIGITS, false),
    FIELD(struct sv_helix_stream, "game_name", NULL, game_name, TEXT, false),
    FIELD(struct sv_helix_stream, "title", NULL, title, TEXT, false),
    FIELD(struct sv_helix_stream, "started_at", NULL, started_at, WORD,
          true),
};

static const struct field channel_fields[] = {
    FIELD(struct sv_helix_channel, "broadcaster_id", NULL, broadcaster_id,
          DIGITS, true),
    FIELD(struct sv_helix_channel, "game_id", NULL, game_id, DIGITS, false),
    FIELD(struct sv_helix_channel, "game_name", NULL, game_name, TEXT,
          false),
    FIELD(struct sv_helix_channel, "title", NULL, title, TEXT, false),
};

static const struct field sub_fields[] = {
    FIELD(struct sv_helix_sub, "id", NULL, id, WORD, true),
    FIELD(struct sv_helix_sub, "status", NULL, status, WORD, true),
    FIELD(struct sv_helix_sub, "type", NULL, type, WORD, true),
    FIELD(struct sv_helix_sub, "version", NULL, version, WORD, true),
    FIELD(struct sv_helix_sub, "condition", "broadcaster_user_id",
          broadcaster_user_id, DIGITS, false),
    FIELD(struct sv_helix_sub, "transport", "callback", callback, URL,
          false),
    FIELD(struct sv_helix_sub, "created_at", NULL, created_at, WORD, false),
};

#define COUNT(a)  (sizeof(a) / sizeof((a)[0]))

static bool
in_class(const char *s, enum check check)
{
    for (; *s != '\0'; s++) {
        bool ok = (*s >= '0' && *s <= '9');

        if (check != DIGITS) {
            ok = ok || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
                 || *s == '_';
        }
        if (check == WORD || check == CURSOR) {
            ok = ok || *s == '.' || *s == ':' || *s == '+' || *s == '-';
        }
        if (check == CURSOR) {
            ok = ok || *s == '=' || *s == '/';
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Printable ASCII without blanks, quotes or angle brackets, behind the
 * scheme. */
static bool
is_url(const char *s, bool https_only)
{
    if (strncmp(s, "https://", 8) != 0
        && (https_only || strncmp(s, "http://", 7) != 0)) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '<' || *s == '>'
            || *s == '\\') {
            return false;
        }
    }
    return true;
}

/* Copies text into dst (cap bytes with the NUL): whole UTF-8 characters,
 * control characters as spaces, invalid bytes dropped. */
static void
copy_text(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *) src;
    size_t               n = strlen(src), len = 0;

    while (n > 0) {
        size_t seq = sv_utf8_sequence_length(s, n);

        if (seq == 0) {
            s++;
            n--;
            continue;
        }
        if (len + seq >= cap) {
            break;
        }
        if (seq == 1 && (*s < 0x20 || *s == 0x7f)) {
            dst[len] = ' ';
        } else {
            memcpy(dst + len, s, seq);
        }
        len += seq;
        s += seq;
        n -= seq;
    }
    dst[len] = '\0';
}

/* One field into item; false if it is required and absent or bad. */
static bool
take_field(yajl_val obj, const struct field *f, void *item)
{
    char        *dst = (char *) item + f->offset;
    const char  *v;

    if (f->sub != NULL) {
        obj = sv_tree_member(obj, f->key, yajl_t_object);
        v = sv_tree_string(obj, f->sub);
    } else {
        v = sv_tree_string(obj, f->key);
    }
    dst[0] = '\0';
    if (v == NULL || v[0] == '\0') {
        return !f->required;
    }
    if (f->check == TEXT) {
        copy_text(dst, f->cap, v);
        return true;
    }
    if (strlen(v) >= f->cap
        || (f->check == HTTPS_URL && !is_url(v, true))
        || (f->check == URL && !is_url(v, false))
        || (f->check != HTTPS_URL && f->check != URL
            && !in_class(v, f->check))) {
        return !f->required;
    }
    memcpy(dst, v, strlen(v) + 1);
    return true;
}

static yajl_val
parse_tree(const char *body, size_t len, char *err, size_t errlen)
{
    const char  *unfit = sv_json_unfit_for_tree(body, len, DEPTH_MAX);
    char         perr[128];
    yajl_val     root;

    if (unfit != NULL) {
        snprintf(err, errlen, "Twitch's answer is unfit: %s", unfit);
        return NULL;
    }
    root = yajl_tree_parse(body, perr, sizeof(perr));
    if (root == NULL || !YAJL_IS_OBJECT(root)) {
        snprintf(err, errlen, "Twitch's answer is not a JSON object");
        yajl_tree_free(root);
        return NULL;
    }
    return root;
}

static int
parse_page(const char *body, size_t len, const struct field *fields,
           size_t nfields, size_t item_size, struct sv_helix_page *page,
           char *err, size_t errlen)
{
    yajl_val     root = parse_tree(body, len, err, errlen);
    yajl_val     data, pagination;
    const char  *cursor;

    page->n = 0;
    page->skipped = 0;
    page->cursor[0] = '\0';
    if (root == NULL) {
        return -1;
    }
    data = sv_tree_member(root, "data", yajl_t_array);
    if (data == NULL || YAJL_GET_ARRAY(data)->len > page->max) {
        snprintf(err, errlen, data == NULL ? "Twitch's answer has no data"
                 : "Twitch's answer has more than %zu items", page->max);
        yajl_tree_free(root);
        return -1;
    }
    for (size_t i = 0; i < YAJL_GET_ARRAY(data)->len; i++) {
        yajl_val  obj = YAJL_GET_ARRAY(data)->values[i];
        char     *item = (char *) page->items + page->n * item_size;
        bool      ok = YAJL_IS_OBJECT(obj);

        memset(item, 0, item_size);
        for (size_t f = 0; ok && f < nfields; f++) {
            ok = take_field(obj, &fields[f], item);
        }
        if (ok) {
            page->n++;
        } else {
            page->skipped++;
        }
    }
    pagination = sv_tree_member(root, "pagination", yajl_t_object);
    cursor = sv_tree_string(pagination, "cursor");
    if (cursor != NULL && strlen(cursor) < sizeof(page->cursor)
        && in_class(cursor, CURSOR)) {
        memcpy(page->cursor, cursor, strlen(cursor) + 1);
    }
    yajl_tree_free(root);
    return 0;
}

int
sv_helix_parse_users(const char *body, size_t len,
                     struct sv_helix_page *page, char *err, size_t errlen)
{
    return parse_page(body, len, user_fields, COUNT(user_fields),
                      sizeof(struct sv_helix_user), page, err, errlen);
}

int
sv_helix_parse_streams(const char *body, size_t len,
                       struct sv_helix_page *page, char *err, size_t errlen)
{
    return parse_page(body, len, stream_fields, COUNT(stream_fields),
                      sizeof(struct sv_helix_stream), page, err, errlen);
}

int
sv_helix_parse_channels(const char *body, size_t len,
                        struct sv_helix_page *page, char *err, size_t errlen)
{
    return parse_page(body, len, channel_fields, COUNT(channel_fields),
                      sizeof(struct sv_helix_channel), page, err, errlen);
}

int
sv_helix_parse_subs(const char *body, size_t len,
                    struct sv_helix_page *page, char *err, size_t errlen)
{
    return parse_page(body, len, sub_fields, COUNT(sub_fields),
                      sizeof(struct sv_helix_sub), page, err, errlen);
}

int
sv_helix_parse_token(const char *body, size_t len, char *token, size_t cap,
                     long long *expires_in, char *err, size_t errlen)
{
    yajl_val     root = parse_tree(body, len, err, errlen);
    const char  *t;

    if (root == NULL) {
        return -1;
    }
    t = sv_tree_string(root, "access_token");
    *expires_in = sv_tree_integer(root, "expires_in", -1);
    if (t == NULL || t[0] == '\0' || strlen(t) >= cap
        || !in_class(t, WORD)) {
        snprintf(err, errlen, "the id server's answer has no usable "
                 "access_token");
        yajl_tree_free(root);
        return -1;
    }
    if (*expires_in <= 0) {
        snprintf(err, errlen, "the id server's answer has no usable "
                 "expires_in");
        yajl_tree_free(root);
        return -1;
    }
    memcpy(token, t, strlen(t) + 1);
    yajl_tree_free(root);
    return 0;
}
