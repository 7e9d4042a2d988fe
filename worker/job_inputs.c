/*
 * The raw inputs of remux and validate (see job_inputs.h).
 */

#include "job_inputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_path.h"

bool
sv_job_io_ok(const struct sv_job_io *io, char *err, size_t errlen)
{
    size_t dir_len = io->input_dir != NULL ? strlen(io->input_dir) : 0;

    if ((io->input == NULL) == (io->input_dir == NULL)) {
        snprintf(err, errlen, "payload needs either input or input_dir");
        return false;
    }
    if (!sv_path_has_suffix(io->output, ".mp4")) {
        snprintf(err, errlen, "payload.output must end in .mp4");
        return false;
    }
    if (io->input_dir != NULL
        && strncmp(io->output, io->input_dir, dir_len) == 0
        && io->output[dir_len] == '/') {
        snprintf(err, errlen, "payload.output lies in payload.input_dir");
        return false;
    }
    for (size_t i = 0; io->input != NULL && i < io->input->u.array.len; i++) {
        const char *in = YAJL_GET_STRING(io->input->u.array.values[i]);

        if (in != NULL && strcmp(in, io->output) == 0) {
            snprintf(err, errlen, "payload.output is also an input");
            return false;
        }
    }
    return true;
}

bool
sv_job_inputs_get(const struct sv_job_io *io, struct sv_job_inputs *in,
                  char *err, size_t errlen)
{
    memset(in, 0, sizeof(*in));
    if (io->input_dir != NULL) {
        if (!sv_media_segments_list(io->input_dir, SV_JOB_INPUTS_MAX,
                                    &in->listed, err, errlen)) {
            return false;
        }
        in->rel = (const char **) in->listed.rel;
        in->count = in->listed.count;
        return true;
    }
    in->count = io->input->u.array.len;
    in->rel = calloc(in->count, sizeof(*in->rel));
    if (in->rel == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    for (size_t i = 0; i < in->count; i++) {
        in->rel[i] = YAJL_GET_STRING(io->input->u.array.values[i]);
    }
    return true;
}

void
sv_job_inputs_free(struct sv_job_inputs *in)
{
    if (in->listed.rel == NULL) {
        free(in->rel);
    }
    sv_media_segments_free(&in->listed);
    in->rel = NULL;
    in->count = 0;
}
