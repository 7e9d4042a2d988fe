/*
 * JSON escaping and the bounded buffer (worker/json.c).
 */

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "json.h"
#include "tap.h"

/* Escapes src into a NUL-terminated string with a large buffer. */
static const char *
escaped(const char *src, size_t n)
{
    static char  out[4096];
    size_t       consumed;
    size_t       len = sv_json_escape(out, sizeof(out) - 1, src, n, &consumed);

    out[len] = '\0';
    return out;
}

static void
test_escaping(void)
{
    static const char controls[] = "a\x01\x1f\n\t\r\x7f" "b";

    tap_is_str(escaped("plain text", 10), "plain text", "plain ASCII passes");
    tap_is_str(escaped("say \"hi\"", 8), "say \\\"hi\\\"", "quotes escaped");
    tap_is_str(escaped("a\\b", 3), "a\\\\b", "backslash escaped");
    tap_is_str(escaped("a/b", 3), "a/b", "slash left alone");
    tap_is_str(escaped(controls, sizeof(controls) - 1),
               "a\\u0001\\u001f\\u000a\\u0009\\u000d\\u007fb",
               "control characters and DEL as \\u00XX");
    tap_is_str(escaped("a\0b", 3), "a\\u0000b", "NUL byte escaped");
    tap_is_str(escaped("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5", 12),
               "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5",
               "valid 2-, 3- and 4-byte UTF-8 passes through");
    tap_is_str(escaped("a\xff" "b", 3), "a\\ufffdb", "0xFF replaced");
    tap_is_str(escaped("\x80", 1), "\\ufffd", "lone continuation replaced");
    tap_is_str(escaped("\xc0\xaf", 2), "\\ufffd\\ufffd",
               "overlong 2-byte form replaced byte by byte");
    tap_is_str(escaped("\xe0\x80\xaf", 3), "\\ufffd\\ufffd\\ufffd",
               "overlong 3-byte form replaced");
    tap_is_str(escaped("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd",
               "UTF-16 surrogate replaced");
    tap_is_str(escaped("\xf4\x90\x80\x80", 4),
               "\\ufffd\\ufffd\\ufffd\\ufffd", "above U+10FFFF replaced");
    tap_is_str(escaped("\xe2\x82", 2), "\\ufffd\\ufffd",
               "sequence cut at the end replaced");
    tap_is_str(escaped("\xe2\x82" "A", 3), "\\ufffd\\ufffdA",
               "sequence cut by ASCII replaced, ASCII kept");
    tap_is_str(escaped("\xf4\x8f\xbf\xbf", 4), "\xf4\x8f\xbf\xbf",
               "U+10FFFF itself passes");
}

static void
test_utf8_lengths(void)
{
    tap_is_int(sv_utf8_sequence_length((const unsigned char *) "A", 1), 1,
               "ASCII is one byte");
    tap_is_int(sv_utf8_sequence_length((const unsigned char *) "\xc2\x80", 2),
               2, "U+0080 is two bytes");
    tap_is_int(sv_utf8_sequence_length((const unsigned char *) "\xc1\xbf", 2),
               0, "C1 lead byte is invalid");
    tap_is_int(sv_utf8_sequence_length((const unsigned char *) "\xf5\x80\x80"
                                       "\x80", 4), 0,
               "F5 lead byte is invalid");
    tap_is_int(sv_utf8_sequence_length((const unsigned char *) "\xc3", 0), 0,
               "nothing available is 0");
}

static void
test_escape_limits(void)
{
    char    out[16];
    size_t  consumed, len;

    len = sv_json_escape(out, 4, "ab\"cd", 5, &consumed);
    tap_ok(len == 4 && consumed == 3 && memcmp(out, "ab\\\"", 4) == 0,
           "an escape that fits is written whole");

    len = sv_json_escape(out, 3, "ab\"cd", 5, &consumed);
    tap_ok(len == 2 && consumed == 2, "an escape that does not fit is left "
           "out, not split");

    len = sv_json_escape(out, 6, "a\x01", 2, &consumed);
    tap_ok(len == 1 && consumed == 1, "\\u0001 needs 6 bytes: stops before");

    len = sv_json_escape(out, 3, "a\xe2\x82\xac", 4, &consumed);
    tap_ok(len == 1 && consumed == 1, "a UTF-8 character is never split");
}

static void
test_jbuf(void)
{
    char            storage[64];
    struct sv_jbuf  b;

    sv_jbuf_init(&b, storage, sizeof(storage));
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "a", "x\"y");
    sv_jbuf_member_int(&b, "n", -42);
    sv_jbuf_member_string(&b, "z", NULL);
    sv_jbuf_raw(&b, "}", 1);
    storage[b.len] = '\0';
    tap_is_str(storage, "{\"a\":\"x\\\"y\",\"n\":-42,\"z\":null}",
               "members with commas, escaping and null");
    tap_ok(!b.truncated, "not truncated");

    sv_jbuf_init(&b, storage, 12);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "k", "0123456789");
    storage[b.len] = '\0';
    tap_is_str(storage, "{\"k\":\"01234\"", "a long value is cut but quoted");
    tap_ok(b.truncated, "and the buffer says so");

    sv_jbuf_member_int(&b, "n", 1);
    tap_is_int((long long) b.len, 12, "nothing is written after truncation");

    sv_jbuf_init(&b, storage, 6);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "key", "v");
    tap_is_int((long long) b.len, 1, "a member whose key does not fit is "
               "left out entirely");
}

/* Fills buf with n bytes from a fixed-seed generator (xorshift). */
static void
pseudo_random(unsigned char *buf, size_t n, unsigned *state)
{
    for (size_t i = 0; i < n; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        buf[i] = (unsigned char) *state;
    }
}

/* Every escaped byte string, quoted, must be a JSON string yajl accepts,
 * and text without NUL or bad UTF-8 must decode to itself. */
static void
test_against_yajl(void)
{
    unsigned  state = 12345;
    int       invalid = 0, changed = 0;

    for (int round = 0; round < 3000; round++) {
        unsigned char  src[48];
        char           doc[48 * 6 + 8];
        size_t         n = (size_t) (round % 48), consumed, len;
        yajl_val       v;
        bool           clean = true;

        pseudo_random(src, n, &state);
        if (round % 2 == 0) {
            /* Half the rounds: printable ASCII with some UTF-8 mixed in. */
            for (size_t i = 0; i < n; i++) {
                src[i] = (unsigned char) (0x20 + src[i] % 0x5f);
            }
            if (n >= 3) {
                memcpy(src + n / 2 - 1, "\xc3\xa9", 2);
            }
        }
        for (size_t i = 0; i < n; i++) {
            clean = clean && src[i] != 0;
        }
        for (size_t i = 0; clean && i < n; i += sv_utf8_sequence_length(
                                                  src + i, n - i)) {
            clean = sv_utf8_sequence_length(src + i, n - i) > 0;
        }

        doc[0] = '[';
        doc[1] = '"';
        len = sv_json_escape(doc + 2, sizeof(doc) - 5, (const char *) src, n,
                             &consumed);
        memcpy(doc + 2 + len, "\"]", 3);

        v = yajl_tree_parse(doc, NULL, 0);
        if (v == NULL || !YAJL_IS_ARRAY(v) || v->u.array.len != 1
            || !YAJL_IS_STRING(v->u.array.values[0])) {
            invalid++;
        } else if (clean && consumed == n) {
            const char *decoded = v->u.array.values[0]->u.string;

            changed += strlen(decoded) != n || memcmp(decoded, src, n) != 0;
        }
        yajl_tree_free(v);
    }

    tap_is_int(invalid, 0, "3000 pseudo-random byte strings escape to valid "
               "JSON");
    tap_is_int(changed, 0, "valid UTF-8 among them decodes to itself");
}

int
main(void)
{
    test_escaping();
    test_utf8_lengths();
    test_escape_limits();
    test_jbuf();
    test_against_yajl();
    return tap_done();
}
