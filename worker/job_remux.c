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
#include "job_inputs.h"
#include "media_index_file.h"
#include "media_path.h"
#include "media_remux.h"
#include "payload_check.h"
#include "sv_path.h"

#define INDEX_SUFFIX  ".index.json"
#define TMP_SUFFIX    ".tmp"

/* The payload, its members picked out (NULL when absent). */
struct remux_payload {
    struct sv_job_io  io;
    yajl_val          chapters;
    const char       *title, *streamer, *date;
};

static const struct sv_payload_text text = { 0, SV_REMUX_TEXT_MAX, true };

#define FIELD(name, req, read, member, arg)                                   \
    { name, req, read, offsetof(struct remux_payload, member), arg }

static const struct sv_payload_field fields[] = {
    SV_JOB_IO_FIELDS(offsetof(struct remux_payload, io)),
    FIELD("title", false, sv_payload_text, title, &text),
    FIELD("streamer", false, sv_payload_text, streamer, &text),
    FIELD("date", false, sv_payload_date, date, NULL),
    FIELD("chapters", false, sv_payload_value, chapters,
          sv_payload_check(sv_chapter_events_ok)),
};

static bool
parse_payload(yajl_val payload, struct remux_payload *p, char *err,
              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen)
           && sv_job_io_ok(&p->io, err, errlen);
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
resolve_inputs(const struct sv_job_inputs *in, char *err, size_t errlen)
{
    char **paths = calloc(in->count, sizeof(*paths));
    char   real[PATH_MAX], why[PATH_MAX + 64];

    if (in->count == 0) {
        snprintf(err, errlen, "no input: the input folder holds no segments");
        free(paths);
        return NULL;
    }
    for (size_t i = 0; paths != NULL && i < in->count; i++) {
        if (!sv_media_resolve_input(in->rel[i], real, why, sizeof(why))) {
            snprintf(err, errlen, "input %zu: %s", i + 1, why);
            free_paths(paths, in->count);
            return NULL;
        }
        paths[i] = strdup(real);
        if (paths[i] == NULL) {
            free_paths(paths, in->count);
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
    struct sv_job_inputs in;
    char               **inputs = NULL;
    struct sv_chapter   *chapters = NULL;
    size_t               chapter_count = 0;
    int                  rc = -1;

    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)
        || !sv_media_prepare_output(p.io.output, o.mp4, err, errlen)
        || !build_chapters(p.chapters, &chapters, &chapter_count, err,
                           errlen)) {
        return -1;
    }
    if (!sv_job_inputs_get(&p.io, &in, err, errlen)
        || (inputs = resolve_inputs(&in, err, errlen)) == NULL) {
        sv_job_inputs_free(&in);
        free(chapters);
        return -1;
    }
    snprintf(o.mp4_tmp, sizeof(o.mp4_tmp), "%s" TMP_SUFFIX, o.mp4);
    snprintf(o.index, sizeof(o.index), "%s" INDEX_SUFFIX, o.mp4);
    snprintf(o.index_tmp, sizeof(o.index_tmp), "%s" TMP_SUFFIX, o.index);

    struct sv_remux_request req = {
        .inputs = (const char *const *) inputs,
        .count = in.count, .output = o.mp4_tmp,
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
    sv_job_inputs_free(&in);
    free(chapters);
    return rc;
}
