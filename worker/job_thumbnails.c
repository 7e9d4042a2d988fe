/*
 * The thumbnails job (see job_thumbnails.h).
 */

#include "job_thumbnails.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/frame.h>
#include <libswscale/swscale.h>

#include "log.h"
#include "media_check.h"
#include "media_frames.h"
#include "media_path.h"
#include "media_picture.h"
#include "media_save.h"
#include "payload_check.h"
#include "thumbnail_plan.h"
#include "thumbnail_vtt.h"

struct thumbnails_payload {
    const char *video, *poster, *sprite, *vtt;
    long long   interval_s, width, columns;
};

#define FIELD(name, req, read, member, arg)                                   \
    { name, req, read, offsetof(struct thumbnails_payload, member), arg }

/* The four paths first: paths_ok names them by their index. */
static const struct sv_payload_field fields[] = {
    FIELD("video", true, sv_payload_path, video, ".mp4"),
    FIELD("poster", true, sv_payload_path, poster, ".jpg"),
    FIELD("sprite", true, sv_payload_path, sprite, ".jpg"),
    FIELD("vtt", true, sv_payload_path, vtt, ".vtt"),
    FIELD("interval_s", false, sv_payload_integer, interval_s,
          sv_payload_range(1, 600)),
    FIELD("width", false, sv_payload_integer, width,
          sv_payload_range(80, 1920)),
    FIELD("columns", false, sv_payload_integer, columns,
          sv_payload_range(1, 20)),
};

/* Four different files. */
static bool
paths_ok(const struct thumbnails_payload *p, char *err, size_t errlen)
{
    const char *paths[] = { p->video, p->poster, p->sprite, p->vtt };

    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(paths[i], paths[j]) == 0) {
                snprintf(err, errlen, "payload.%s is also payload.%s",
                         fields[i].name, fields[j].name);
                return false;
            }
        }
    }
    return true;
}

static bool
parse_payload(yajl_val payload, struct thumbnails_payload *p, char *err,
              size_t errlen)
{
    *p = (struct thumbnails_payload) {
        .interval_s = SV_THUMB_INTERVAL_DEFAULT_S,
        .width = SV_THUMB_WIDTH_DEFAULT, .columns = SV_THUMB_COLUMNS_DEFAULT,
    };
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen)
           && paths_ok(p, err, errlen);
}

bool
sv_job_thumbnails_validate(yajl_val payload, char *err, size_t errlen)
{
    struct thumbnails_payload p;

    return parse_payload(payload, &p, err, errlen);
}

/* What a run works with. */
struct thumbnails {
    const struct thumbnails_payload *p;
    const struct sv_job_run         *run;
    struct sv_frames                *frames;
    struct sv_thumb_plan             plan;
    struct SwsContext               *sws;
};

static bool
alive(void *ctx)
{
    const struct sv_job_run *run = ctx;

    return run->keep_alive(run->ctx);
}

static void
progress(const struct sv_job_run *run, unsigned percent)
{
    if (run->progress != NULL) {
        run->progress(run->ctx, percent);
    }
}

/* One frame scaled into canvas at x, y. */
static bool
paste_frame_at(struct thumbnails *t, double at_s, AVFrame *canvas, int x,
               int y, int w, int h, char *err, size_t errlen)
{
    const AVFrame *frame = sv_frames_at(t->frames, at_s, alive,
                                        (void *) t->run, err, errlen);

    return frame != NULL
           && sv_picture_paste(canvas, x, y, w, h, frame, &t->sws, err,
                               errlen);
}

static bool
make_poster(struct thumbnails *t, char *err, size_t errlen)
{
    AVFrame *poster = sv_picture_canvas(t->plan.poster_w, t->plan.poster_h);
    bool     ok;

    if (poster == NULL) {
        snprintf(err, errlen, "out of memory for the poster");
        return false;
    }
    ok = paste_frame_at(t, t->plan.poster_at_s, poster, 0, 0,
                        t->plan.poster_w, t->plan.poster_h, err, errlen)
         && sv_picture_save_jpeg(poster, t->p->poster, err, errlen);
    av_frame_free(&poster);
    return ok;
}

/* The tiles in time order, so that each seek goes forward. */
static bool
fill_sheet(struct thumbnails *t, AVFrame *sheet, char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->plan.tiles; i++) {
        int x, y;

        sv_thumb_tile_xy(&t->plan, i, &x, &y);
        if (!paste_frame_at(t, sv_thumb_tile_start(&t->plan, i), sheet, x, y,
                            t->plan.tile_w, t->plan.tile_h, err, errlen)) {
            return false;
        }
        if (!t->run->keep_alive(t->run->ctx)) {
            snprintf(err, errlen, "stopped");
            return false;
        }
        progress(t->run, 10 + 85 * (i + 1) / t->plan.tiles);
    }
    return true;
}

static bool
make_sprite(struct thumbnails *t, char *err, size_t errlen)
{
    AVFrame *sheet = sv_picture_canvas(t->plan.sheet_w, t->plan.sheet_h);
    bool     ok;

    if (sheet == NULL) {
        snprintf(err, errlen, "out of memory for the sprite");
        return false;
    }
    ok = fill_sheet(t, sheet, err, errlen)
         && sv_picture_save_jpeg(sheet, t->p->sprite, err, errlen);
    av_frame_free(&sheet);
    return ok;
}

static bool
make_vtt(const struct thumbnails *t, char *err, size_t errlen)
{
    size_t len;
    char  *text = sv_thumb_vtt(&t->plan, t->p->sprite, t->p->vtt, &len);
    bool   ok;

    if (text == NULL) {
        snprintf(err, errlen, "out of memory for the track");
        return false;
    }
    ok = sv_media_save(t->p->vtt, text, len, err, errlen);
    free(text);
    return ok;
}

static bool
plan(struct thumbnails *t, double duration_s, char *err, size_t errlen)
{
    int w, h;

    sv_frames_display_size(t->frames, &w, &h);
    return sv_thumb_plan_make(duration_s, w, h,
                              (unsigned) t->p->interval_s, (int) t->p->width,
                              (unsigned) t->p->columns, &t->plan, err,
                              errlen);
}

int
sv_job_thumbnails_run(yajl_val payload, const struct sv_job_run *run,
                      char *err, size_t errlen)
{
    struct thumbnails_payload p;
    struct thumbnails         t = { .p = &p, .run = run };
    char                      video[PATH_MAX], why[256];
    double                    duration_s = 0;
    struct sv_media_info      info;
    bool                      ok;

    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)
        || !sv_media_resolve_input(p.video, video, err, errlen)) {
        return -1;
    }
    if (sv_media_info(video, &info, why, sizeof(why)) && info.video == 0) {
        /* Audio only (a radio stream): there is no picture to make. */
        sv_log(SV_LOG_INFO, "no video stream: no thumbnails",
               SV_STR("video", p.video));
        return 0;
    }
    if (!sv_frames_open(video, &t.frames, &duration_s, why, sizeof(why))) {
        snprintf(err, errlen, "the video: %s", why);
        return -1;
    }
    ok = plan(&t, duration_s, err, errlen)
         && make_poster(&t, err, errlen);
    progress(run, 10);
    ok = ok && make_sprite(&t, err, errlen) && make_vtt(&t, err, errlen);
    sws_freeContext(t.sws);
    sv_frames_close(t.frames);
    return ok ? 0 : -1;
}
