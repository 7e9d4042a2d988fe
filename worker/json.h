/*
 * Bounded JSON writing: escaping of untrusted strings and a fixed-size output
 * buffer that never overflows and never emits half an escape sequence.
 */

#ifndef SV_JSON_H
#define SV_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "sv_utf8.h"

/*
 * An output buffer with a hard limit. Once something did not fit, the buffer
 * is marked truncated and later writes are skipped, so whatever was written
 * stays well-formed up to that point.
 */
struct sv_jbuf {
    char   *data;
    size_t  len;
    size_t  limit;
    bool    truncated;
};

void sv_jbuf_init(struct sv_jbuf *b, char *storage, size_t limit);

/* Appends s exactly as given, all or nothing. */
void sv_jbuf_raw(struct sv_jbuf *b, const char *s, size_t n);

/* Appends s as a quoted JSON string (NULL becomes null); cuts the content at a
 * character boundary if it does not fit, but always closes the quotes. */
void sv_jbuf_string(struct sv_jbuf *b, const char *s, size_t n);

/* Object members `"key":value`, preceded by a comma unless the object was
 * just opened. Keys are trusted identifiers from our own code. */
void sv_jbuf_member_string(struct sv_jbuf *b, const char *key, const char *s);
void sv_jbuf_member_int(struct sv_jbuf *b, const char *key, long long v);

/*
 * Writes the escaped form of src[0..n) into dst (no quotes, no NUL), whole
 * characters only, as many as fit into cap bytes. Returns the bytes written
 * and stores in *consumed how much of src they cover.
 * Quote, backslash and control characters are escaped (\u00XX); valid UTF-8
 * passes through; each byte of invalid UTF-8 becomes \ufffd.
 */
size_t sv_json_escape(char *dst, size_t cap, const char *src, size_t n,
                      size_t *consumed);

#endif /* SV_JSON_H */
