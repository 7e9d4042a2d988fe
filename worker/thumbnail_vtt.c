/*
 * The WebVTT thumbnail track (see thumbnail_vtt.h).
 */

#include "thumbnail_vtt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of one cue besides the sprite's name: two times, the arrow, the
 * rectangle, the newlines. */
#define CUE_OVERHEAD  128

bool
sv_thumb_vtt_sprite_name(const char *sprite_rel, const char *vtt_rel,
                         char *out, size_t cap)
{
    size_t common = 0, used = 0;

    /* The folders both paths share, up to and including a '/'. */
    for (size_t i = 0; sprite_rel[i] != '\0' && sprite_rel[i] == vtt_rel[i];
         i++) {
        if (sprite_rel[i] == '/') {
            common = i + 1;
        }
    }
    out[0] = '\0';
    /* One "../" per folder of the track's below the shared ones. */
    for (const char *s = vtt_rel + common; (s = strchr(s, '/')) != NULL;
         s++) {
        if (used + 3 >= cap) {
            return false;
        }
        memcpy(out + used, "../", 4);
        used += 3;
    }
    return (size_t) snprintf(out + used, cap - used, "%s",
                             sprite_rel + common) < cap - used;
}

/* HH:MM:SS.mmm of ms milliseconds. */
static void
vtt_time(long long ms, char out[32])
{
    snprintf(out, 32, "%02lld:%02lld:%02lld.%03lld", ms / 3600000,
             ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
}

char *
sv_thumb_vtt(const struct sv_thumb_plan *plan, const char *sprite_rel,
             const char *vtt_rel, size_t *len)
{
    size_t    name_cap = strlen(sprite_rel) + 3 * strlen(vtt_rel) + 1;
    char     *name = malloc(name_cap);
    size_t    cap = 16 + (size_t) plan->tiles * (name_cap + CUE_OVERHEAD);
    char     *text = malloc(cap);
    long long end_ms = (long long) (plan->duration_s * 1000 + 0.5);

    if (name == NULL || text == NULL
        || !sv_thumb_vtt_sprite_name(sprite_rel, vtt_rel, name, name_cap)) {
        free(name);
        free(text);
        return NULL;
    }
    *len = (size_t) snprintf(text, cap, "WEBVTT\n");
    for (unsigned i = 0; i < plan->tiles; i++) {
        long long from = 1000LL * plan->interval_s * i;
        long long to = from + 1000LL * plan->interval_s;
        char      t0[32], t1[32];
        int       x, y;

        vtt_time(from, t0);
        vtt_time(to < end_ms && i + 1 < plan->tiles ? to : end_ms, t1);
        sv_thumb_tile_xy(plan, i, &x, &y);
        *len += (size_t) snprintf(text + *len, cap - *len,
                                  "\n%s --> %s\n%s#xywh=%d,%d,%d,%d\n", t0,
                                  t1, name, x, y, plan->tile_w,
                                  plan->tile_h);
    }
    free(name);
    return text;
}
