/*
 * The thumbnails' layout and WebVTT track (worker/thumbnail_plan.c,
 * worker/thumbnail_vtt.c).
 */

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "thumbnail_plan.h"
#include "thumbnail_vtt.h"

static void
layout(void)
{
    struct sv_thumb_plan p;
    char                 err[128] = "";

    tap_ok(sv_thumb_plan_make(30, 640, 360, 5, 320, 4, &p, err,
                              sizeof(err)), "a 30 s video is planned (%s)",
           err);
    tap_is_int(p.tiles, 6, "a tile every 5 s: 6 tiles");
    tap_is_int(p.columns * 10 + p.rows, 42, "4 columns, 2 rows");
    tap_is_int(p.sheet_w * 10000L + p.sheet_h, 12800360, "1280x360");
    tap_is_int(p.poster_w * 10000L + p.poster_h, 6400360, "poster 640x360");

    tap_ok(sv_thumb_plan_make(30, 3840, 2160, 10, 320, 10, &p, err,
                              sizeof(err)), "a 4K video is planned");
    tap_is_int(p.poster_w * 10000L + p.poster_h, 19201080,
               "its poster is capped at 1920 wide, aspect kept");
    tap_is_int(p.columns, 3, "fewer tiles than columns: as many columns");

    /* 3 hours at 10 s would be 1080 tiles of 320x180: 27 rows of 10 fit. */
    tap_ok(sv_thumb_plan_make(10800, 1280, 720, 10, 320, 10, &p, err,
                               sizeof(err)), "a 3 hour video is planned");
    tap_is_int(p.interval_s, 40, "its interval grows to fit the sheet");
    tap_ok((long) p.sheet_w * p.sheet_h <= SV_THUMB_SHEET_PIXELS_MAX
           && p.tiles == 270, "the sheet stays within its bound (%u tiles)",
           p.tiles);

    tap_ok(!sv_thumb_plan_make(0, 640, 360, 10, 320, 10, &p, err,
                               sizeof(err)), "no duration: refused (%s)",
           err);
}

static void
name_is(const char *sprite, const char *vtt, const char *expected)
{
    char out[64] = "";

    tap_ok(sv_thumb_vtt_sprite_name(sprite, vtt, out, sizeof(out))
           && strcmp(out, expected) == 0, "%s from %s is %s (%s)", sprite,
           vtt, expected, out);
}

static void
track(void)
{
    struct sv_thumb_plan p;
    char                 err[128];
    size_t               len = 0;
    char                *text;

    name_is("lib/a.jpg", "lib/a.vtt", "a.jpg");
    name_is("lib/t/a.jpg", "lib/a.vtt", "t/a.jpg");
    name_is("lib/a.jpg", "lib/v/w/a.vtt", "../../a.jpg");
    name_is("x/a.jpg", "y/a.vtt", "../x/a.jpg");
    name_is("lib/ab.jpg", "lib/a.vtt", "ab.jpg");

    sv_thumb_plan_make(25.5, 640, 360, 10, 320, 2, &p, err, sizeof(err));
    text = sv_thumb_vtt(&p, "lib/s.jpg", "lib/s.vtt", &len);
    tap_is_str(text, "WEBVTT\n"
               "\n00:00:00.000 --> 00:00:10.000\ns.jpg#xywh=0,0,320,180\n"
               "\n00:00:10.000 --> 00:00:20.000\ns.jpg#xywh=320,0,320,180\n"
               "\n00:00:20.000 --> 00:00:25.500\ns.jpg#xywh=0,180,320,180\n",
               "the track: contiguous cues, the last to the end");
    tap_ok(text != NULL && len == strlen(text), "its length is right");
    free(text);
}

int
main(void)
{
    layout();
    track();
    return tap_done();
}
