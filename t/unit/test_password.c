/*
 * Password generation (worker/password.c).
 */

#include <string.h>

#include "password.h"
#include "random.h"
#include "tap.h"

/* Yields 0, 1, 2, ... 255, 0, ... */
static unsigned counter;

static int
counting_source(void *buf, size_t n)
{
    unsigned char *p = buf;

    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char) counter++;
    }
    return 0;
}

static int
failing_source(void *buf, size_t n)
{
    (void) buf;
    (void) n;
    return -1;
}

/* Only bytes that must be rejected. */
static int
useless_source(void *buf, size_t n)
{
    memset(buf, 0xFF, n);
    return 0;
}

int
main(void)
{
    char  pw[64], other[64];
    bool  alphabet_only = true;

    counter = 0;
    tap_is_int(sv_password_generate(pw, 62, counting_source), 0,
               "62 characters from a counting source");
    tap_is_str(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
               "0123456789", "byte values map onto the alphabet in order");

    counter = 246;
    sv_password_generate(pw, 4, counting_source);
    tap_is_str(pw, "89AB", "bytes 248..255 are skipped (no modulo bias)");

    tap_is_int(sv_password_generate(pw, 20, failing_source), -1,
               "a failing source is an error");
    tap_is_str(pw, "", "leaving no partial password");
    tap_is_int(sv_password_generate(pw, 20, useless_source), -1,
               "a source of unusable bytes gives up instead of hanging");

    tap_is_int(sv_password_generate(pw, 20, sv_random_bytes), 0,
               "20 characters from getrandom");
    tap_is_int((long long) strlen(pw), 20, "exactly 20");
    for (size_t i = 0; pw[i] != '\0'; i++) {
        alphabet_only = alphabet_only
                        && strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
                                  "opqrstuvwxyz0123456789", pw[i]) != NULL;
    }
    tap_ok(alphabet_only, "from [A-Za-z0-9] only");
    sv_password_generate(other, 20, sv_random_bytes);
    tap_ok(strcmp(pw, other) != 0, "two passwords differ");

    return tap_done();
}
