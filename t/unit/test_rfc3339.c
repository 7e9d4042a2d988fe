/*
 * RFC 3339 time stamps (lib/sv_rfc3339.c).
 */

#include <string.h>

#include "sv_rfc3339.h"
#include "tap.h"

static void
good(const char *s, long long expected)
{
    int64_t t = 0;

    tap_ok(sv_rfc3339_parse(s, strlen(s), &t) == 0 && t == expected,
           "\"%s\" is %lld (got %lld)", s, expected, (long long) t);
}

static void
bad(const char *s, const char *what)
{
    int64_t t = 0;

    tap_ok(sv_rfc3339_parse(s, strlen(s), &t) == -1, "%s is refused: \"%s\"",
           what, s);
}

int
main(void)
{
    good("1970-01-01T00:00:00Z", 0);
    good("2026-11-21T17:18:22Z", 1795281502);
    good("2026-11-21t17:18:22z", 1795281502);
    good("2026-11-21T17:18:22.5Z", 1795281502);
    good("2026-11-21T17:18:22.123456789Z", 1795281502);
    good("2026-11-21T18:18:22+01:00", 1795281502);
    good("2026-11-21T12:48:22-04:30", 1795281502);
    good("2026-11-22T00:18:22.000+07:00", 1795281502);
    good("2024-02-29T00:00:00Z", 1709164800);
    good("2016-12-31T23:59:60Z", 1483228800);
    good("1969-12-31T23:59:59Z", -1);

    bad("", "empty");
    bad("2026-11-21T17:18:22", "no zone");
    bad("2026-11-21 17:18:22Z", "a space for T");
    bad("2026-11-21T17:18Z", "no seconds");
    bad("2026-11-21T17:18:22.Z", "an empty fraction");
    bad("2026-11-21T17:18:22.1234567891Z", "a fraction of 10 digits");
    bad("2026-11-21T17:18:22+0100", "an offset without colon");
    bad("2026-11-21T17:18:22+01", "an offset without minutes");
    bad("2026-11-21T17:18:22Z ", "a trailing space");
    bad("2026-11-21T17:18:22ZZ", "a trailing Z");
    bad("2026-02-29T00:00:00Z", "February 29 of a common year");
    bad("2026-04-31T00:00:00Z", "April 31");
    bad("2026-13-01T00:00:00Z", "month 13");
    bad("2026-00-01T00:00:00Z", "month 0");
    bad("2026-11-21T24:00:00Z", "hour 24");
    bad("2026-11-21T23:60:00Z", "minute 60");
    bad("2026-11-21T23:59:61Z", "second 61");
    bad("+2026-11-21T17:18:22Z", "a sign");
    bad("２026-11-21T17:18:22Z", "non-ASCII digits");
    bad("2026-11-21T17:18:22.000000000000000000000000000000000000000000000Z",
        "a text longer than 64 bytes");

    {
        int64_t t = 0;

        tap_ok(sv_rfc3339_parse("2026-11-21T17:18:22Zjunk", 20, &t) == 0
               && t == 1795281502, "only len bytes are read");
    }

    return tap_done();
}
