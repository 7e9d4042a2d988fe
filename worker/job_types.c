/*
 * The table of job types (see job_types.h).
 */

#include "job_types.h"

#include <string.h>

#include "job_artwork.h"
#include "job_chapters.h"
#include "job_eventsub.h"
#include "job_finish.h"
#include "job_import.h"
#include "job_nfo.h"
#include "job_noop.h"
#include "job_postprocess.h"
#include "job_probe.h"
#include "job_record.h"
#include "job_remux.h"
#include "job_retention.h"
#include "job_thumbnails.h"
#include "job_validate.h"

static const struct sv_job_type job_types[] = {
    /* Rows name their fields: the optional ones are left out. */
    { .name = "noop", .validate = sv_job_noop_validate,
      .run = sv_job_noop_run },
    { .name = "probe", .validate = sv_job_probe_validate,
      .run = sv_job_probe_run, .isolated = true,
      .time_limit_s = SV_PROBE_TIME_LIMIT_S,
      .time_limit_for = sv_job_probe_time_limit },
    { .name = "remux", .validate = sv_job_remux_validate,
      .run = sv_job_remux_run, .isolated = true },
    { .name = "nfo", .validate = sv_job_nfo_validate,
      .run = sv_job_nfo_run },
    { .name = "chapters", .validate = sv_job_chapters_validate,
      .run = sv_job_chapters_run },
    { .name = "validate", .validate = sv_job_validate_validate,
      .run = sv_job_validate_run, .isolated = true },
    { .name = "thumbnails", .validate = sv_job_thumbnails_validate,
      .run = sv_job_thumbnails_run, .isolated = true },
    { .name = "postprocess", .validate = sv_job_postprocess_validate,
      .run = sv_job_postprocess_run, .needs_recording = true },
    { .name = "import", .validate = sv_job_import_validate,
      .run = sv_job_import_run },
    { .name = "finish", .validate = sv_job_finish_validate,
      .run = sv_job_finish_run, .needs_recording = true },
    { .name = "artwork", .validate = sv_job_artwork_validate,
      .run = sv_job_artwork_run, .isolated = true,
      .time_limit_s = SV_ARTWORK_TIME_LIMIT_S },
    { .name = "retention", .validate = sv_job_retention_validate,
      .run = sv_job_retention_run },
    { .name = "record", .validate = sv_job_record_validate,
      .run = sv_job_record_run },
    { .name = "eventsub", .validate = sv_job_eventsub_validate,
      .run = sv_job_eventsub_run },
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

unsigned
sv_job_type_time_limit(const struct sv_job_type *type, yajl_val payload)
{
    unsigned limit = type->time_limit_for != NULL
                     ? type->time_limit_for(payload) : 0;

    if (limit == 0) {
        limit = type->time_limit_s;
    }
    return limit != 0 ? limit : SV_JOB_DEFAULT_TIME_LIMIT_S;
}
