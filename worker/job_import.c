/*
 * The import job (see job_import.h).
 */

#include "job_import.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_submit.h"
#include "log.h"
#include "media_path.h"
#include "payload_check.h"
#include "pg.h"
#include "sv_path.h"

struct import_payload {
    const char *path, *streamer, *title, *date;
    bool        keep;
};

static const struct sv_payload_text login = { 1, 64, true };
static const struct sv_payload_text title = { 1, 1000, true };

static const struct sv_payload_field fields[] = {
    { "path", true, sv_payload_path, offsetof(struct import_payload, path),
      NULL },
    { "streamer", false, sv_payload_text,
      offsetof(struct import_payload, streamer), &login },
    { "title", false, sv_payload_text,
      offsetof(struct import_payload, title), &title },
    { "date", false, sv_payload_date, offsetof(struct import_payload, date),
      NULL },
    { "keep", false, sv_payload_bool, offsetof(struct import_payload, keep),
      NULL },
};

static bool
read_payload(yajl_val payload, struct import_payload *p, char *err,
             size_t errlen)
{
    memset(p, 0, sizeof(*p));
    if (!sv_payload_read(payload, "", fields, sv_payload_nfields(fields), p,
                         err, errlen)) {
        return false;
    }
    if (strncmp(p->path, SV_IMPORT_DIR "/", sizeof(SV_IMPORT_DIR)) != 0) {
        snprintf(err, errlen, "payload.path must lie in the import folder "
                 "(\"%s/...\")", SV_IMPORT_DIR);
        return false;
    }
    return true;
}

bool
sv_job_import_validate(yajl_val payload, char *err, size_t errlen)
{
    struct import_payload p;

    return read_payload(payload, &p, err, errlen);
}

/* The recording of this import, made by its first run. */
static long long
recording_of(const struct sv_job_run *run, const struct import_payload *p,
             char *err, size_t errlen)
{
    const char *params[] = { run->id, p->path, p->streamer, p->title,
                             p->date, p->keep ? "true" : "false" };
    PGresult   *res;
    long long   id;

    res = sv_pg_query(run->pg, "SELECT library.import_create($1::uuid, $2,"
                      " $3, $4, $5::date, $6::boolean)", 6, params, err,
                      errlen);
    if (res == NULL) {
        return 0;
    }
    id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

int
sv_job_import_run(yajl_val payload, const struct sv_job_run *run, char *err,
                  size_t errlen)
{
    struct import_payload p;
    struct sv_job_submit  next = { .type = "postprocess", .priority = 1,
                                   .payload = "{}" };
    enum sv_redis_result  redis;
    char                  real[PATH_MAX];

    if (!read_payload(payload, &p, err, errlen)
        || !sv_media_resolve_input(p.path, real, err, errlen)
        || (next.recording_id = recording_of(run, &p, err, errlen)) == 0) {
        return -1;
    }
    sv_job_step_id(run->id, next.type, next.id);
    if (!sv_job_submit(run->queue, run->pg, &next, &redis, err, errlen)) {
        return -1;
    }
    sv_log(SV_LOG_INFO, "imported a file", SV_STR("path", p.path),
           SV_INT("recording", next.recording_id));
    return 0;
}
