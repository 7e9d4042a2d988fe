/*
 * Cron expressions and their run times in an IANA time zone, for the
 * recording schedules (table schedules: cron, timezone). Pure; the zone
 * comes from sv_tz_load (sv_tz.h).
 *
 * Syntax: five fields "minute hour day-of-month month day-of-week" separated
 * by spaces or tabs; each a comma list of '*', 'a', 'a-b', '*' + "/n" or
 * 'a-b/n'; months may be jan-dec and weekdays sun-sat (any case); weekday 7
 * is Sunday like 0. The macros @hourly @daily @midnight @weekly @monthly
 * @yearly @annually stand for their usual five fields. Errors name the field
 * and the offending text or byte position: "field 2 (hour): 25 is out of
 * range 0-23".
 *
 * Matching is Vixie cron's: when both day fields are restricted (neither
 * starts with '*'), a day matches if EITHER matches; otherwise both must.
 *
 * Local times become instants through the zone alone (sv_tz.h: no TZ
 * switching, any thread).
 *
 * Daylight saving time (the cronie behaviour for fixed-time jobs, which is
 * sv_tz_resolve's):
 *   - a local time skipped by a spring-forward change runs once, at the
 *     first instant after the gap (02:30 on a 02:00->03:00 day runs at
 *     03:00 summer time); several skipped times are that one run;
 *   - a local time repeated by a fall-back change runs once, at its first
 *     occurrence (summer time); the repeated hour adds no runs.
 *
 * The search is bounded: the Gregorian calendar repeats every 400 years, so
 * a day pattern with no match in 400 years never matches ("0 0 30 2 *");
 * that answer takes about a millisecond. Instants are seconds since the
 * epoch, from 1970 to the end of year 9999.
 */

#ifndef SV_CRON_H
#define SV_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sv_tz.h"

#define SV_CRON_MAX          200        /* bytes, as schedules.cron */
#define SV_CRON_NEVER        (-1)       /* sv_cron_next: no run ever */

struct sv_cron {
    uint64_t minutes;                   /* bit n: minute n */
    uint32_t hours;                     /* bit n: hour n */
    uint32_t days;                      /* bit n: day of month n (1-31) */
    uint16_t months;                    /* bit n: month n (1-12) */
    uint8_t  weekdays;                  /* bit n: weekday n (0 = Sunday) */
    bool     days_star, weekdays_star;  /* the field starts with '*' */
};

/* Parses expr into *c; false with the reason in err. */
bool sv_cron_parse(const char *expr, struct sv_cron *c, char *err,
                   size_t errlen);

/* The first run strictly after instant after, or SV_CRON_NEVER. */
int64_t sv_cron_next(const struct sv_cron *c, const struct sv_tz *tz,
                     int64_t after);

/* The next n runs after instant after into out; how many there are (fewer
 * than n only when the expression runs no more). */
size_t sv_cron_next_n(const struct sv_cron *c, const struct sv_tz *tz,
                      int64_t after, int64_t *out, size_t n);

#endif /* SV_CRON_H */
