/*
 * Clocks and timestamp formatting (see clock.h).
 */

#include "clock.h"

#include <stdio.h>

int64_t
sv_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec
sv_realtime_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ts;
}

void
sv_format_iso8601(const struct timespec *ts, char out[SV_ISO8601_SIZE])
{
    struct tm  tm;
    time_t     seconds = ts->tv_sec;
    size_t     n;

    /* Fails only for a time_t beyond struct tm's range. */
    if (gmtime_r(&seconds, &tm) == NULL
        || (n = strftime(out, SV_ISO8601_SIZE - 6, "%Y-%m-%dT%H:%M:%S", &tm))
           == 0) {
        snprintf(out, SV_ISO8601_SIZE, "1970-01-01T00:00:00.000Z");
        return;
    }

    snprintf(out + n, SV_ISO8601_SIZE - n, ".%03uZ",
             (unsigned) (ts->tv_nsec / 1000000) % 1000);
}
