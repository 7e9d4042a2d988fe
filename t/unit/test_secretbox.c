/*
 * Secrets at rest (lib/sv_secretbox.c): the sealed format, and that nothing
 * but the right key, the right name and the untouched text opens it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_secretbox.h"
#include "tap.h"

#define SECRET  "0123456789abcdef0123456789abcdef"

static unsigned char key[SV_SECRETBOX_KEY_LEN];

static int
opens(const char *name, const char *sealed, size_t len, char *plain)
{
    unsigned char out[512];
    size_t        n = 0;

    if (len > sizeof(out)
        || sv_secretbox_open(key, name, sealed, len, out, &n) != 0)
    {
        return 0;
    }
    memcpy(plain, out, n);
    plain[n] = '\0';
    return 1;
}

static void
test_key(void)
{
    unsigned char k2[SV_SECRETBOX_KEY_LEN];
    char          hex[2 * SV_SECRETBOX_KEY_LEN + 1];

    /* printf 'streamvault secrets at rest v1'
     *   | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef */

    for (int i = 0; i < SV_SECRETBOX_KEY_LEN; i++) {
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    }
    tap_is_str(hex, "0894137702e8020389aa523b23035faa"
                    "1cb22ab9cdf35c7349bcd92916f08c0a",
               "the key is HMAC-SHA256(secret, \"streamvault secrets at "
               "rest v1\")");

    sv_secretbox_key((const unsigned char *) SECRET "\r\n\n",
                     sizeof(SECRET "\r\n\n") - 1, k2);
    tap_ok(memcmp(key, k2, sizeof(key)) == 0,
           "trailing CR/LF of the secret file do not count");
}

int
main(void)
{
    char          sealed[512], other[512], plain[512];
    unsigned char k2[SV_SECRETBOX_KEY_LEN];
    size_t        len, i, bad;
    const char   *text = "s3cr3t client secret";

    sv_secretbox_key((const unsigned char *) SECRET, sizeof(SECRET) - 1, key);
    test_key();

    tap_ok(sv_secretbox_seal(key, "twitch.client_secret",
                             (const unsigned char *) text, strlen(text),
                             sealed) == 0, "seal");
    len = strlen(sealed);
    tap_is_int((long) len, (long) sv_secretbox_sealed_len(strlen(text)),
               "the sealed text is as long as sealed_len says");
    tap_ok(strncmp(sealed, SV_SECRETBOX_PREFIX, 4) == 0
           && strspn(sealed + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "abcdefghijklmnopqrstuvwxyz0123456789-_")
              == len - 4,
           "\"sv1:\" and base64url without padding: %s", sealed);
    tap_ok(strstr(sealed, "s3cr3t") == NULL, "no plaintext in it");
    tap_ok(opens("twitch.client_secret", sealed, len, plain)
           && strcmp(plain, text) == 0, "it opens to the plaintext");

    tap_ok(sv_secretbox_seal(key, "twitch.client_secret",
                             (const unsigned char *) text, strlen(text),
                             other) == 0 && strcmp(other, sealed) != 0,
           "a second seal differs (a new nonce)");

    sv_secretbox_key((const unsigned char *) SECRET "x",
                     sizeof(SECRET "x") - 1, k2);
    {
        unsigned char out[512];
        size_t        n = 7;

        tap_ok(sv_secretbox_open(k2, "twitch.client_secret", sealed, len,
                                 out, &n) != 0 && n == 7,
               "another key does not open it");
    }
    tap_ok(!opens("twitch.user_token", sealed, len, plain),
           "another name does not open it");

    bad = 0;
    for (i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(other, sealed, len + 1);
            other[i] ^= (char) (1u << bit);
            bad += opens("twitch.client_secret", other, len, plain);
        }
    }
    tap_ok(bad == 0, "no single bit flipped in any byte opens (%zu did)",
           bad);

    bad = 0;
    for (i = 0; i < len; i++) {
        bad += opens("twitch.client_secret", sealed, i, plain);
    }
    tap_ok(bad == 0, "no truncation opens (%zu did)", bad);

    memcpy(other, sealed, len + 1);
    other[2] = '2';
    tap_ok(!opens("twitch.client_secret", other, len, plain),
           "another prefix (sv2:) is refused");
    tap_ok(!opens("twitch.client_secret", sealed + 4, len - 4, plain),
           "no prefix is refused");

    memcpy(other, sealed, len + 1);
    other[10] = '+';
    tap_ok(!opens("twitch.client_secret", other, len, plain),
           "'+' (standard base64) is refused");
    memcpy(other, sealed, len + 1);
    memcpy(other + len, "==", 3);
    tap_ok(!opens("twitch.client_secret", other, len + 2, plain),
           "padding is refused");
    memcpy(other, sealed, len + 1);
    other[20] = '\0';
    tap_ok(!opens("twitch.client_secret", other, len, plain),
           "a NUL inside is refused");
    tap_ok(!opens("twitch.client_secret", "sv1:", 4, plain),
           "an empty body is refused");

    tap_ok(sv_secretbox_seal(key, "twitch.user_token",
                             (const unsigned char *) "", 0, sealed) == 0
           && strlen(sealed) == sv_secretbox_sealed_len(0)
           && opens("twitch.user_token", sealed, strlen(sealed), plain)
           && plain[0] == '\0', "an empty plaintext seals and opens");

    {
        unsigned char big[300];

        for (i = 0; i < sizeof(big); i++) {
            big[i] = (unsigned char) i;
        }
        tap_ok(sv_secretbox_seal(key, "n", big, sizeof(big), sealed) == 0
               && opens("n", sealed, strlen(sealed), plain)
               && memcmp(plain, big, sizeof(big)) == 0,
               "binary plaintext round trips");
    }

    return tap_done();
}
