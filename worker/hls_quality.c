/*
 * Choosing a variant (see hls_quality.h).
 */

#include "hls_quality.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define SOURCE_SUFFIX  " (source)"

/* A name without its " (source)" suffix: the length that counts. */
static size_t
base_len(const char *s, size_t len)
{
    size_t n = strlen(SOURCE_SUFFIX);

    if (len >= n && strncasecmp(s + len - n, SOURCE_SUFFIX, n) == 0) {
        return len - n;
    }
    return len;
}

static bool
digits(const char *s, size_t len)
{
    return len > 0 && strspn(s, "0123456789") >= len;
}

/* The name matches item exactly, or (frame_rate) item is "<H>p" and the
 * name "<H>p<F>". */
static bool
matches(const char *name, const char *item, size_t len, bool frame_rate)
{
    size_t n = base_len(name, strlen(name));

    if (!frame_rate) {
        return n == len && strncasecmp(name, item, len) == 0;
    }
    return len >= 2 && (item[len - 1] == 'p' || item[len - 1] == 'P')
           && digits(item, len - 1) && n > len
           && strncasecmp(name, item, len) == 0
           && digits(name + len, n - len);
}

static bool
picture(const struct sv_hls_variant *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].height > 0) {
            return true;
        }
    }
    return false;
}

/* The highest (or lowest) bandwidth among the variants considered. */
static long
by_bandwidth(const struct sv_hls_variant *v, size_t n, bool highest)
{
    bool only_pictures = picture(v, n);
    long pick = -1;

    for (size_t i = 0; i < n; i++) {
        if (only_pictures && v[i].height <= 0) {
            continue;
        }
        if (pick < 0 || (highest ? v[i].bandwidth > v[pick].bandwidth
                                 : v[i].bandwidth < v[pick].bandwidth)) {
            pick = (long) i;
        }
    }
    return pick;
}

static long
pick_one(const struct sv_hls_variant *v, size_t n, const char *item,
         size_t len)
{
    long pick = -1;

    len = base_len(item, len);
    if ((len == 4 && strncasecmp(item, "best", 4) == 0)
        || (len == 6 && strncasecmp(item, "source", 6) == 0)) {
        for (size_t i = 0; i < n; i++) {
            if (v[i].source) {
                return (long) i;
            }
        }
        return by_bandwidth(v, n, true);
    }
    if (len == 5 && strncasecmp(item, "worst", 5) == 0) {
        return by_bandwidth(v, n, false);
    }
    for (size_t i = 0; i < n; i++) {
        if (matches(v[i].name, item, len, false)) {
            return (long) i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (matches(v[i].name, item, len, true)
            && (pick < 0 || v[i].bandwidth > v[pick].bandwidth)) {
            pick = (long) i;
        }
    }
    return pick;
}

long
sv_hls_quality_pick(const struct sv_hls_variant *variants, size_t n,
                    const char *wanted)
{
    size_t len = strnlen(wanted, SV_HLS_QUALITY_MAX + 1);

    if (len > SV_HLS_QUALITY_MAX) {
        return -1;
    }
    for (size_t at = 0; at <= len;) {
        size_t next = at + strcspn(wanted + at, ",") + 1;
        size_t end = next - 1;
        long   pick;

        while (at < end && wanted[at] == ' ') {
            at++;
        }
        while (end > at && wanted[end - 1] == ' ') {
            end--;
        }
        if (end > at && (pick = pick_one(variants, n, wanted + at,
                                         end - at)) >= 0) {
            return pick;
        }
        at = next;
    }
    return -1;
}
