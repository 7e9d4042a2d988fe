/*
 * The layout of a recording's thumbnails (see thumbnail_plan.h).
 */

#include "thumbnail_plan.h"

#include <stdio.h>

/* h scaled like w -> to_w, rounded to an even number (4:2:0), at least 2. */
static int
even_height(int w, int h, int to_w)
{
    long long scaled = ((long long) h * to_w + w) / (2LL * w) * 2;

    return scaled < 2 ? 2 : (int) scaled;
}

/* Whole milliseconds keep the rounding exact (and libm out). */
static long long
ms_of(double s)
{
    return (long long) (s * 1000 + 0.5);
}

/* n / d rounded up, at least 1. */
static long long
div_up(long long n, long long d)
{
    long long q = (n + d - 1) / d;

    return q < 1 ? 1 : q;
}

static unsigned
tiles_for(double duration_s, unsigned interval_s)
{
    return (unsigned) div_up(ms_of(duration_s), 1000LL * interval_s);
}

static unsigned
tiles_max(int tile_w, int tile_h, unsigned columns)
{
    long long fit = SV_THUMB_SHEET_PIXELS_MAX / ((long long) tile_w * tile_h);
    /* Whole rows: the last one is padded to the sheet's width. */
    long long by_pixels = fit >= columns ? fit / columns * columns : fit;
    long long by_rows = (long long) columns
                        * (SV_THUMB_JPEG_SIDE_MAX / tile_h);
    long long n = SV_THUMB_TILES_MAX;

    n = by_pixels < n ? by_pixels : n;
    n = by_rows < n ? by_rows : n;
    return n < 1 ? 1 : (unsigned) n;
}

bool
sv_thumb_plan_make(double duration_s, int video_w, int video_h,
                   unsigned interval_s, int width, unsigned columns,
                   struct sv_thumb_plan *p, char *err, size_t errlen)
{
    unsigned most;

    if (video_w < 2 || video_h < 2 || !(duration_s > 0)
        || interval_s == 0 || width < 2 || columns == 0) {
        snprintf(err, errlen, "cannot lay out thumbnails of a %dx%d video "
                 "of %.3f s", video_w, video_h, duration_s);
        return false;
    }
    *p = (struct sv_thumb_plan) {
        .duration_s = duration_s, .poster_at_s = duration_s / 10,
        .poster_w = video_w < SV_THUMB_POSTER_WIDTH_MAX
                    ? video_w / 2 * 2 : SV_THUMB_POSTER_WIDTH_MAX,
        .interval_s = interval_s, .tile_w = width / 2 * 2,
    };
    p->poster_h = even_height(video_w, video_h, p->poster_w);
    p->tile_h = even_height(video_w, video_h, p->tile_w);
    if (p->tile_h > SV_THUMB_JPEG_SIDE_MAX) {
        snprintf(err, errlen, "a %dx%d video makes tiles too high",
                 video_w, video_h);
        return false;
    }
    most = tiles_max(p->tile_w, p->tile_h, columns);
    p->tiles = tiles_for(duration_s, interval_s);
    if (p->tiles > most) {
        p->interval_s = (unsigned) div_up(ms_of(duration_s), 1000LL * most);
        p->tiles = tiles_for(duration_s, p->interval_s);
    }
    p->columns = p->tiles < columns ? p->tiles : columns;
    p->rows = (p->tiles + p->columns - 1) / p->columns;
    p->sheet_w = (int) p->columns * p->tile_w;
    p->sheet_h = (int) p->rows * p->tile_h;
    return true;
}

double
sv_thumb_tile_start(const struct sv_thumb_plan *p, unsigned i)
{
    return (double) i * p->interval_s;
}

void
sv_thumb_tile_xy(const struct sv_thumb_plan *p, unsigned i, int *x, int *y)
{
    *x = (int) (i % p->columns) * p->tile_w;
    *y = (int) (i / p->columns) * p->tile_h;
}
