/*
 * Civil dates in the proleptic Gregorian calendar, as days since
 * 1970-01-01 (negative before it). Pure arithmetic, no time zones: what the
 * zone reader (sv_tz.c) and the cron search (sv_cron.c) both count with.
 */

#ifndef SV_CIVIL_TIME_H
#define SV_CIVIL_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define SV_CIVIL_DAY_S        86400     /* seconds in a civil day */
#define SV_CIVIL_ISO_SIZE     40        /* an ISO 8601 time and its NUL */
#define SV_CIVIL_CYCLE_DAYS   146097    /* 400 years: the calendar repeats */

/* a / b rounded toward minus infinity (b != 0). */
int64_t sv_floor_div(int64_t a, int64_t b);

/* The day number of y-m-d (m 1-12, d 1-31). */
int64_t sv_days_from_civil(int64_t y, int m, int d);

/* The date of day number z. */
void sv_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* The weekday of day number days: 0 = Sunday ... 6 = Saturday. */
int sv_weekday(int64_t days);

/* The days in month m (1-12) of year y: 28-31. */
int sv_days_in_month(int64_t y, int m);

/* Instant t (seconds since the epoch) as the local time of UTC offset off
 * (seconds east) in ISO 8601: "2026-03-29T03:00:00+02:00", or with utc
 * (off 0) "2026-03-29T01:00:00Z". */
void sv_civil_iso8601(int64_t t, int32_t off, bool utc,
                      char out[SV_CIVIL_ISO_SIZE]);

#endif /* SV_CIVIL_TIME_H */
