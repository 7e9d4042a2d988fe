/*
 * JSON escaping and the bounded output buffer (see json.h).
 */

#include "json.h"

#include <stdio.h>
#include <string.h>

size_t
sv_json_escape(char *dst, size_t cap, const char *src, size_t n,
               size_t *consumed)
{
    const unsigned char *s = (const unsigned char *) src;
    size_t               in = 0, out = 0;

    while (in < n) {
        char        escape[8];
        const char *piece;
        size_t      piece_len, advance;

        if (s[in] < 0x20 || s[in] == 0x7F) {
            snprintf(escape, sizeof(escape), "\\u%04x", s[in]);
            piece = escape;
            piece_len = 6;
            advance = 1;
        } else if (s[in] == '"' || s[in] == '\\') {
            escape[0] = '\\';
            escape[1] = (char) s[in];
            piece = escape;
            piece_len = 2;
            advance = 1;
        } else {
            advance = sv_utf8_sequence_length(s + in, n - in);
            if (advance == 0) {
                piece = "\\ufffd";
                piece_len = 6;
                advance = 1;
            } else {
                piece = (const char *) s + in;
                piece_len = advance;
            }
        }

        if (piece_len > cap - out) {
            break;
        }

        memcpy(dst + out, piece, piece_len);
        out += piece_len;
        in += advance;
    }

    *consumed = in;
    return out;
}

void
sv_jbuf_init(struct sv_jbuf *b, char *storage, size_t limit)
{
    b->data = storage;
    b->len = 0;
    b->limit = limit;
    b->truncated = false;
}

static size_t
room(const struct sv_jbuf *b)
{
    return b->limit > b->len ? b->limit - b->len : 0;
}

void
sv_jbuf_raw(struct sv_jbuf *b, const char *s, size_t n)
{
    if (b->truncated || n > room(b)) {
        b->truncated = true;
        return;
    }

    memcpy(b->data + b->len, s, n);
    b->len += n;
}

void
sv_jbuf_string(struct sv_jbuf *b, const char *s, size_t n)
{
    size_t consumed;

    if (s == NULL) {
        sv_jbuf_raw(b, "null", 4);
        return;
    }

    if (b->truncated || room(b) < 2) {
        b->truncated = true;
        return;
    }

    b->data[b->len++] = '"';
    /* room(b) - 1 keeps space for the closing quote. */
    b->len += sv_json_escape(b->data + b->len, room(b) - 1, s, n, &consumed);
    b->data[b->len++] = '"';

    if (consumed < n) {
        b->truncated = true;
    }
}

/* Writes `,"key":` (or `"key":` right after `{`) if that plus `min_value`
 * more bytes fit; otherwise marks the buffer truncated. */
static bool
member_key(struct sv_jbuf *b, const char *key, size_t min_value)
{
    bool    comma = b->len > 0 && b->data[b->len - 1] != '{';
    size_t  key_len = strlen(key);
    size_t  need = comma + key_len + 3;

    if (b->truncated || need + min_value > room(b)) {
        b->truncated = true;
        return false;
    }

    if (comma) {
        b->data[b->len++] = ',';
    }
    b->data[b->len++] = '"';
    memcpy(b->data + b->len, key, key_len);
    b->len += key_len;
    b->data[b->len++] = '"';
    b->data[b->len++] = ':';
    return true;
}

void
sv_jbuf_member_string(struct sv_jbuf *b, const char *key, const char *s)
{
    if (member_key(b, key, s == NULL ? 4 : 2)) {
        sv_jbuf_string(b, s, s == NULL ? 0 : strlen(s));
    }
}

void
sv_jbuf_member_int(struct sv_jbuf *b, const char *key, long long v)
{
    char digits[24];
    int  n = snprintf(digits, sizeof(digits), "%lld", v);

    if (member_key(b, key, (size_t) n)) {
        sv_jbuf_raw(b, digits, (size_t) n);
    }
}
