/*
 * Minimal TAP producer for the C unit tests, read by prove.
 *
 *   tap_ok(cond, "description", ...);   printf-style description
 *   tap_is_str(got, expected, "description");
 *   tap_is_int(got, expected, "description");
 *   return tap_done();                  prints the plan "1..N" (at the end,
 *                                       which TAP allows) and the exit status
 *
 * Diagnostics go to stderr as "# ..." lines, like Test::More's.
 */

#ifndef SV_TAP_H
#define SV_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_run;
static int tap_failed;

static inline bool
tap_vok(bool pass, const char *fmt, va_list ap)
{
    tap_run++;
    if (!pass) {
        tap_failed++;
    }

    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    return pass;
}

static inline __attribute__((format(printf, 2, 3))) bool
tap_ok(bool pass, const char *fmt, ...)
{
    va_list ap;
    bool    result;

    va_start(ap, fmt);
    result = tap_vok(pass, fmt, ap);
    va_end(ap);
    return result;
}

static inline __attribute__((format(printf, 3, 4))) bool
tap_is_str(const char *got, const char *expected, const char *fmt, ...)
{
    va_list ap;
    bool    pass = got != NULL && expected != NULL ? strcmp(got, expected) == 0
                                                   : got == expected;

    va_start(ap, fmt);
    tap_vok(pass, fmt, ap);
    va_end(ap);

    if (!pass) {
        fprintf(stderr, "#          got: '%s'\n#     expected: '%s'\n",
                got != NULL ? got : "(null)",
                expected != NULL ? expected : "(null)");
    }
    return pass;
}

static inline __attribute__((format(printf, 3, 4))) bool
tap_is_int(long long got, long long expected, const char *fmt, ...)
{
    va_list ap;
    bool    pass = got == expected;

    va_start(ap, fmt);
    tap_vok(pass, fmt, ap);
    va_end(ap);

    if (!pass) {
        fprintf(stderr, "#          got: %lld\n#     expected: %lld\n", got,
                expected);
    }
    return pass;
}

static inline int
tap_done(void)
{
    printf("1..%d\n", tap_run);
    if (tap_failed > 0) {
        fprintf(stderr, "# Looks like you failed %d test%s of %d.\n",
                tap_failed, tap_failed == 1 ? "" : "s", tap_run);
    }
    return tap_failed > 0 ? 1 : 0;
}

#endif /* SV_TAP_H */
