/*
 * Password generation (see password.h).
 */

#include "password.h"

#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
#define ALPHABET_SIZE  (sizeof(alphabet) - 1)

/* Bytes at or above this are rejected: 248 = 4 * 62, so every character
 * is equally likely. */
#define ACCEPT_BELOW   (256 - 256 % ALPHABET_SIZE)

/* A fair source rejects 3% of bytes; 64 rounds of refills is plenty. */
#define MAX_ROUNDS     64

int
sv_password_generate(char *out, size_t len, sv_random_source source)
{
    unsigned char  pool[64];
    size_t         made = 0;

    for (int round = 0; round < MAX_ROUNDS && made < len; round++) {
        if (source(pool, sizeof(pool)) != 0) {
            break;
        }

        for (size_t i = 0; i < sizeof(pool) && made < len; i++) {
            if (pool[i] < ACCEPT_BELOW) {
                out[made++] = alphabet[pool[i] % ALPHABET_SIZE];
            }
        }
    }

    /* The pool held secret material. */
    explicit_bzero(pool, sizeof(pool));

    if (made < len) {
        explicit_bzero(out, made);
        out[0] = '\0';
        return -1;
    }

    out[len] = '\0';
    return 0;
}
