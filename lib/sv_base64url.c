/*
 * base64url without padding (see sv_base64url.h).
 */

#include "sv_base64url.h"

#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
sv_b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

char *
sv_b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        *out++ = alphabet[in[i] >> 2];
        *out++ = alphabet[(in[i] & 0x03) << 4 | in[i + 1] >> 4];
        *out++ = alphabet[(in[i + 1] & 0x0f) << 2 | in[i + 2] >> 6];
        *out++ = alphabet[in[i + 2] & 0x3f];
    }
    if (n - i == 1) {
        *out++ = alphabet[in[i] >> 2];
        *out++ = alphabet[(in[i] & 0x03) << 4];
    } else if (n - i == 2) {
        *out++ = alphabet[in[i] >> 2];
        *out++ = alphabet[(in[i] & 0x03) << 4 | in[i + 1] >> 4];
        *out++ = alphabet[(in[i + 1] & 0x0f) << 2];
    }
    return out;
}

static int
value(char c)
{
    const char *p = c ? strchr(alphabet, c) : NULL;

    return p ? (int) (p - alphabet) : -1;
}

long
sv_b64url_decode(const char *in, size_t n, unsigned char *out)
{
    unsigned long acc = 0;
    int           bits = 0, v;
    long          len = 0;

    if (n % 4 == 1) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if ((v = value(in[i])) < 0) {
            return -1;
        }
        acc = (acc << 6 | (unsigned long) v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (unsigned char) (acc >> bits);
        }
    }
    return (acc & ((1ul << bits) - 1)) == 0 ? len : -1;
}
