/*
 * The validate job (see job_validate.h).
 */

#include "job_validate.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job_inputs.h"
#include "media_check.h"
#include "media_index_file.h"
#include "media_inputs.h"
#include "media_path.h"
#include "media_save.h"
#include "payload_check.h"
#include "sv_path.h"

#define INDEX_SUFFIX  ".index.json"
#define MARK_SUFFIX   ".deleting-inputs"

struct validate_payload {
    struct sv_job_io  io;
    double            tolerance_s;
    bool        delete_input;
};

#define FIELD(name, req, read, member, arg)                                   \
    { name, req, read, offsetof(struct validate_payload, member), arg }

static const struct sv_payload_field fields[] = {
    SV_JOB_IO_FIELDS(offsetof(struct validate_payload, io)),
    FIELD("tolerance_s", false, sv_payload_number, tolerance_s,
          (&(const struct sv_payload_number) {
              SV_VALIDATE_TOLERANCE_MIN_S, SV_VALIDATE_TOLERANCE_MAX_S,
              false })),
    FIELD("delete_input", false, sv_payload_bool, delete_input, NULL),
};

static bool
parse_payload(yajl_val payload, struct validate_payload *p, char *err,
              size_t errlen)
{
    *p = (struct validate_payload) {
        .tolerance_s = SV_VALIDATE_TOLERANCE_DEFAULT_S, .delete_input = true,
    };
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen)
           && sv_job_io_ok(&p->io, err, errlen);
}

bool
sv_job_validate_validate(yajl_val payload, char *err, size_t errlen)
{
    struct validate_payload p;

    return parse_payload(payload, &p, err, errlen);
}

static void
progress(const struct sv_job_run *run, unsigned percent)
{
    if (run->progress != NULL) {
        run->progress(run->ctx, percent);
    }
}

/* The inputs' total duration and the first input's streams (0..50 %). */
static bool
read_inputs(const struct sv_media_inputs *in, const struct sv_job_run *run,
            struct sv_media_info *total, char *err, size_t errlen)
{
    char why[256];

    for (size_t i = 0; i < in->count; i++) {
        struct sv_media_info info;

        if (!sv_media_info(in->real[i], &info, why, sizeof(why))) {
            snprintf(err, errlen, "input %zu (%s): %s", i + 1, in->real[i],
                     why);
            return false;
        }
        if (i == 0) {
            *total = info;
        } else {
            total->duration_s += info.duration_s;
        }
        if (!run->keep_alive(run->ctx)) {
            snprintf(err, errlen, "stopped");
            return false;
        }
        progress(run, (unsigned) (50 * (i + 1) / in->count));
    }
    return true;
}

/* The output against the inputs' total; with_inputs false: by itself. */
static bool
check_output(const char *mp4, const char *index, bool with_inputs,
             const struct sv_media_info *inputs,
             const struct validate_payload *p,
             const struct sv_job_run *run, char *err, size_t errlen)
{
    struct sv_media_info out;
    char                 why[256];

    if (!sv_media_info(mp4, &out, why, sizeof(why))) {
        snprintf(err, errlen, "the output: %s", why);
        return false;
    }
    if (with_inputs && (out.video != inputs->video
                        || out.audio != inputs->audio)) {
        snprintf(err, errlen, "the output has %u video and %u audio "
                 "streams, the first input %u and %u", out.video, out.audio,
                 inputs->video, inputs->audio);
        return false;
    }
    if (with_inputs
        && fabs(out.duration_s - inputs->duration_s) > p->tolerance_s) {
        snprintf(err, errlen, "duration %.1f s differs from the inputs' "
                 "%.1f s by more than %g s", out.duration_s,
                 inputs->duration_s, p->tolerance_s);
        return false;
    }
    progress(run, 60);
    if (!sv_media_decode_gop(mp4, SV_GOP_FIRST, why, sizeof(why))) {
        snprintf(err, errlen, "the first GOP does not decode: %s", why);
        return false;
    }
    progress(run, 75);
    if (!run->keep_alive(run->ctx)
        || !sv_media_decode_gop(mp4, SV_GOP_LAST, why, sizeof(why))) {
        snprintf(err, errlen, "the last GOP does not decode: %s", why);
        return false;
    }
    progress(run, 90);
    return sv_mp4_index_check(mp4, index, err, errlen);
}

/* Every input present (checked against them), or every one gone (an
 * earlier run deleted them: the output is checked by itself). */
static bool
inputs_whole(const struct sv_media_inputs *in, const char *const *rel,
             char *err, size_t errlen)
{
    if (in->present == 0 || in->present == in->count) {
        return true;
    }
    for (size_t i = 0; i < in->count; i++) {
        if (in->real[i] == NULL) {
            snprintf(err, errlen, "input %zu (%s) is missing while %zu of "
                     "the %zu inputs are present; deleting nothing", i + 1,
                     rel[i], in->present,
                     in->count);
        }
    }
    return false;
}

/* Whether an earlier run passed and was deleting the inputs when it was
 * stopped: the mark it leaves next to the output until they are gone. */
static bool
was_deleting(const char *mark_rel)
{
    char        path[PATH_MAX];
    struct stat st;

    return sv_path_join(sv_media_root(), mark_rel, path, sizeof(path))
           && lstat(path, &st) == 0;
}

/* The inputs go only after every check passed; the mark makes a deletion
 * cut short by a crash finish on the next run instead of failing on the
 * half-deleted inputs. */
static bool
delete_inputs(const struct sv_media_inputs *in, const char *mark_rel,
              char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (!sv_media_save(mark_rel, "", 0, err, errlen)
        || !sv_media_inputs_delete(in, err, errlen)) {
        return false;
    }
    if (sv_path_join(sv_media_root(), mark_rel, path, sizeof(path))) {
        unlink(path);
    }
    return true;
}

int
sv_job_validate_run(yajl_val payload, const struct sv_job_run *run,
                    char *err, size_t errlen)
{
    struct validate_payload p;
    struct sv_job_inputs    named = { .rel = NULL };
    struct sv_media_inputs  in = { 0 };
    struct sv_media_info    total = { 0 };
    char                    mp4[PATH_MAX], index[PATH_MAX];
    char                    index_rel[SV_PATH_REL_MAX + sizeof(INDEX_SUFFIX)];
    char                    mark_rel[SV_PATH_REL_MAX + sizeof(MARK_SUFFIX)];
    bool                    ok, with_inputs, resumed;

    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    snprintf(index_rel, sizeof(index_rel), "%s" INDEX_SUFFIX, p.io.output);
    snprintf(mark_rel, sizeof(mark_rel), "%s" MARK_SUFFIX, p.io.output);
    resumed = was_deleting(mark_rel);
    ok = sv_media_resolve_input(p.io.output, mp4, err, errlen)
         && sv_media_resolve_input(index_rel, index, err, errlen)
         && sv_job_inputs_get(&p.io, &named, err, errlen)
         && sv_media_inputs_resolve(named.rel, named.count, &in, err, errlen)
         && (resumed || inputs_whole(&in, named.rel, err, errlen));
    with_inputs = ok && in.present > 0 && !resumed;
    ok = ok && (!with_inputs || read_inputs(&in, run, &total, err, errlen))
         && check_output(mp4, index, with_inputs, &total, &p, run, err,
                         errlen)
         && (!p.delete_input || delete_inputs(&in, mark_rel, err, errlen));
    sv_media_inputs_free(&in);
    sv_job_inputs_free(&named);
    return ok ? 0 : -1;
}
