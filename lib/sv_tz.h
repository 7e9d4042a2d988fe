/*
 * IANA time zones read from their TZif files (RFC 8536) under
 * SV_TZ_ZONEINFO, with the POSIX TZ rule in the file's footer for instants
 * past its transition table. Pure except for reading the file in
 * sv_tz_load.
 *
 * Why not setenv("TZ") + tzset() + localtime_r: TZ is process-global. The
 * nginx module may compute run times from any of its threads, and one
 * process (worker or nginx) schedules many recordings, each in its own
 * zone; switching TZ would race between them and change the zone of the
 * process's own log times. So each zone is read into a private table and
 * nothing global (TZ, tzset) is touched; any thread may use a loaded zone.
 * "UTC" works without the files (containers without tzdata).
 *
 * Daylight saving time facts that sv_tz_resolve handles:
 *   - a spring-forward change skips local times (02:00->03:00: 02:30 does
 *     not exist that day);
 *   - a fall-back change repeats local times (03:00->02:00: 02:30 happens
 *     twice, first in summer time, then in standard time);
 *   - changes happen at a local time of the offset they end, not always at
 *     02:00 and not always by an hour (30-minute DST, negative DST, changes
 *     at 24:00 or later, a skipped day all exist in tzdata).
 *
 * Instants are seconds since the epoch; offsets are seconds east of UTC.
 */

#ifndef SV_TZ_H
#define SV_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_TZ_NAME_MAX   64             /* bytes of a zone name */
#define SV_TZ_ZONEINFO   "/usr/share/zoneinfo"

struct sv_tz;                           /* a loaded zone; opaque */

/* The zone named name (e.g. "Europe/Berlin"), malloc'd; NULL with the
 * reason when the name is malformed (empty, too long, a leading '/', "..",
 * characters outside A-Z a-z 0-9 / _ + -), names no TZif file under
 * SV_TZ_ZONEINFO, or the file is not one we read (leap-second "right/"
 * zones, a broken or oversized file). err may be NULL when errlen is 0. */
struct sv_tz *sv_tz_load(const char *name, char *err, size_t errlen);

void sv_tz_free(struct sv_tz *tz);

/* Whether name is a time zone sv_tz_load accepts (the schedules API's
 * validation); false with the reason. */
bool sv_tz_check(const char *name, char *err, size_t errlen);

/* The UTC offset in seconds in effect at instant t (east positive). */
int32_t sv_tz_offset(const struct sv_tz *tz, int64_t t);

/* The instant a local wall time w (seconds since the local epoch, i.e. the
 * instant it would be in UTC) happens at: its only occurrence; of a
 * repeated time, the first (in the larger offset: summer time); of a
 * skipped time, the first instant after the gap (02:30 on a 02:00->03:00
 * day is 03:00 summer time, as are all other times in that gap). Assumes
 * at most one change within a day of w. */
int64_t sv_tz_resolve(const struct sv_tz *tz, int64_t w);

#endif /* SV_TZ_H */
