/*
 * The remux job (see job_remux.h).
 */

#include "job_remux.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapter_events.h"
#include "media_index_file.h"
#include "media_path.h"
#include "media_remux.h"
#include "payload_check.h"
#include "sv_path.h"

#define INDEX_SUFFIX  ".index.json"
#define TMP_SUFFIX    ".tmp"

/* The payload, its members picked out (NULL when absent). */
struct remux_payload {
    yajl_val    input, chapters;
    const char *output, *title, *streamer, *date;
};

bool
sv_job_media_path_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    char why[128];

    if (!YAJL_IS_STRING(v)) {
        snprintf(err, errlen, "payload.%s must be a string", what);
        return false;
    }
    if (!sv_path_relative_ok(YAJL_GET_STRING(v), why, sizeof(why))) {
        snprintf(err, errlen, "payload.%s: %s", what, why);
        return false;
    }
    return true;
}

static bool
text_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    const char *s = YAJL_GET_STRING(v);

    if (s == NULL || strlen(s) > SV_REMUX_TEXT_MAX) {
        snprintf(err, errlen, "payload.%s must be a string of at most %d "
                 "bytes", what, SV_REMUX_TEXT_MAX);
        return false;
    }
    for (; *s != '\0'; s++) {
        if ((unsigned char) *s < 0x20 || *s == 0x7f) {
            snprintf(err, errlen, "payload.%s has a control character",
                     what);
            return false;
        }
    }
    return true;
}

bool
sv_job_media_inputs_ok(yajl_val v, char *err, size_t errlen)
{
    char what[32];

    if (!YAJL_IS_ARRAY(v) || v->u.array.len == 0
        || v->u.array.len > SV_REMUX_INPUTS_MAX) {
        snprintf(err, errlen, "payload.input must be an array of 1..%d "
                 "paths", SV_REMUX_INPUTS_MAX);
        return false;
    }
    for (size_t i = 0; i < v->u.array.len; i++) {
        snprintf(what, sizeof(what), "input[%zu]", i);
        if (!sv_job_media_path_ok(what, v->u.array.values[i], err,
                                  errlen)) {
            return false;
        }
    }
    return true;
}

/* Checks each member and picks it out. */
static bool
parse_payload(yajl_val payload, struct remux_payload *p, char *err,
              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < payload->u.object.len; i++) {
        const char *key = payload->u.object.keys[i];
        yajl_val    v = payload->u.object.values[i];
        bool        ok;

        if (strcmp(key, "input") == 0) {
            ok = sv_job_media_inputs_ok(v, err, errlen);
            p->input = v;
        } else if (strcmp(key, "output") == 0) {
            ok = sv_job_media_path_ok("output", v, err, errlen);
            p->output = YAJL_GET_STRING(v);
        } else if (strcmp(key, "title") == 0
                   || strcmp(key, "streamer") == 0) {
            ok = text_ok(key, v, err, errlen);
            *(key[0] == 't' ? &p->title : &p->streamer) = YAJL_GET_STRING(v);
        } else if (strcmp(key, "chapters") == 0) {
            ok = sv_chapter_events_ok(key, v, err, errlen);
            p->chapters = v;
        } else if (strcmp(key, "date") == 0) {
            ok = sv_payload_date_ok("date", v, err, errlen);
            p->date = YAJL_GET_STRING(v);
        } else {
            snprintf(err, errlen, "payload: unknown field \"%.64s\"", key);
            ok = false;
        }
        if (!ok) {
            return false;
        }
    }
    return sv_job_media_io_ok(p->input, p->output, err, errlen);
}

bool
sv_job_media_io_ok(yajl_val input, const char *output, char *err,
                   size_t errlen)
{
    if (input == NULL || output == NULL) {
        snprintf(err, errlen, "payload.%s is required",
                 input == NULL ? "input" : "output");
        return false;
    }
    if (!sv_path_has_suffix(output, ".mp4")) {
        snprintf(err, errlen, "payload.output must end in .mp4");
        return false;
    }
    for (size_t i = 0; i < input->u.array.len; i++) {
        const char *in = YAJL_GET_STRING(input->u.array.values[i]);

        if (in != NULL && strcmp(in, output) == 0) {
            snprintf(err, errlen, "payload.output is also an input");
            return false;
        }
    }
    return true;
}

bool
sv_job_remux_validate(yajl_val payload, char *err, size_t errlen)
{
    struct remux_payload p;

    return parse_payload(payload, &p, err, errlen);
}

static void
free_paths(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(paths[i]);
    }
    free(paths);
}

/* The inputs' real paths, each an existing file under the media root. */
static char **
resolve_inputs(yajl_val input, char *err, size_t errlen)
{
    size_t n = input->u.array.len;
    char **paths = calloc(n, sizeof(*paths));
    char   real[PATH_MAX], why[PATH_MAX + 64];

    for (size_t i = 0; paths != NULL && i < n; i++) {
        if (!sv_media_resolve_input(YAJL_GET_STRING(input->u.array.values[i]),
                                    real, why, sizeof(why))) {
            snprintf(err, errlen, "input %zu: %s", i + 1, why);
            free_paths(paths, n);
            return NULL;
        }
        paths[i] = strdup(real);
        if (paths[i] == NULL) {
            free_paths(paths, n);
            paths = NULL;
        }
    }
    if (paths == NULL && err[0] == '\0') {
        snprintf(err, errlen, "out of memory");
    }
    return paths;
}

/* Scans the written MP4 and writes its index to index_tmp. */
static bool
write_index(const char *mp4, const char *index_tmp, char *err, size_t errlen)
{
    struct sv_mp4_index idx;
    bool                ok;

    if (!sv_mp4_index_scan_file(mp4, &idx, err, errlen)) {
        return false;
    }

    FILE *f = fopen(index_tmp, "we");

    ok = f != NULL && sv_mp4_index_write_json(&idx, f);
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    sv_mp4_index_free(&idx);
    if (!ok) {
        snprintf(err, errlen, "cannot write %s", index_tmp);
    }
    return ok;
}

struct out_paths {
    char mp4[PATH_MAX], mp4_tmp[PATH_MAX + 8];
    char index[PATH_MAX + 16], index_tmp[PATH_MAX + 24];
};

static bool
keep_going(void *ctx, double done)
{
    const struct sv_job_run *run = ctx;

    if (run->progress != NULL) {
        /* 100 % is the queue's to say, when the job has succeeded. */
        run->progress(run->ctx, (unsigned) (done * 99));
    }
    return run->keep_alive(run->ctx);
}

/* The payload's chapters (none when absent). The duration is not known
 * yet: every event up to the longest recording counts. */
static bool
build_chapters(yajl_val events, struct sv_chapter **ch, size_t *count,
               char *err, size_t errlen)
{
    struct sv_chapter_event *e;

    if (events == NULL) {
        return true;
    }
    e = sv_chapter_events_get(events);
    *ch = e != NULL ? sv_chapters_build(e, events->u.array.len,
                                        (int64_t) SV_CHAPTER_AT_MAX_S * 1000
                                        + 1, count)
                    : NULL;
    free(e);
    if (*ch == NULL) {
        snprintf(err, errlen, "out of memory");
    }
    return *ch != NULL;
}

int
sv_job_remux_run(yajl_val payload, const struct sv_job_run *run, char *err,
                 size_t errlen)
{
    struct remux_payload p;
    struct out_paths     o;
    char               **inputs;
    struct sv_chapter   *chapters = NULL;
    size_t               chapter_count = 0;
    int                  rc = -1;

    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)
        || !sv_media_prepare_output(p.output, o.mp4, err, errlen)
        || !build_chapters(p.chapters, &chapters, &chapter_count, err,
                           errlen)) {
        return -1;
    }
    if ((inputs = resolve_inputs(p.input, err, errlen)) == NULL) {
        free(chapters);
        return -1;
    }
    snprintf(o.mp4_tmp, sizeof(o.mp4_tmp), "%s" TMP_SUFFIX, o.mp4);
    snprintf(o.index, sizeof(o.index), "%s" INDEX_SUFFIX, o.mp4);
    snprintf(o.index_tmp, sizeof(o.index_tmp), "%s" TMP_SUFFIX, o.index);

    struct sv_remux_request req = {
        .inputs = (const char *const *) inputs,
        .count = p.input->u.array.len, .output = o.mp4_tmp,
        .meta = { .title = p.title, .artist = p.streamer, .date = p.date },
        .chapters = chapters, .chapter_count = chapter_count,
        .keep_going = keep_going, .ctx = (void *) run,
    };

    /* The index first, so a finished MP4 always has one next to it. */
    if (sv_remux(&req, err, errlen) == 0
        && write_index(o.mp4_tmp, o.index_tmp, err, errlen)
        && sv_media_commit(o.index_tmp, o.index, err, errlen)
        && sv_media_commit(o.mp4_tmp, o.mp4, err, errlen)) {
        rc = 0;
    }
    unlink(o.mp4_tmp);
    unlink(o.index_tmp);
    free_paths(inputs, req.count);
    free(chapters);
    return rc;
}
