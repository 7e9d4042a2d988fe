/*
 * The table of job types (see job_types.h).
 */

#include "job_types.h"

#include <string.h>

#include "job_noop.h"

static const struct sv_job_type job_types[] = {
    { "noop", sv_job_noop_validate, sv_job_noop_run },
};

const struct sv_job_type *
sv_job_type_find(const char *name)
{
    for (size_t i = 0; i < sizeof(job_types) / sizeof(job_types[0]); i++) {
        if (strcmp(job_types[i].name, name) == 0) {
            return &job_types[i];
        }
    }
    return NULL;
}
