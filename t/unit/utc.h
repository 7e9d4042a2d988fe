/*
 * Instants written as UTC text, for the time-zone and cron unit tests.
 */

#ifndef SV_TEST_UTC_H
#define SV_TEST_UTC_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Seconds since the epoch of a UTC "YYYY-MM-DDTHH:MM:SS". */
static inline int64_t
utc(const char *s)
{
    struct tm tm = { 0 };

    sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
           &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t) timegm(&tm);
}

#endif /* SV_TEST_UTC_H */
