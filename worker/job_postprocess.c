/*
 * The postprocess job (see job_postprocess.h).
 */

#include "job_postprocess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "job_inputs.h"
#include "job_submit.h"
#include "json_gen.h"
#include "json_tree.h"
#include "log.h"
#include "media_segments.h"
#include "pg.h"
#include "sv_template.h"

/* What library.plan() says of the recording; strings point into tree. */
struct plan {
    yajl_val     tree, events, streamer;
    const char  *title, *date, *time, *raw_dir, *import_path, *file_path;
    const char  *template, *category, *login, *show_title;
    long long    id, season, episode;
    double       duration_s;
    bool         import_keep;
};

/* Where every file of the item goes, relative to the media root. */
struct paths {
    char  video[SV_PATH_REL_MAX + 1], show[SV_PATH_REL_MAX + 1];
    char  thumb[SV_PATH_REL_MAX + 1], sprite[SV_PATH_REL_MAX + 1];
    char  sprite_vtt[SV_PATH_REL_MAX + 1], chapters_vtt[SV_PATH_REL_MAX + 1];
    char  chapters_xml[SV_PATH_REL_MAX + 1], nfo[SV_PATH_REL_MAX + 1];
    char  chat[SV_PATH_REL_MAX + 1];
    char  index[SV_PATH_REL_MAX + 1];
};

bool
sv_job_postprocess_validate(yajl_val payload, char *err, size_t errlen)
{
    if (payload->u.object.len != 0) {
        snprintf(err, errlen, "payload: unknown field \"%.64s\" (the "
                 "recording is the job's recording_id)",
                 payload->u.object.keys[0]);
        return false;
    }
    return true;
}

/* Reads the recording's plan; the row is set to 'processing'. */
static bool
read_plan(PGconn *pg, long long id, struct plan *p, char *err, size_t errlen)
{
    char        id_text[24], perr[256];
    const char *params[] = { id_text };
    PGresult   *res;

    memset(p, 0, sizeof(*p));
    snprintf(id_text, sizeof(id_text), "%lld", id);
    res = sv_pg_query(pg, "SELECT library.plan($1::bigint)::text", 1, params,
                      err, errlen);
    if (res == NULL) {
        return false;
    }
    p->tree = yajl_tree_parse(PQgetvalue(res, 0, 0), perr, sizeof(perr));
    PQclear(res);
    if (p->tree == NULL || !YAJL_IS_OBJECT(p->tree)) {
        snprintf(err, errlen, "library.plan gave no object");
        return false;
    }
    p->id = id;
    p->title = sv_tree_string(p->tree, "title");
    p->date = sv_tree_string(p->tree, "date");
    p->time = sv_tree_string(p->tree, "time");
    p->raw_dir = sv_tree_string(p->tree, "raw_dir");
    p->import_path = sv_tree_string(p->tree, "import_path");
    p->file_path = sv_tree_string(p->tree, "file_path");
    p->template = sv_tree_string(p->tree, "template");
    p->category = sv_tree_string(p->tree, "category");
    p->season = sv_tree_integer(p->tree, "season", 0);
    p->episode = sv_tree_integer(p->tree, "episode", 0);
    p->duration_s = sv_tree_double(p->tree, "duration_s", 0);
    p->import_keep = sv_tree_member(p->tree, "import_keep", yajl_t_true)
                     != NULL;
    p->events = sv_tree_member(p->tree, "events", yajl_t_array);
    p->streamer = sv_tree_member(p->tree, "streamer", yajl_t_object);
    p->login = sv_tree_string(p->streamer, "login");
    p->show_title = sv_tree_string(p->streamer, "display_name");
    if (p->show_title == NULL) {
        p->show_title = p->login != NULL ? p->login : "Recordings";
    }
    if (p->title == NULL || p->date == NULL || p->time == NULL
        || p->season <= 0 || p->episode <= 0) {
        snprintf(err, errlen, "library.plan left out a required field");
        return false;
    }
    return true;
}

/* prefix + suffix into out; false when it would not fit a relative path. */
static bool
derive(char out[SV_PATH_REL_MAX + 1], const char *prefix, const char *suffix,
       char *err, size_t errlen)
{
    int n = snprintf(out, SV_PATH_REL_MAX + 1, "%s%s", prefix, suffix);

    if (n < 0 || n > SV_PATH_REL_MAX) {
        snprintf(err, errlen, "the library path of %s%s is too long", prefix,
                 suffix);
        return false;
    }
    return true;
}

/* The video's path from the template; the sidecars' from the video's.
 * A re-run without raw media keeps the video where it is. */
static bool
plan_paths(const struct plan *p, bool keep_video, struct paths *o, char *err,
           size_t errlen)
{
    char        rendered[SV_PATH_REL_MAX + 1], folder[SV_PATH_REL_MAX + 1];
    char        stem[SV_PATH_REL_MAX + 1], id[24], *slash;
    const char *name;
    struct sv_template_values v = {
        .streamer = p->show_title, .title = p->title, .id = id,
        .episode = (unsigned) p->episode,
    };

    snprintf(id, sizeof(id), "%lld", p->id);
    if (!sv_template_when(&v, p->date, p->time)) {
        snprintf(err, errlen, "library.plan gave a bad date or time");
        return false;
    }

    if (keep_video) {
        snprintf(rendered, sizeof(rendered), "%s", p->file_path);
    } else if (!sv_template_video_path(p->template, &v, rendered, err,
                                       errlen)) {
        return false;
    }
    /* folder/stem.mp4, the folder at least "library" */
    snprintf(folder, sizeof(folder), "%s", rendered);
    slash = strrchr(folder, '/');
    if (!sv_path_has_suffix(rendered, SV_TEMPLATE_VIDEO_EXT)
        || slash == NULL) {
        snprintf(err, errlen, "the video %s is not an .mp4 in a folder",
                 rendered);
        return false;
    }
    name = slash + 1;
    snprintf(stem, sizeof(stem), "%.*s",
             (int) (strlen(name) - strlen(SV_TEMPLATE_VIDEO_EXT)), name);
    sv_template_cut_stem(stem, SV_TEMPLATE_STEM_MAX);
    *slash = '\0';

    /* The show's folder holds tvshow.nfo: above "Season YYYYMM". */
    snprintf(o->show, sizeof(o->show), "%s", folder);
    slash = strrchr(o->show, '/');
    if (slash != NULL && strncmp(slash + 1, "Season ", 7) == 0) {
        *slash = '\0';
    }

    char base[SV_PATH_REL_MAX * 2 + 2], hidden[SV_PATH_REL_MAX * 2 + 32];

    snprintf(base, sizeof(base), "%s/%s", folder, stem);
    /* What only the web player uses stays out of the media servers' sight:
     * they would take a .vtt next to the video for subtitles. */
    snprintf(hidden, sizeof(hidden), "%s/.streamvault/%s", folder, stem);
    return derive(o->video, rendered, "", err, errlen)
           && derive(o->index, o->video, ".index.json", err, errlen)
           && derive(o->thumb, base, "-thumb.jpg", err, errlen)
           && derive(o->nfo, base, ".nfo", err, errlen)
           && derive(o->chapters_xml, base, ".chapters.xml", err, errlen)
           && derive(o->sprite, hidden, ".sprite.jpg", err, errlen)
           && derive(o->sprite_vtt, hidden, ".thumbnails.vtt", err, errlen)
           && derive(o->chapters_vtt, hidden, ".chapters.vtt", err, errlen)
           && derive(o->chat, hidden, ".chat.jsonl", err, errlen);
}

/* The payloads are written with yajl's generator; the checks of each job
 * type (run again by sv_job_submit) judge the result. */

/* The stream events, as remux's "chapters" and chapters' "events". */
static void
put_events(yajl_gen g, const char *key, yajl_val events)
{
    sv_gen_key(g, key);
    yajl_gen_array_open(g);
    for (size_t i = 0; events != NULL && i < events->u.array.len; i++) {
        yajl_val e = events->u.array.values[i];

        yajl_gen_map_open(g);
        sv_gen_key(g, "at_s");
        yajl_gen_double(g, sv_tree_double(e, "at_s", 0));
        sv_gen_str(g, "title", sv_tree_string(e, "title"));
        sv_gen_str(g, "category", sv_tree_string(e, "category"));
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
}

/* Where the raw media is: a segment folder or an imported file. */
static void
put_input(yajl_gen g, const struct plan *p)
{
    if (p->raw_dir != NULL) {
        sv_gen_str(g, "input_dir", p->raw_dir);
    } else {
        sv_gen_key(g, "input");
        yajl_gen_array_open(g);
        yajl_gen_string(g, (const unsigned char *) p->import_path,
                        strlen(p->import_path));
        yajl_gen_array_close(g);
    }
}

/* One step to submit, its payload being written in g. */
struct step {
    struct sv_job_submit  job;
    yajl_gen              g;
};

static void
step_begin(struct step *s, const char *parent, const char *type,
           int priority, long long recording_id)
{
    memset(&s->job, 0, sizeof(s->job));
    s->job.type = type;
    s->job.priority = priority;
    s->job.recording_id = recording_id;
    sv_job_step_id(parent, type, s->job.id);
    s->g = yajl_gen_alloc(NULL);
    if (s->g != NULL) {
        yajl_gen_map_open(s->g);
    }
}

static void
step_after(struct step *s, const struct step *dep)
{
    s->job.deps[s->job.ndeps++] = dep->job.id;
}

/* Closes the payload and submits it when everything before went well
 * (a step must never be queued without the ones it waits for: an unknown
 * dependency counts as done); the generator is freed either way. */
static bool
step_submit(struct step *s, bool before_ok, const struct sv_job_run *run,
            char *err, size_t errlen)
{
    const unsigned char *buf;
    size_t               len;
    char                *payload;
    bool                 ok = false;
    enum sv_redis_result redis;

    if (!before_ok) {
        yajl_gen_free(s->g);
        return false;
    }
    if (s->g == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    yajl_gen_map_close(s->g);
    if (yajl_gen_get_buf(s->g, &buf, &len) == yajl_gen_status_ok
        && (payload = strndup((const char *) buf, len)) != NULL) {
        s->job.payload = payload;
        ok = sv_job_submit(run->queue, run->pg, &s->job, &redis, err,
                           errlen);
        free(payload);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    yajl_gen_free(s->g);
    s->g = NULL;
    return ok;
}

/* An image of the show when its URL names a type the artwork job keeps
 * (.jpg, .jpeg, .png, .webp before any query). */
static void
put_image(yajl_gen g, yajl_gen names, const char *url, const char *show,
          const char *name, unsigned *count)
{
    static const char *const exts[] = { ".jpg", ".jpeg", ".png", ".webp" };
    char                     path[SV_PATH_REL_MAX + 1], bare[2049];

    if (url == NULL) {
        return;
    }
    snprintf(bare, sizeof(bare), "%.*s", (int) strcspn(url, "?#"), url);
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        int n = snprintf(path, sizeof(path), "%s/%s%s", show, name, exts[i]);

        if (sv_path_has_suffix(bare, exts[i]) && n > 0
            && n <= SV_PATH_REL_MAX) {
            yajl_gen_map_open(g);
            sv_gen_str(g, "url", url);
            sv_gen_str(g, "path", path);
            yajl_gen_map_close(g);
            sv_gen_str(names, name, path);
            (*count)++;
            return;
        }
    }
}

/* library.artwork_put: the paths of the show's images ({"poster": ...}). */
static bool
keep_artwork(PGconn *pg, long long recording_id, const char *names,
             size_t len, char *err, size_t errlen)
{
    char        id[24], *json = strndup(names, len);
    const char *params[] = { id, json };
    PGresult   *res;

    if (json == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    snprintf(id, sizeof(id), "%lld", recording_id);
    res = sv_pg_query(pg, "SELECT library.artwork_put($1::bigint, $2::jsonb)",
                      2, params, err, errlen);
    free(json);
    PQclear(res);
    return res != NULL;
}

/* The show's images, when the streamer has any; not part of the item, so
 * without the recording and not holding its finish. Where they go is kept
 * on the streamer, for the API to hand out their URLs. */
static bool
submit_artwork(const struct sv_job_run *run, const struct plan *p,
               const struct paths *o, const struct step *after, char *err,
               size_t errlen)
{
    struct step          s;
    unsigned             count = 0;
    yajl_gen             names = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t               len;
    bool                 ok;

    step_begin(&s, run->id, "artwork", 7, 0);
    if (s.g == NULL || names == NULL) {
        yajl_gen_free(s.g);
        yajl_gen_free(names);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    sv_gen_key(s.g, "images");
    yajl_gen_array_open(s.g);
    yajl_gen_map_open(names);
    put_image(s.g, names, sv_tree_string(p->streamer, "profile_image_url"),
              o->show, "poster", &count);
    put_image(s.g, names, sv_tree_string(p->streamer, "offline_image_url"),
              o->show, "fanart", &count);
    yajl_gen_array_close(s.g);
    yajl_gen_map_close(names);
    if (count == 0) {
        yajl_gen_free(s.g);
        yajl_gen_free(names);
        return true;
    }
    if (after != NULL) {
        step_after(&s, after);
    }
    ok = step_submit(&s, true, run, err, errlen)
         && yajl_gen_get_buf(names, &buf, &len) == yajl_gen_status_ok
         && keep_artwork(run->pg, p->id, (const char *) buf, len, err,
                         errlen);
    yajl_gen_free(names);
    return ok;
}

static void
put_nfo(yajl_gen g, const struct plan *p, const struct paths *o)
{
    char id[24];

    snprintf(id, sizeof(id), "%lld", p->id);
    sv_gen_str(g, "dir", o->show);
    sv_gen_key(g, "show");
    yajl_gen_map_open(g);
    sv_gen_str(g, "title", p->show_title);
    sv_gen_str(g, "plot", sv_tree_string(p->streamer, "description"));
    sv_gen_str(g, "id", sv_tree_string(p->streamer, "twitch_id"));
    yajl_gen_map_close(g);
    sv_gen_key(g, "season");
    yajl_gen_map_open(g);
    sv_gen_int(g, "number", p->season);
    yajl_gen_map_close(g);
    sv_gen_key(g, "episode");
    yajl_gen_map_open(g);
    sv_gen_str(g, "file", o->video);
    sv_gen_str(g, "title", p->title);
    sv_gen_str(g, "aired", p->date);
    sv_gen_int(g, "season", p->season);
    sv_gen_int(g, "episode", p->episode);
    if (p->duration_s > 0) {
        sv_gen_int(g, "runtime_s", (long long) (p->duration_s + 0.5));
    }
    sv_gen_str(g, "category", p->category);
    sv_gen_str(g, "streamer", p->show_title);
    sv_gen_str(g, "id", id);
    yajl_gen_map_close(g);
}

static void
put_asset(yajl_gen g, const char *kind, const char *path)
{
    yajl_gen_map_open(g);
    sv_gen_str(g, "kind", kind);
    sv_gen_str(g, "path", path);
    yajl_gen_map_close(g);
}

/* Queues every step in order, each after what it needs. */
static bool
submit_steps(const struct sv_job_run *run, const struct plan *p,
             const struct paths *o, bool from_raw, char *err, size_t errlen)
{
    struct step          remux, validate, thumbs, chapters, nfo, finish;
    const struct step   *media = NULL;  /* what the sidecars wait for */
    bool                 ok = true;

    if (from_raw) {
        step_begin(&remux, run->id, "remux", 1, p->id);
        put_input(remux.g, p);
        sv_gen_str(remux.g, "output", o->video);
        sv_gen_str(remux.g, "title", p->title);
        sv_gen_str(remux.g, "streamer", p->show_title);
        sv_gen_str(remux.g, "date", p->date);
        put_events(remux.g, "chapters", p->events);
        ok = step_submit(&remux, ok, run, err, errlen);

        step_begin(&validate, run->id, "validate", 1, p->id);
        step_after(&validate, &remux);
        put_input(validate.g, p);
        sv_gen_str(validate.g, "output", o->video);
        sv_gen_key(validate.g, "delete_input");
        yajl_gen_bool(validate.g, p->raw_dir != NULL || !p->import_keep);
        ok = step_submit(&validate, ok, run, err, errlen);
        media = &validate;
    }

    step_begin(&thumbs, run->id, "thumbnails", 6, p->id);
    sv_gen_str(thumbs.g, "video", o->video);
    sv_gen_str(thumbs.g, "poster", o->thumb);
    sv_gen_str(thumbs.g, "sprite", o->sprite);
    sv_gen_str(thumbs.g, "vtt", o->sprite_vtt);

    step_begin(&chapters, run->id, "chapters", 3, p->id);
    sv_gen_str(chapters.g, "video", o->video);
    put_events(chapters.g, "events", p->events);
    sv_gen_str(chapters.g, "vtt", o->chapters_vtt);
    sv_gen_str(chapters.g, "xml", o->chapters_xml);

    step_begin(&nfo, run->id, "nfo", 3, p->id);
    put_nfo(nfo.g, p, o);

    step_begin(&finish, run->id, "finish", 2, p->id);
    step_after(&finish, &thumbs);
    step_after(&finish, &chapters);
    step_after(&finish, &nfo);
    sv_gen_str(finish.g, "raw_dir", p->raw_dir);
    sv_gen_str(finish.g, "chat", o->chat);
    sv_gen_key(finish.g, "assets");
    yajl_gen_array_open(finish.g);
    put_asset(finish.g, "video", o->video);
    put_asset(finish.g, "fragment_index", o->index);
    put_asset(finish.g, "thumbnail", o->thumb);
    put_asset(finish.g, "sprite", o->sprite);
    put_asset(finish.g, "sprite_vtt", o->sprite_vtt);
    put_asset(finish.g, "chapters_vtt", o->chapters_vtt);
    put_asset(finish.g, "chapters_xml", o->chapters_xml);
    put_asset(finish.g, "nfo", o->nfo);
    yajl_gen_array_close(finish.g);

    if (media != NULL) {
        step_after(&thumbs, media);
        step_after(&chapters, media);
        step_after(&nfo, media);
    }
    ok = step_submit(&thumbs, ok, run, err, errlen);
    ok = step_submit(&chapters, ok, run, err, errlen);
    ok = step_submit(&nfo, ok, run, err, errlen);
    ok = step_submit(&finish, ok, run, err, errlen);
    return ok && submit_artwork(run, p, o, media, err, errlen);
}

int
sv_job_postprocess_run(yajl_val payload, const struct sv_job_run *run,
                       char *err, size_t errlen)
{
    struct plan              p;
    struct paths             o;
    struct sv_media_segments raw = { NULL, 0 };
    bool                     from_raw, ok;

    (void) payload;
    if (!read_plan(run->pg, run->recording_id, &p, err, errlen)) {
        yajl_tree_free(p.tree);
        return -1;
    }
    ok = p.raw_dir == NULL
         || sv_media_segments_list(p.raw_dir, SV_JOB_INPUTS_MAX, &raw, err,
                                   errlen);
    from_raw = raw.count > 0 || (p.raw_dir == NULL && p.import_path != NULL);
    if (!from_raw && ok && p.raw_dir != NULL) {
        /* validated and deleted: the video is the media now */
        p.raw_dir = NULL;
    }
    if (ok && !from_raw && p.file_path == NULL) {
        snprintf(err, errlen, "recording %lld has no raw segments, no "
                 "imported file and no video", p.id);
        ok = false;
    }
    ok = ok && plan_paths(&p, !from_raw, &o, err, errlen)
         && submit_steps(run, &p, &o, from_raw, err, errlen);
    if (ok) {
        sv_log(SV_LOG_INFO, "planned a recording's post-processing",
               SV_INT("recording", p.id), SV_STR("video", o.video),
               SV_INT("segments", (long long) raw.count));
    }
    sv_media_segments_free(&raw);
    yajl_tree_free(p.tree);
    return ok ? 0 : -1;
}
