/*
 * The finish job (see job_finish.h).
 */

#include "job_finish.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#include "hls_segment_file.h"
#include "json_gen.h"
#include "library_files.h"
#include "log.h"
#include "chat.h"
#include "media_duration.h"
#include "media_path.h"
#include "payload_check.h"
#include "pg.h"
#include "sv_path.h"

struct finish_payload {
    yajl_val     assets;
    const char  *raw_dir, *chat;
};

struct asset {
    const char  *kind, *path;
};

/* The kinds media_assets knows, with what nginx will serve them as. */
static const char *const kinds[] = {
    "video", "fragment_index", "thumbnail", "sprite", "sprite_vtt",
    "chapters_vtt", "chapters_xml", "nfo", NULL
};
static const char *const mime_types[] = {
    "video/mp4", "application/json", "image/jpeg", "image/jpeg", "text/vtt",
    "text/vtt", "application/xml", "application/xml",
};

static const struct sv_payload_field asset_fields[] = {
    { "kind", true, sv_payload_choice, offsetof(struct asset, kind), kinds },
    { "path", true, sv_payload_path, offsetof(struct asset, path), NULL },
};

static bool
assets_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    unsigned videos = 0;

    if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0
        || v->u.array.len > SV_FINISH_ASSETS_MAX) {
        snprintf(err, errlen, "payload.%s must be an array of 1..%d assets",
                 what, SV_FINISH_ASSETS_MAX);
        return false;
    }
    for (size_t i = 0; i < v->u.array.len; i++) {
        struct asset a = { NULL, NULL };
        char         prefix[32];

        snprintf(prefix, sizeof(prefix), "%s[%zu]", what, i);
        if (!sv_payload_read(v->u.array.values[i], prefix, asset_fields,
                             sv_payload_nfields(asset_fields), &a, err,
                             errlen)) {
            return false;
        }
        videos += strcmp(a.kind, "video") == 0;
    }
    if (videos != 1) {
        snprintf(err, errlen, "payload.%s must hold exactly one video", what);
        return false;
    }
    return true;
}

static const struct sv_payload_field fields[] = {
    { "assets", true, sv_payload_value,
      offsetof(struct finish_payload, assets), sv_payload_check(assets_ok) },
    { "raw_dir", false, sv_payload_path,
      offsetof(struct finish_payload, raw_dir), NULL },
    { "chat", false, sv_payload_path,
      offsetof(struct finish_payload, chat), ".jsonl" },
};

static bool
read_payload(yajl_val payload, struct finish_payload *p, char *err,
             size_t errlen)
{
    memset(p, 0, sizeof(*p));
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields), p,
                           err, errlen);
}

bool
sv_job_finish_validate(yajl_val payload, char *err, size_t errlen)
{
    struct finish_payload p;

    return read_payload(payload, &p, err, errlen);
}

static const char *
mime_of(const char *kind)
{
    for (size_t i = 0; kinds[i] != NULL; i++) {
        if (strcmp(kinds[i], kind) == 0) {
            return mime_types[i];
        }
    }
    return "application/octet-stream";
}

/* The assets thumbnails makes, which an audio-only item has none of. */
static bool
pictures_of(const char *kind)
{
    return strcmp(kind, "thumbnail") == 0 || strcmp(kind, "sprite") == 0
           || strcmp(kind, "sprite_vtt") == 0;
}

/* The record library.finish() takes: every asset with its size (each must
 * exist), the video's size and duration. */
static bool
describe(const struct finish_payload *p, yajl_gen g, char *err,
         size_t errlen)
{
    char        real[PATH_MAX];
    struct stat  st;
    struct asset a;
    const char  *video = NULL;
    long long    video_bytes = 0;
    double       seconds = 0;

    yajl_gen_map_open(g);
    sv_gen_key(g, "assets");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < p->assets->u.array.len; i++) {
        /* checked at injection and again as the job was taken */
        sv_payload_read(p->assets->u.array.values[i], "assets", asset_fields,
                        sv_payload_nfields(asset_fields), &a, err, errlen);
        if (!sv_media_resolve_input(a.path, real, err, errlen)
            || stat(real, &st) != 0) {
            if (pictures_of(a.kind)) {
                continue;       /* audio only: no picture was made */
            }
            return false;
        }
        yajl_gen_map_open(g);
        sv_gen_str(g, "kind", a.kind);
        sv_gen_str(g, "path", a.path);
        sv_gen_str(g, "mime_type", mime_of(a.kind));
        sv_gen_int(g, "bytes", (long long) st.st_size);
        yajl_gen_map_close(g);
        if (strcmp(a.kind, "video") == 0) {
            if (!sv_media_duration(a.path, &seconds, err, errlen)) {
                return false;
            }
            video = a.path;
            video_bytes = (long long) st.st_size;
        }
    }
    if (p->chat != NULL && sv_media_resolve_input(p->chat, real, err, errlen)
        && stat(real, &st) == 0) {
        yajl_gen_map_open(g);
        sv_gen_str(g, "kind", "chat");
        sv_gen_str(g, "path", p->chat);
        sv_gen_str(g, "mime_type", "application/jsonl");
        sv_gen_int(g, "bytes", (long long) st.st_size);
        yajl_gen_map_close(g);
    }
    err[0] = '\0';     /* no chat archive is no error */
    yajl_gen_array_close(g);
    sv_gen_str(g, "video", video);
    sv_gen_int(g, "bytes", video_bytes);
    sv_gen_int(g, "duration_ms", (long long) (seconds * 1000.0 + 0.5));
    yajl_gen_map_close(g);
    return true;
}

/* The chat archive, recorded into the raw folder, goes next to the video
 * (once; a re-run finds it there). */
static bool
keep_chat(const struct finish_payload *p, char *err, size_t errlen)
{
    char raw[SV_PATH_REL_MAX + sizeof(SV_CHAT_RAW_NAME) + 2];
    char from[PATH_MAX], to[PATH_MAX], why[PATH_MAX + 64];

    if (p->chat == NULL || p->raw_dir == NULL
        || snprintf(raw, sizeof(raw), "%s/%s", p->raw_dir, SV_CHAT_RAW_NAME)
           >= (int) sizeof(raw)
        || !sv_media_resolve_input(raw, from, why, sizeof(why))) {
        return true;
    }
    if (!sv_media_prepare_output(p->chat, to, err, errlen)
        || !sv_media_commit(from, to, err, errlen)) {
        return false;
    }
    sv_log(SV_LOG_INFO, "chat archive kept", SV_STR("path", p->chat));
    return true;
}

/* Files of an earlier run that this one did not make again (a video
 * renamed by a new template, say). */
static void
remove_stale(yajl_val stale)
{
    char     why[512];
    unsigned files = 0;

    for (size_t i = 0; stale != NULL && i < stale->u.array.len; i++) {
        const char *rel = YAJL_GET_STRING(stale->u.array.values[i]);

        if (rel == NULL) {
            continue;
        }
        switch (sv_library_remove(rel, false, &files, why, sizeof(why))) {
        case SV_LIBRARY_REMOVED:
            sv_log(SV_LOG_INFO, "deleted a file the item no longer has",
                   SV_STR("path", rel));
            break;
        case SV_LIBRARY_GONE:
            break;
        default:
            sv_log(SV_LOG_WARN, "cannot delete a file the item no longer has",
                   SV_STR("path", rel), SV_STR("error", why));
        }
    }
}

/* The raw folder once validate emptied it, with the recorder's notes; one
 * still holding files (a segment that arrived late) stays. */
static void
remove_raw_dir(const char *rel)
{
    char path[PATH_MAX], why[PATH_MAX + 64];
    bool missing;

    if (rel == NULL
        || !sv_media_resolve_dir(rel, path, &missing, why, sizeof(why))
        || missing) {
        return;
    }
    sv_hls_folder_forget(path);
    if (rmdir(path) != 0 && errno != ENOTEMPTY && errno != EEXIST) {
        sv_log(SV_LOG_WARN, "cannot remove a raw folder",
               SV_STR("path", rel), SV_STR("error", strerror(errno)));
    }
}

int
sv_job_finish_run(yajl_val payload, const struct sv_job_run *run, char *err,
                  size_t errlen)
{
    struct finish_payload p;
    const unsigned char  *doc;
    size_t                len;
    char                  id[24], perr[128], *text = NULL;
    const char           *params[] = { id, NULL };
    const char           *stale_at[] = { "stale", NULL };
    yajl_gen              g = yajl_gen_alloc(NULL);
    PGresult             *res = NULL;
    yajl_val              answer = NULL;
    int                   rc = -1;

    snprintf(id, sizeof(id), "%lld", run->recording_id);
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (read_payload(payload, &p, err, errlen) && keep_chat(&p, err, errlen)
        && describe(&p, g, err, errlen)
        && yajl_gen_get_buf(g, &doc, &len) == yajl_gen_status_ok
        && (text = strndup((const char *) doc, len)) != NULL) {
        params[1] = text;
        res = sv_pg_query(run->pg, "SELECT library.finish($1::bigint,"
                          " $2::jsonb)::text", 2, params, err, errlen);
    }
    if (res != NULL) {
        answer = yajl_tree_parse(PQgetvalue(res, 0, 0), perr, sizeof(perr));
        remove_stale(yajl_tree_get(answer, stale_at, yajl_t_array));
        remove_raw_dir(p.raw_dir);
        rc = 0;
    } else if (text == NULL && err[0] == '\0') {
        snprintf(err, errlen, "out of memory");
    }
    yajl_tree_free(answer);
    PQclear(res);
    free(text);
    yajl_gen_free(g);
    return rc;
}
