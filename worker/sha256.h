/*
 * SHA-256 as lower-case hex (migration checksums).
 */

#ifndef SV_SHA256_H
#define SV_SHA256_H

#include <stddef.h>

#define SV_SHA256_HEX_SIZE  65

/* 0, or -1 if OpenSSL failed (out of memory). */
int sv_sha256_hex(const void *data, size_t len, char out[SV_SHA256_HEX_SIZE]);

#endif /* SV_SHA256_H */
