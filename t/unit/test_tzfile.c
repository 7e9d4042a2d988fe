/*
 * Time zones (lib/sv_tz.c): zone names, the TZif reader checked against
 * glibc, local times across DST changes (sv_tz_resolve), and the civil-date
 * arithmetic underneath (lib/sv_civil_time.c) checked against gmtime_r,
 * ISO 8601 text, and the per-process zone cache (lib/sv_tz_cache.c).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv_civil_time.h"
#include "sv_tz.h"
#include "sv_tz_cache.h"
#include "tap.h"
#include "utc.h"

static void
bad_zone(const char *name, const char *why)
{
    char err[256] = "";

    tap_ok(!sv_tz_check(name, err, sizeof(err)) && strstr(err, why),
           "zone \"%s\" refused: %s", name, err);
}

static void
zones(void)
{
    char err[256] = "";

    tap_ok(sv_tz_check("UTC", err, sizeof(err)), "UTC (%s)", err);
    tap_ok(sv_tz_check("Europe/Berlin", err, sizeof(err)),
           "Europe/Berlin (%s)", err);
    tap_ok(sv_tz_check("America/Argentina/Buenos_Aires", err, sizeof(err)),
           "America/Argentina/Buenos_Aires");
    tap_ok(sv_tz_check("Etc/GMT-14", err, sizeof(err)), "Etc/GMT-14");
    bad_zone("", "1-64 bytes");
    bad_zone("Europe/Berlin/Europe/Berlin/Europe/Berlin/Europe/Berlin/"
             "Europe/Berlin", "1-64 bytes");
    bad_zone("/etc/passwd", "must not start with '/'");
    bad_zone("Europe/../../../etc/passwd", "must not contain '..'");
    bad_zone("..", "must not contain '..'");
    bad_zone("Europe/Berlin ", "unexpected ' ' at byte 13");
    bad_zone("Europe\\Berlin", "unexpected '\\' at byte 6");
    bad_zone("zone1970.tab", "unexpected '.' at byte 8");
    bad_zone("Europe//Berlin", "an empty part at byte 7");
    bad_zone("Europe/", "an empty part at byte 7");
    bad_zone("Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'");
    bad_zone("Europe", "unknown time zone 'Europe'");
    bad_zone("leapseconds", "not a TZif version 2+ file");
    bad_zone("right/Europe/Berlin", "leap seconds are not supported");
}

/* The TZif reader against glibc, which reads the same files: zones with
 * odd rules (30-minute DST, negative DST, changes at 24:00 or 26:00, a
 * skipped day, southern summers), every ~5.3 days from 1900 to 2100 and
 * 30 and 60 minutes later. TZ is switched in this test only. */
static void
against_glibc(void)
{
    static const char *const names[] = {
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
        "Europe/Dublin", "Asia/Jerusalem", "America/Sao_Paulo",
        "Pacific/Apia", "Asia/Kolkata", "America/Godthab", "Africa/Casablanca",
        "Antarctica/Troll", "America/Santiago",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct sv_tz *tz = sv_tz_load(names[i], NULL, 0);
        int64_t       checked = 0, wrong = 0, first_wrong = 0;

        setenv("TZ", names[i], 1);
        tzset();
        for (int64_t t = utc("1900-01-01T00:00:00");
             tz != NULL && t < utc("2100-01-01T00:00:00"); t += 460800 + 7) {
            for (int64_t d = 0; d < 3; d++) {
                time_t    tt = (time_t) (t + d * 1800);
                struct tm tm;

                localtime_r(&tt, &tm);
                checked++;
                if (tm.tm_gmtoff != sv_tz_offset(tz, tt)) {
                    first_wrong = wrong++ == 0 ? tt : first_wrong;
                }
            }
        }
        tap_ok(tz != NULL && wrong == 0 && checked > 40000,
               "%s: offsets agree with glibc at %lld instants (%lld differ, "
               "the first %lld)", names[i], (long long) checked,
               (long long) wrong, (long long) first_wrong);
        sv_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}

/* The local time wall in zone happens at the UTC instant expected. */
static void
resolves(const char *zone, const char *wall, const char *expected,
         const char *why)
{
    struct sv_tz *tz = sv_tz_load(zone, NULL, 0);
    int64_t       got = tz != NULL ? sv_tz_resolve(tz, utc(wall)) : -1;

    tap_is_int(got, utc(expected), "%s %s is %sZ: %s", zone, wall, expected,
               why);
    sv_tz_free(tz);
}

static void
resolve(void)
{
    resolves("UTC", "2026-03-29T02:30:00", "2026-03-29T02:30:00", "as is");
    resolves("Etc/GMT-14", "2026-01-01T00:00:00", "2025-12-31T10:00:00",
             "14 hours east");
    resolves("Europe/Berlin", "2026-01-15T12:00:00", "2026-01-15T11:00:00",
             "winter");
    resolves("Europe/Berlin", "2026-07-15T12:00:00", "2026-07-15T10:00:00",
             "summer");
    resolves("Europe/Berlin", "2026-03-29T02:00:00", "2026-03-29T01:00:00",
             "the gap's start is its end");
    resolves("Europe/Berlin", "2026-03-29T02:30:00", "2026-03-29T01:00:00",
             "in the gap: its end");
    resolves("Europe/Berlin", "2026-03-29T02:59:00", "2026-03-29T01:00:00",
             "late in the gap: its end");
    resolves("Europe/Berlin", "2026-03-29T03:00:00", "2026-03-29T01:00:00",
             "after the gap");
    resolves("Europe/Berlin", "2026-03-29T01:59:00", "2026-03-29T00:59:00",
             "before the gap");
    resolves("Europe/Berlin", "2026-10-25T02:30:00", "2026-10-25T00:30:00",
             "repeated: the first");
    resolves("Europe/Berlin", "2026-10-25T03:00:00", "2026-10-25T02:00:00",
             "after the repeat");
    resolves("Europe/Berlin", "2040-03-25T02:30:00", "2040-03-25T01:00:00",
             "a gap from the POSIX rule");
    resolves("Europe/Berlin", "2040-10-28T02:30:00", "2040-10-28T00:30:00",
             "a repeat from the POSIX rule");
    resolves("America/New_York", "2026-03-08T02:30:00", "2026-03-08T07:00:00",
             "in the gap: its end");
    resolves("America/New_York", "2026-11-01T01:30:00", "2026-11-01T05:30:00",
             "repeated: the first");
    /* Half-hour DST. */
    resolves("Australia/Lord_Howe", "2026-10-04T02:15:00",
             "2026-10-03T15:30:00", "in a 30-minute gap: its end");
    resolves("Australia/Lord_Howe", "2027-04-04T01:45:00",
             "2027-04-03T14:45:00", "repeated: the first");
}

/* Every day from 0001-01-01 to 9999-12-31 against gmtime_r: the date, its
 * weekday, the round trip, and the month lengths. */
static void
civil(void)
{
    int64_t first = sv_days_from_civil(1, 1, 1);
    int64_t last = sv_days_from_civil(9999, 12, 31);
    int64_t wrong_date = 0, wrong_wday = 0, wrong_trip = 0, wrong_dim = 0;
    int64_t checked = 0;

    for (int64_t z = first; z <= last; z++) {
        time_t    t = (time_t) (z * SV_CIVIL_DAY_S);
        struct tm tm;
        int64_t   y;
        int       m, d;

        gmtime_r(&t, &tm);
        sv_civil_from_days(z, &y, &m, &d);
        checked++;
        wrong_date += y != tm.tm_year + 1900LL || m != tm.tm_mon + 1
                      || d != tm.tm_mday;
        wrong_wday += sv_weekday(z) != tm.tm_wday;
        wrong_trip += sv_days_from_civil(y, m, d) != z;
        if (z > first) {
            int64_t py;
            int     pm, pd;

            /* The day before the 1st is its month's last. */
            sv_civil_from_days(z - 1, &py, &pm, &pd);
            wrong_dim += d == 1 && pd != sv_days_in_month(py, pm);
        }
    }
    tap_ok(first == -719162 && last == 2932896, "0001-01-01 is day %lld, "
           "9999-12-31 day %lld", (long long) first, (long long) last);
    tap_ok(wrong_date == 0, "dates agree with gmtime_r on %lld days (%lld "
           "differ)", (long long) checked, (long long) wrong_date);
    tap_ok(wrong_wday == 0, "  weekdays (%lld differ)",
           (long long) wrong_wday);
    tap_ok(wrong_trip == 0, "  days_from_civil(civil_from_days(z)) == z "
           "(%lld differ)", (long long) wrong_trip);
    tap_ok(wrong_dim == 0, "  month lengths (%lld differ)",
           (long long) wrong_dim);
    tap_is_int(sv_days_in_month(2000, 2), 29, "2000 is a leap year");
    tap_is_int(sv_days_in_month(2100, 2), 28, "2100 is not");
    tap_is_int(sv_weekday(-1), 3, "1969-12-31 was a Wednesday");
    tap_is_int(sv_floor_div(-1, SV_CIVIL_DAY_S), -1, "floor_div rounds down");
    tap_is_int(sv_floor_div(SV_CIVIL_DAY_S, SV_CIVIL_DAY_S), 1,
               "  and is exact when exact");
}

static void
iso8601(void)
{
    char out[SV_CIVIL_ISO_SIZE];

    sv_civil_iso8601(utc("2026-03-29T01:00:00"), 7200, false, out);
    tap_is_str(out, "2026-03-29T03:00:00+02:00", "ISO 8601 with an offset");
    sv_civil_iso8601(utc("2026-01-01T02:15:09"), -34200, false, out);
    tap_is_str(out, "2025-12-31T16:45:09-09:30", "  a negative one, the day "
               "before");
    sv_civil_iso8601(utc("1969-12-31T23:59:59"), 0, true, out);
    tap_is_str(out, "1969-12-31T23:59:59Z", "  UTC, before the epoch");
    sv_civil_iso8601(utc("9999-12-31T23:59:59"), 0, true, out);
    tap_is_str(out, "9999-12-31T23:59:59Z", "  the last instant");
}

/* The per-process cache: hits, reloads after the TTL, refusals, bounds. */
static void
cache(void)
{
    const struct sv_tz *berlin, *again, *z;
    char                err[256] = "", name[SV_TZ_NAME_MAX + 1];
    int64_t             now = utc("2026-06-01T00:00:00");
    bool                all = true;
    int                 n = 0;
    DIR                *dir;
    struct dirent      *de;

    berlin = sv_tz_cached("Europe/Berlin", now, err, sizeof(err));
    again = sv_tz_cached("Europe/Berlin", now + 10, err, sizeof(err));
    tap_ok(berlin != NULL && berlin == again, "a cached zone is used again "
           "(%s)", err);
    tap_is_int(berlin != NULL ? sv_tz_offset(berlin, now) : 0, 7200,
               "  and is the zone");
    tap_ok(sv_tz_cached("Europe/Nowhere", now, err, sizeof(err)) == NULL
           && strstr(err, "unknown time zone") != NULL,
           "an unknown zone is refused: %s", err);
    tap_ok(sv_tz_cached("../etc/passwd", now, err, sizeof(err)) == NULL
           && strstr(err, "..") != NULL, "  a path too: %s", err);
    /* 40 zones of America/ pass through 32 slots; each answer is still
     * its zone. */
    dir = opendir(SV_TZ_ZONEINFO "/America");
    while (dir != NULL && n < 40 && (de = readdir(dir)) != NULL) {
        struct sv_tz *fresh;

        snprintf(name, sizeof(name), "America/%.48s", de->d_name);
        fresh = sv_tz_load(name, err, sizeof(err));
        if (fresh == NULL) {
            continue;                   /* ".", "..", folders */
        }
        z = sv_tz_cached(name, now + 100 + n++, err, sizeof(err));
        all = all && z != NULL && sv_tz_offset(z, now) == sv_tz_offset(fresh,
                                                                       now);
        sv_tz_free(fresh);
    }
    if (dir != NULL) {
        closedir(dir);
    }
    tap_is_int(n, 40, "40 zones to cache");
    tap_ok(all, "more zones than slots: each answer is its zone (%s)", err);
    z = sv_tz_cached("Europe/Berlin", now + 200, err, sizeof(err));
    tap_ok(z != NULL && sv_tz_offset(z, now) == 7200,
           "  and the first one, pushed out, loads again");
    again = sv_tz_cached("Europe/Berlin", now + 200 + SV_TZ_CACHE_TTL_S, err,
                         sizeof(err));
    tap_ok(again != NULL && sv_tz_offset(again, now) == 7200,
           "a zone older than the TTL is read again");
    sv_tz_cache_clear();
    z = sv_tz_cached("Europe/Berlin", now, err, sizeof(err));
    tap_ok(z != NULL && sv_tz_offset(z, now) == 7200,
           "the cache cleared, a zone loads again");
    sv_tz_cache_clear();
}

int
main(void)
{
    zones();
    against_glibc();
    resolve();
    civil();
    iso8601();
    cache();
    return tap_done();
}
