/*
 * Time: a monotonic clock for scheduling, UTC ISO-8601 text for humans.
 */

#ifndef SV_CLOCK_H
#define SV_CLOCK_H

#include <stdint.h>
#include <time.h>

/* "2026-11-21T10:29:00.123Z" plus NUL, with room for years past 9999. */
#define SV_ISO8601_SIZE  40

/* Milliseconds on CLOCK_MONOTONIC: immune to wall-clock jumps. */
int64_t sv_monotonic_ms(void);

struct timespec sv_realtime_now(void);

/* UTC with milliseconds and a trailing Z. */
void sv_format_iso8601(const struct timespec *ts, char out[SV_ISO8601_SIZE]);

#endif /* SV_CLOCK_H */
