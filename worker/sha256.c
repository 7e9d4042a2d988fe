/*
 * SHA-256 through OpenSSL's EVP interface (see sha256.h).
 */

#include "sha256.h"

#include <openssl/evp.h>

int
sv_sha256_hex(const void *data, size_t len, char out[SV_SHA256_HEX_SIZE])
{
    static const char  hex[] = "0123456789abcdef";
    unsigned char      digest[EVP_MAX_MD_SIZE];
    unsigned int       digest_len = 0;

    if (EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL) != 1
        || digest_len != 32) {
        return -1;
    }

    for (unsigned int i = 0; i < digest_len; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0F];
    }
    out[2 * digest_len] = '\0';
    return 0;
}
