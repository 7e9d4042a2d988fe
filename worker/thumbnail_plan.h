/*
 * The layout of a recording's thumbnails (pure arithmetic, no libav): the
 * poster's size and time, and the scrub sprite's tiles, one every
 * interval_s, laid out columns x rows in one sheet.
 *
 * Memory bound: the sheet is held whole (YUV 4:2:0, 1.5 bytes a pixel)
 * until it is encoded, so it is limited to SV_THUMB_SHEET_PIXELS_MAX pixels
 * (24 MB), SV_THUMB_TILES_MAX tiles and a JPEG's 65500 rows. A longer video
 * gets a longer interval (whole seconds) so that its tiles fit, rather than
 * several sheets: one sprite file and one track per video, as players
 * expect. At 320x180 in 10 columns that is 270 tiles: one every 10 s up
 * to 45 minutes, then one every 20 s up to 90 minutes, ...
 */

#ifndef SV_THUMBNAIL_PLAN_H
#define SV_THUMBNAIL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#define SV_THUMB_POSTER_WIDTH_MAX   1920
#define SV_THUMB_SHEET_PIXELS_MAX   (16L * 1000 * 1000)
#define SV_THUMB_TILES_MAX          1000
#define SV_THUMB_JPEG_SIDE_MAX      65500

struct sv_thumb_plan {
    double   duration_s;
    double   poster_at_s;       /* 10 % into the video */
    int      poster_w, poster_h;
    unsigned interval_s;        /* as asked, or longer so the tiles fit */
    unsigned tiles, columns, rows;
    int      tile_w, tile_h;
    int      sheet_w, sheet_h;
};

/* The plan for a video of duration_s whose pictures display as
 * video_w x video_h, with the payload's interval_s, tile width and
 * columns. False with the reason when no plan fits (a degenerate size). */
bool sv_thumb_plan_make(double duration_s, int video_w, int video_h,
                        unsigned interval_s, int width, unsigned columns,
                        struct sv_thumb_plan *plan, char *err,
                        size_t errlen);

/* Where tile i starts, in seconds, and its place in the sheet. */
double sv_thumb_tile_start(const struct sv_thumb_plan *plan, unsigned i);
void sv_thumb_tile_xy(const struct sv_thumb_plan *plan, unsigned i, int *x,
                      int *y);

#endif /* SV_THUMBNAIL_PLAN_H */
