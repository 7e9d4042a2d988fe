/*
 * The raw inputs of remux and validate, named either way:
 *   "input": ["raw/1/00001.ts", ...]   1..100000 files, in order
 *   "input_dir": "raw/1"               the segments of a folder, in name
 *                                      order (media_segments.h): what a
 *                                      long recording needs, whose list
 *                                      would not fit in a job
 * exactly one of them, and an "output" .mp4 that is not an input.
 */

#ifndef SV_JOB_INPUTS_H
#define SV_JOB_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "media_segments.h"
#include "payload_check.h"

#define SV_JOB_INPUTS_MAX  100000

/* The payload's members (NULL when absent). */
struct sv_job_io {
    yajl_val     input;
    const char  *input_dir, *output;
};

/* Table rows for the three members of a payload struct holding a struct
 * sv_job_io at offset. */
#define SV_JOB_IO_FIELDS(offset)                                              \
    { "input", false, sv_payload_paths,                                       \
      (offset) + offsetof(struct sv_job_io, input),                           \
      sv_payload_range(1, SV_JOB_INPUTS_MAX) },                               \
    { "input_dir", false, sv_payload_path,                                    \
      (offset) + offsetof(struct sv_job_io, input_dir), NULL },               \
    { "output", true, sv_payload_path,                                        \
      (offset) + offsetof(struct sv_job_io, output), NULL }

/* What the table cannot say: one of input and input_dir, the output an
 * .mp4 that is neither an input nor inside input_dir. */
bool sv_job_io_ok(const struct sv_job_io *io, char *err, size_t errlen);

/* The inputs as relative paths, in order; a folder's are listed now. */
struct sv_job_inputs {
    const char              **rel;
    size_t                    count;
    struct sv_media_segments  listed;
};

/* False with the reason; free with sv_job_inputs_free either way. */
bool sv_job_inputs_get(const struct sv_job_io *io, struct sv_job_inputs *in,
                       char *err, size_t errlen);

void sv_job_inputs_free(struct sv_job_inputs *in);

#endif /* SV_JOB_INPUTS_H */
