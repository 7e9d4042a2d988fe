/*
 * The import job: an existing media file dropped under the media root's
 * import folder becomes a library item through the same steps as a
 * recording (job_postprocess.h): a recording row (library.import_create,
 * once per import job), then a postprocess job of it.
 *
 * payload: {"path": "import/<...>",            the file, under import/
 *           "streamer": "<login>",             optional: whose show
 *           "title": "...",                    optional: the file's name
 *           "date": "YYYY-MM-DD",              optional: today
 *           "keep": true|false}                optional: false deletes the
 *                                              file once the video is valid
 */

#ifndef SV_JOB_IMPORT_H
#define SV_JOB_IMPORT_H

#include "job_types.h"

/* The folder under the media root that imports are taken from. */
#define SV_IMPORT_DIR  "import"

bool sv_job_import_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_import_run(yajl_val payload, const struct sv_job_run *run,
                      char *err, size_t errlen);

#endif /* SV_JOB_IMPORT_H */
