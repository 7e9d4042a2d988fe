/*
 * base64url without padding (RFC 4648, section 5): sealed secrets and the
 * signatures of media URLs. Plain C, shared by the module and the worker.
 */

#ifndef SV_BASE64URL_H
#define SV_BASE64URL_H

#include <stddef.h>

/* The encoded length of n bytes. */
size_t sv_b64url_len(size_t n);

/* Encodes n bytes of in at out (room for sv_b64url_len(n)); returns the
 * end of what it wrote (no NUL). */
char *sv_b64url_encode(const unsigned char *in, size_t n, char *out);

/* Decodes n characters of in into out (room for n * 3 / 4 bytes).
 * Strict: only the alphabet, and the unused bits of the last character
 * zero, so that each text decodes from exactly one spelling. The number of
 * bytes written, or -1. */
long sv_b64url_decode(const char *in, size_t n, unsigned char *out);

#endif /* SV_BASE64URL_H */
