/*
 * The validate job (see job_validate.h).
 */

#include "job_validate.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_remux.h"
#include "media_check.h"
#include "media_index_file.h"
#include "media_inputs.h"
#include "media_path.h"
#include "sv_path.h"

#define INDEX_SUFFIX  ".index.json"

struct validate_payload {
    yajl_val    input;
    const char *output;
    double      tolerance_s;
    bool        delete_input;
};

static bool
tolerance_ok(yajl_val v, double *out, char *err, size_t errlen)
{
    double t = YAJL_IS_DOUBLE(v) ? YAJL_GET_DOUBLE(v)
               : YAJL_IS_INTEGER(v) ? (double) YAJL_GET_INTEGER(v) : NAN;

    if (!(t >= SV_VALIDATE_TOLERANCE_MIN_S
          && t <= SV_VALIDATE_TOLERANCE_MAX_S)) {
        snprintf(err, errlen, "payload.tolerance_s must be a number in "
                 "0.01..60");
        return false;
    }
    *out = t;
    return true;
}

static bool
member_ok(const char *key, yajl_val v, struct validate_payload *p, char *err,
          size_t errlen)
{
    if (strcmp(key, "input") == 0) {
        p->input = v;
        return sv_job_media_inputs_ok(v, err, errlen);
    }
    if (strcmp(key, "output") == 0) {
        p->output = YAJL_GET_STRING(v);
        return sv_job_media_path_ok("output", v, err, errlen);
    }
    if (strcmp(key, "tolerance_s") == 0) {
        return tolerance_ok(v, &p->tolerance_s, err, errlen);
    }
    if (strcmp(key, "delete_input") == 0) {
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
            snprintf(err, errlen, "payload.delete_input must be true or "
                     "false");
            return false;
        }
        p->delete_input = YAJL_IS_TRUE(v);
        return true;
    }
    snprintf(err, errlen, "payload: unknown field \"%.64s\"", key);
    return false;
}

static bool
parse_payload(yajl_val payload, struct validate_payload *p, char *err,
              size_t errlen)
{
    *p = (struct validate_payload) {
        .tolerance_s = SV_VALIDATE_TOLERANCE_DEFAULT_S, .delete_input = true,
    };
    for (size_t i = 0; i < payload->u.object.len; i++) {
        if (!member_ok(payload->u.object.keys[i],
                       payload->u.object.values[i], p, err, errlen)) {
            return false;
        }
    }
    return sv_job_media_io_ok(p->input, p->output, err, errlen);
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

/* The inputs named in the payload, resolved (free with
 * sv_media_inputs_free). */
static bool
resolve_inputs(yajl_val input, struct sv_media_inputs *in, char *err,
               size_t errlen)
{
    size_t       n = input->u.array.len;
    const char **rel = calloc(n, sizeof(*rel));
    bool         ok;

    if (rel == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        rel[i] = YAJL_GET_STRING(input->u.array.values[i]);
    }
    ok = sv_media_inputs_resolve(rel, n, in, err, errlen);
    free(rel);
    return ok;
}

/* Every input present (checked against them), or every one gone (an
 * earlier run deleted them: the output is checked by itself). */
static bool
inputs_whole(const struct sv_media_inputs *in, yajl_val input, char *err,
             size_t errlen)
{
    if (in->present == 0 || in->present == in->count) {
        return true;
    }
    for (size_t i = 0; i < in->count; i++) {
        if (in->real[i] == NULL) {
            snprintf(err, errlen, "input %zu (%s) is missing while %zu of "
                     "the %zu inputs are present; deleting nothing", i + 1,
                     YAJL_GET_STRING(input->u.array.values[i]), in->present,
                     in->count);
        }
    }
    return false;
}

int
sv_job_validate_run(yajl_val payload, const struct sv_job_run *run,
                    char *err, size_t errlen)
{
    struct validate_payload p;
    struct sv_media_inputs  in = { 0 };
    struct sv_media_info    total = { 0 };
    char                    mp4[PATH_MAX], index[PATH_MAX];
    char                    index_rel[SV_PATH_REL_MAX + sizeof(INDEX_SUFFIX)];
    bool                    ok, with_inputs;

    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    snprintf(index_rel, sizeof(index_rel), "%s" INDEX_SUFFIX, p.output);
    ok = sv_media_resolve_input(p.output, mp4, err, errlen)
         && sv_media_resolve_input(index_rel, index, err, errlen)
         && resolve_inputs(p.input, &in, err, errlen)
         && inputs_whole(&in, p.input, err, errlen);
    with_inputs = ok && in.present > 0;
    ok = ok && (!with_inputs || read_inputs(&in, run, &total, err, errlen))
         && check_output(mp4, index, with_inputs, &total, &p, run, err,
                         errlen)
         && (!p.delete_input || sv_media_inputs_delete(&in, err, errlen));
    sv_media_inputs_free(&in);
    return ok ? 0 : -1;
}
