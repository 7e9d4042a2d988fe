/*
 * Civil dates (see sv_civil_time.h).
 */

#include "sv_civil_time.h"

#include <stdio.h>
#include <stdlib.h>

int64_t
sv_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* H. Hinnant's days_from_civil / civil_from_days. */
int64_t
sv_days_from_civil(int64_t y, int m, int d)
{
    int64_t  era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = sv_floor_div(y, 400);
    yoe = (unsigned) (y - era * 400);
    doy = (unsigned) ((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * SV_CIVIL_CYCLE_DAYS + (int64_t) doe - 719468;
}

void
sv_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t  era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = sv_floor_div(z, SV_CIVIL_CYCLE_DAYS);
    doe = (unsigned) (z - era * SV_CIVIL_CYCLE_DAYS);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t) yoe + era * 400 + (*m <= 2);
}

/* 1970-01-01 was a Thursday. */
int
sv_weekday(int64_t days)
{
    int r = (int) ((days + 4) % 7);

    return r < 0 ? r + 7 : r;
}

int
sv_days_in_month(int64_t y, int m)
{
    static const int dim[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
                                 30, 31 };
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

    return m == 2 && leap ? 29 : dim[m];
}

void
sv_civil_iso8601(int64_t t, int32_t off, bool utc, char out[SV_CIVIL_ISO_SIZE])
{
    int64_t local = t + off, days = sv_floor_div(local, SV_CIVIL_DAY_S), y;
    int     secs = (int) (local - days * SV_CIVIL_DAY_S), m, d;
    char    zone[8] = "Z";

    sv_civil_from_days(days, &y, &m, &d);
    if (!utc) {
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
                 abs(off) / 3600 % 100, abs(off) % 3600 / 60);
    }
    snprintf(out, SV_CIVIL_ISO_SIZE, "%04lld-%02d-%02dT%02d:%02d:%02d%s",
             (long long) y, m, d, secs / 3600, secs % 3600 / 60, secs % 60,
             zone);
}
