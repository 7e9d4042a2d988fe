/*
 * Cron expressions (lib/sv_cron.c): syntax and its errors, next runs in UTC
 * and in zones across DST changes, impossible expressions. The zones
 * themselves are test_tzfile.c's.
 */

#include <stdio.h>
#include <string.h>

#include "sv_civil_time.h"
#include "sv_cron.h"
#include "sv_tz.h"
#include "tap.h"
#include "utc.h"

/* The next five runs of expr in zone after the UTC instant from: expected
 * is their local times, space separated. */
static void
runs(const char *expr, const char *zone, const char *from,
     const char *expected)
{
    struct sv_cron c;
    struct sv_tz  *tz;
    char           err[256] = "", got[512] = "", buf[64];
    int64_t        out[5];
    size_t         n;

    tz = sv_tz_load(zone, err, sizeof(err));
    if (!tap_ok(tz != NULL && sv_cron_parse(expr, &c, err, sizeof(err)),
                "\"%s\" parses, %s loads (%s)", expr, zone, err)) {
        sv_tz_free(tz);
        return;
    }
    n = sv_cron_next_n(&c, tz, utc(from), out, 5);
    for (size_t i = 0; i < n; i++) {
        strcat(got, i > 0 ? " " : "");
        sv_civil_iso8601(out[i], sv_tz_offset(tz, out[i]), false, buf);
        strcat(got, buf);
    }
    tap_is_str(got, expected, "  \"%s\" in %s after %sZ", expr, zone, from);
    sv_tz_free(tz);
}

/* expr with bytes outside printable ASCII as \xNN, at most 40 of them. */
static const char *
printable(const char *s, char *buf)
{
    size_t o = 0;

    for (size_t i = 0; s[i] != '\0' && i < 40; i++) {
        unsigned char c = (unsigned char) s[i];

        o += (size_t) sprintf(buf + o, c >= 0x20 && c < 0x7f ? "%c"
                              : "\\x%02X", c);
    }
    buf[o] = '\0';
    return buf;
}

static void
bad(const char *expr, const char *why)
{
    struct sv_cron c;
    char           err[256] = "", buf[200];

    tap_ok(!sv_cron_parse(expr, &c, err, sizeof(err)) && strstr(err, why),
           "refused: \"%s\": %s", printable(expr, buf), err);
    if (strstr(err, why) == NULL) {
        fprintf(stderr, "#     expected: '%s'\n", why);
    }
}

static void
utc_runs(void)
{
    runs("*/15 * * * *", "UTC", "2026-01-01T00:07:30",
         "2026-01-01T00:15:00+00:00 2026-01-01T00:30:00+00:00 "
         "2026-01-01T00:45:00+00:00 2026-01-01T01:00:00+00:00 "
         "2026-01-01T01:15:00+00:00");
    runs("* * * * *", "UTC", "2026-01-01T00:00:30",
         "2026-01-01T00:01:00+00:00 2026-01-01T00:02:00+00:00 "
         "2026-01-01T00:03:00+00:00 2026-01-01T00:04:00+00:00 "
         "2026-01-01T00:05:00+00:00");
    /* 2026-01-02 is a Friday. */
    runs("0 9 * * mon-fri", "UTC", "2026-01-02T10:00:00",
         "2026-01-05T09:00:00+00:00 2026-01-06T09:00:00+00:00 "
         "2026-01-07T09:00:00+00:00 2026-01-08T09:00:00+00:00 "
         "2026-01-09T09:00:00+00:00");
    /* Both day fields restricted: the 1st, the 15th, or any Friday. */
    runs("30 4 1,15 * 5", "UTC", "2026-01-01T00:00:00",
         "2026-01-01T04:30:00+00:00 2026-01-02T04:30:00+00:00 "
         "2026-01-09T04:30:00+00:00 2026-01-15T04:30:00+00:00 "
         "2026-01-16T04:30:00+00:00");
    /* A '*' day-of-month: both must match (Vixie's DOM_STAR). */
    runs("0 0 */2 * mon", "UTC", "2026-01-01T00:00:00",
         "2026-01-05T00:00:00+00:00 2026-01-19T00:00:00+00:00 "
         "2026-02-09T00:00:00+00:00 2026-02-23T00:00:00+00:00 "
         "2026-03-09T00:00:00+00:00");
    runs("0 12 * jan,JUL Sun", "UTC", "2026-01-01T00:00:00",
         "2026-01-04T12:00:00+00:00 2026-01-11T12:00:00+00:00 "
         "2026-01-18T12:00:00+00:00 2026-01-25T12:00:00+00:00 "
         "2026-07-05T12:00:00+00:00");
    runs("0 0 * * 7", "UTC", "2026-01-01T00:00:00",
         "2026-01-04T00:00:00+00:00 2026-01-11T00:00:00+00:00 "
         "2026-01-18T00:00:00+00:00 2026-01-25T00:00:00+00:00 "
         "2026-02-01T00:00:00+00:00");
    runs("0 0 * * 5-7", "UTC", "2026-01-01T00:00:00",
         "2026-01-02T00:00:00+00:00 2026-01-03T00:00:00+00:00 "
         "2026-01-04T00:00:00+00:00 2026-01-09T00:00:00+00:00 "
         "2026-01-10T00:00:00+00:00");
    runs("5-10/2 */6 * * *", "UTC", "2026-01-01T00:06:00",
         "2026-01-01T00:07:00+00:00 2026-01-01T00:09:00+00:00 "
         "2026-01-01T06:05:00+00:00 2026-01-01T06:07:00+00:00 "
         "2026-01-01T06:09:00+00:00");
    runs("0 0 1 */3 *", "UTC", "2026-02-01T00:00:00",
         "2026-04-01T00:00:00+00:00 2026-07-01T00:00:00+00:00 "
         "2026-10-01T00:00:00+00:00 2027-01-01T00:00:00+00:00 "
         "2027-04-01T00:00:00+00:00");
    runs("0 0 29 2 *", "UTC", "2026-01-01T00:00:00",
         "2028-02-29T00:00:00+00:00 2032-02-29T00:00:00+00:00 "
         "2036-02-29T00:00:00+00:00 2040-02-29T00:00:00+00:00 "
         "2044-02-29T00:00:00+00:00");
    /* 29 February on a Sunday: 28 years apart, still found. */
    runs("0 0 29 2 */7", "UTC", "2026-01-01T00:00:00",
         "2032-02-29T00:00:00+00:00 2060-02-29T00:00:00+00:00 "
         "2088-02-29T00:00:00+00:00 2128-02-29T00:00:00+00:00 "
         "2156-02-29T00:00:00+00:00");
    /* Strictly after: a run at the instant itself is not the next. */
    runs("59 23 31 12 *", "UTC", "2026-12-31T23:59:00",
         "2027-12-31T23:59:00+00:00 2028-12-31T23:59:00+00:00 "
         "2029-12-31T23:59:00+00:00 2030-12-31T23:59:00+00:00 "
         "2031-12-31T23:59:00+00:00");
    runs(" \t@yearly\t", "UTC", "2026-06-01T00:00:00",
         "2027-01-01T00:00:00+00:00 2028-01-01T00:00:00+00:00 "
         "2029-01-01T00:00:00+00:00 2030-01-01T00:00:00+00:00 "
         "2031-01-01T00:00:00+00:00");
    runs("@Hourly", "UTC", "2026-06-01T00:00:00",
         "2026-06-01T01:00:00+00:00 2026-06-01T02:00:00+00:00 "
         "2026-06-01T03:00:00+00:00 2026-06-01T04:00:00+00:00 "
         "2026-06-01T05:00:00+00:00");
    runs("0 0 1 JAN-dec SUN", "UTC", "2026-01-01T00:00:00",
         "2026-01-04T00:00:00+00:00 2026-01-11T00:00:00+00:00 "
         "2026-01-18T00:00:00+00:00 2026-01-25T00:00:00+00:00 "
         "2026-02-01T00:00:00+00:00");
    /* The end of the range: year 9999. */
    runs("0 0 * * *", "UTC", "9999-12-29T12:00:00",
         "9999-12-30T00:00:00+00:00 9999-12-31T00:00:00+00:00");
}

static void
macros(void)
{
    static const char *const same[][2] = {
        { "@hourly", "0 * * * *" },   { "@daily", "0 0 * * *" },
        { "@midnight", "0 0 * * *" }, { "@weekly", "0 0 * * 0" },
        { "@monthly", "0 0 1 * *" },  { "@yearly", "0 0 1 1 *" },
        { "@annually", "0 0 1 1 *" },
    };

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        struct sv_cron a, b;
        char           err[256] = "";

        tap_ok(sv_cron_parse(same[i][0], &a, err, sizeof(err))
               && sv_cron_parse(same[i][1], &b, err, sizeof(err))
               && memcmp(&a, &b, sizeof(a)) == 0, "%s is \"%s\"",
               same[i][0], same[i][1]);
    }
}

static void
berlin(void)
{
    /* 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 runs at 03:00. */
    runs("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00",
         "2026-03-28T02:30:00+01:00 2026-03-29T03:00:00+02:00 "
         "2026-03-30T02:30:00+02:00 2026-03-31T02:30:00+02:00 "
         "2026-04-01T02:30:00+02:00");
    /* 02:00 and 02:30 do not exist: one run at 03:00, not three. */
    runs("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:15:00",
         "2026-03-29T01:30:00+01:00 2026-03-29T03:00:00+02:00 "
         "2026-03-29T03:30:00+02:00 2026-03-29T04:00:00+02:00 "
         "2026-03-29T04:30:00+02:00");
    runs("0 0 * * *", "Europe/Berlin", "2026-03-28T00:00:00",
         "2026-03-29T00:00:00+01:00 2026-03-30T00:00:00+02:00 "
         "2026-03-31T00:00:00+02:00 2026-04-01T00:00:00+02:00 "
         "2026-04-02T00:00:00+02:00");
    /* 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 runs once, the first. */
    runs("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00",
         "2026-10-25T02:30:00+02:00 2026-10-26T02:30:00+01:00 "
         "2026-10-27T02:30:00+01:00 2026-10-28T02:30:00+01:00 "
         "2026-10-29T02:30:00+01:00");
    runs("0 * * * *", "Europe/Berlin", "2026-10-24T23:30:00",
         "2026-10-25T02:00:00+02:00 2026-10-25T03:00:00+01:00 "
         "2026-10-25T04:00:00+01:00 2026-10-25T05:00:00+01:00 "
         "2026-10-25T06:00:00+01:00");
    /* From inside the repeated hour: its times already ran. */
    runs("*/20 * * * *", "Europe/Berlin", "2026-10-25T01:10:00",
         "2026-10-25T03:00:00+01:00 2026-10-25T03:20:00+01:00 "
         "2026-10-25T03:40:00+01:00 2026-10-25T04:00:00+01:00 "
         "2026-10-25T04:20:00+01:00");
    /* 2040: past the file's table, from its POSIX rule. */
    runs("30 2 * * *", "Europe/Berlin", "2040-03-24T12:00:00",
         "2040-03-25T03:00:00+02:00 2040-03-26T02:30:00+02:00 "
         "2040-03-27T02:30:00+02:00 2040-03-28T02:30:00+02:00 "
         "2040-03-29T02:30:00+02:00");
    runs("0 20 * * fri", "posix/Europe/Berlin", "2026-10-20T00:00:00",
         "2026-10-23T20:00:00+02:00 2026-10-30T20:00:00+01:00 "
         "2026-11-06T20:00:00+01:00 2026-11-13T20:00:00+01:00 "
         "2026-11-20T20:00:00+01:00");
}

static void
new_york(void)
{
    /* 2026-03-08 02:00 EST -> 03:00 EDT. */
    runs("30 2 * * *", "America/New_York", "2026-03-07T12:00:00",
         "2026-03-08T03:00:00-04:00 2026-03-09T02:30:00-04:00 "
         "2026-03-10T02:30:00-04:00 2026-03-11T02:30:00-04:00 "
         "2026-03-12T02:30:00-04:00");
    /* 2026-11-01 02:00 EDT -> 01:00 EST. */
    runs("30 1 * * *", "America/New_York", "2026-10-31T12:00:00",
         "2026-11-01T01:30:00-04:00 2026-11-02T01:30:00-05:00 "
         "2026-11-03T01:30:00-05:00 2026-11-04T01:30:00-05:00 "
         "2026-11-05T01:30:00-05:00");
    runs("15 * * * *", "America/New_York", "2026-11-01T04:00:00",
         "2026-11-01T00:15:00-04:00 2026-11-01T01:15:00-04:00 "
         "2026-11-01T02:15:00-05:00 2026-11-01T03:15:00-05:00 "
         "2026-11-01T04:15:00-05:00");
    runs("0 9 * * mon-fri", "America/New_York", "2026-03-06T15:00:00",
         "2026-03-09T09:00:00-04:00 2026-03-10T09:00:00-04:00 "
         "2026-03-11T09:00:00-04:00 2026-03-12T09:00:00-04:00 "
         "2026-03-13T09:00:00-04:00");
    runs("0 12 * * *", "Etc/GMT+5", "2026-01-01T00:00:00",
         "2026-01-01T12:00:00-05:00 2026-01-02T12:00:00-05:00 "
         "2026-01-03T12:00:00-05:00 2026-01-04T12:00:00-05:00 "
         "2026-01-05T12:00:00-05:00");
}

static void
impossible(void)
{
    static const char *const never[] = {
        "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 */2",
        "0 0 30,31 feb *",
    };
    struct sv_tz       *berlin = sv_tz_load("Europe/Berlin", NULL, 0);

    for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        struct sv_cron  c;
        struct timespec a, b;
        char            err[256] = "";
        int64_t         out[5];
        bool            parsed = sv_cron_parse(never[i], &c, err,
                                               sizeof(err));
        double          ms;

        clock_gettime(CLOCK_MONOTONIC, &a);
        tap_ok(parsed && sv_cron_next(&c, berlin, utc("2026-01-01T00:00:00"))
                         == SV_CRON_NEVER
               && sv_cron_next_n(&c, berlin, 0, out, 5) == 0,
               "\"%s\" never runs (%s)", never[i], err);
        clock_gettime(CLOCK_MONOTONIC, &b);
        ms = (double) (b.tv_sec - a.tv_sec) * 1e3
             + (double) (b.tv_nsec - a.tv_nsec) / 1e6;
        tap_ok(ms < 500, "  and says so quickly (%.1f ms)", ms);
    }
    sv_tz_free(berlin);
}

static void
errors(void)
{
    char long_expr[SV_CRON_MAX + 2];

    memset(long_expr, ' ', sizeof(long_expr) - 1);
    long_expr[sizeof(long_expr) - 1] = '\0';
    memcpy(long_expr, "* * * * *", 9);

    bad("", "empty expression");
    bad(" \t ", "empty expression");
    bad(long_expr, "longer than 200 bytes");
    bad("* * * *", "expected 5 fields (minute hour day-of-month month "
        "day-of-week), got 4");
    bad("0 * * * * *", "got 6");
    bad("60 * * * *", "field 1 (minute): 60 is out of range 0-59");
    bad("0 25 * * *", "field 2 (hour): 25 is out of range 0-23");
    bad("0 0 0 * *", "field 3 (day-of-month): 0 is out of range 1-31");
    bad("0 0 32 * *", "field 3 (day-of-month): 32 is out of range 1-31");
    bad("0 0 * 13 *", "field 4 (month): 13 is out of range 1-12");
    bad("0 0 * * 8", "field 5 (day-of-week): 8 is out of range 0-7");
    bad("99999999999 * * * *",
        "field 1 (minute): 99999999999 is out of range 0-59");
    bad("0 0 * foo *", "field 4 (month): unknown name 'foo'");
    bad("0 0 * * monday", "field 5 (day-of-week): unknown name 'monday'");
    bad("x * * * *", "field 1 (minute): 'x' is not a number");
    bad("0 0 jan * *", "field 3 (day-of-month): 'jan' is not a number");
    bad("5-2 * * * *", "field 1 (minute): range 5-2 is backwards");
    bad("0 0 * dec-jan *", "field 4 (month): range dec-jan is backwards");
    bad("*/0 * * * *", "field 1 (minute): step 0 is out of range 1-59");
    bad("0 */24 * * *", "field 2 (hour): step 24 is out of range 1-23");
    bad("5/2 * * * *", "field 1 (minute): a step needs '*' or a range "
        "before it (at byte 1)");
    bad("1,,2 * * * *", "field 1 (minute): unexpected ',' at byte 2");
    bad("0 1, * * *", "field 2 (hour): unexpected end at byte 4");
    bad("*/ * * * *", "field 1 (minute): unexpected end at byte 2");
    bad("1-* * * * *", "field 1 (minute): unexpected '*' at byte 2");
    bad("0 0 * * mon-", "field 5 (day-of-week): unexpected end at byte 12");
    bad("0 0 * * *x", "field 5 (day-of-week): unexpected 'x' at byte 9");
    bad("*/5x * * * *", "field 1 (minute): unexpected 'x' at byte 3");
    bad("0 0 * * \x01", "field 5 (day-of-week): unexpected '\\x01' at "
        "byte 8");
    bad("0 0 * * \xff\xfe", "unexpected '\\xFF' at byte 8");
    bad("0 0 1-5/2x * *", "field 3 (day-of-month): unexpected 'x' at byte 9");
    bad("@reboot", "unknown macro '@reboot'");
    bad("@daily 5", "unknown macro '@daily 5'");
    bad("@", "unknown macro '@'");
}

int
main(void)
{
    utc_runs();
    macros();
    berlin();
    new_york();
    impossible();
    errors();
    return tap_done();
}
