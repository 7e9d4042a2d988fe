/*
 * Loaded time zones kept per process (see sv_tz_cache.h).
 */

#include "sv_tz_cache.h"

#include <string.h>

static struct entry {
    char          name[SV_TZ_NAME_MAX + 1];
    struct sv_tz *tz;                   /* NULL: a free slot */
    int64_t       loaded, used;
} cache[SV_TZ_CACHE_ZONES];

/* The slot for a new zone: a free one, else the one used longest ago. */
static struct entry *
victim(void)
{
    struct entry *v = &cache[0];

    for (size_t i = 0; i < SV_TZ_CACHE_ZONES; i++) {
        if (cache[i].tz == NULL) {
            return &cache[i];
        }
        if (cache[i].used < v->used) {
            v = &cache[i];
        }
    }
    return v;
}

const struct sv_tz *
sv_tz_cached(const char *name, int64_t now, char *err, size_t errlen)
{
    struct entry *e = NULL;
    struct sv_tz *tz;

    for (size_t i = 0; i < SV_TZ_CACHE_ZONES && e == NULL; i++) {
        if (cache[i].tz != NULL && strcmp(cache[i].name, name) == 0) {
            e = &cache[i];
        }
    }
    if (e != NULL && now - e->loaded >= 0
        && now - e->loaded < SV_TZ_CACHE_TTL_S) {
        e->used = now;
        return e->tz;
    }
    tz = sv_tz_load(name, err, errlen);
    if (tz == NULL) {
        return NULL;
    }
    if (e == NULL) {
        e = victim();
    }
    sv_tz_free(e->tz);
    /* sv_tz_load accepted the name: it fits */
    strcpy(e->name, name);
    e->tz = tz;
    e->loaded = e->used = now;
    return tz;
}

void
sv_tz_cache_clear(void)
{
    for (size_t i = 0; i < SV_TZ_CACHE_ZONES; i++) {
        sv_tz_free(cache[i].tz);
        cache[i].tz = NULL;
    }
}
