/*
 * Loaded time zones kept per process, so that computing run times does not
 * read a TZif file each time: the nginx module answers the schedules API
 * from its event loop, where a file read blocks every request of the
 * worker process, and the worker fires schedules every few seconds.
 *
 * Bounded: at most SV_TZ_CACHE_ZONES zones (about 10 KB each); when full,
 * the zone used longest ago goes. A zone is read again after
 * SV_TZ_CACHE_TTL_S, so a tzdata update reaches a long-running process.
 * Unknown names are not kept (hostile names would push out good ones; a
 * failed open() costs little). Not thread-safe: one thread of a process
 * uses it (nginx's event loop, the worker's job loop).
 */

#ifndef SV_TZ_CACHE_H
#define SV_TZ_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "sv_tz.h"

#define SV_TZ_CACHE_ZONES   32
#define SV_TZ_CACHE_TTL_S   3600

/* The zone named name (sv_tz_load's rules and errors) at time now (seconds
 * since the epoch, for its age); valid until the next call. */
const struct sv_tz *sv_tz_cached(const char *name, int64_t now, char *err,
                                 size_t errlen);

/* Frees every cached zone: a shared object that is unloaded (the nginx
 * module at exit) would leave them unreachable. */
void sv_tz_cache_clear(void);

#endif /* SV_TZ_CACHE_H */
