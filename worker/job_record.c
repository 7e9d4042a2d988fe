/*
 * The record job (see job_record.h).
 */

#include "job_record.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "av_rec.h"
#include "log.h"
#include "payload_check.h"
#include "recorder.h"
#include "recorder_db.h"

struct record_payload {
    const char *streamer, *source_url, *title;
    long long   duration_s;
};

static const struct sv_payload_text login = { 1, 64, true };
static const struct sv_payload_text url = { 8, 2048, true };
static const struct sv_payload_text title = { 1, 1000, true };

static const struct sv_payload_field fields[] = {
    { "streamer", false, sv_payload_text,
      offsetof(struct record_payload, streamer), &login },
    { "source_url", false, sv_payload_text,
      offsetof(struct record_payload, source_url), &url },
    { "duration_s", false, sv_payload_integer,
      offsetof(struct record_payload, duration_s),
      sv_payload_range(1, 172800) },
    { "title", false, sv_payload_text,
      offsetof(struct record_payload, title), &title },
};

static bool
read_payload(yajl_val payload, struct record_payload *p, char *err,
             size_t errlen)
{
    memset(p, 0, sizeof(*p));
    if (!sv_payload_read(payload, "", fields, sv_payload_nfields(fields), p,
                         err, errlen)) {
        return false;
    }
    if (p->streamer != NULL && p->source_url != NULL) {
        snprintf(err, errlen, "payload.streamer and payload.source_url "
                 "exclude each other");
        return false;
    }
    if (p->source_url != NULL && strncmp(p->source_url, "http://", 7) != 0
        && strncmp(p->source_url, "https://", 8) != 0
        && !sv_av_source_wants(p->source_url)) {
        snprintf(err, errlen, "payload.source_url must be http(s), rtmp(s), "
                 "rtsp(s) or srt");
        return false;
    }
    return true;
}

bool
sv_job_record_validate(yajl_val payload, char *err, size_t errlen)
{
    struct record_payload p;

    return read_payload(payload, &p, err, errlen);
}

int
sv_job_record_run(yajl_val payload, const struct sv_job_run *run, char *err,
                  size_t errlen)
{
    struct record_payload p;
    long long             id = run->recording_id;
    bool                  already = false;

    if (run->recorder == NULL || run->pg == NULL) {
        snprintf(err, errlen, "this process does not record");
        return -1;
    }
    if (!read_payload(payload, &p, err, errlen)
        || !sv_recorder_can_start(run->recorder, err, errlen)) {
        return -1;
    }
    if (id == 0) {
        if (p.streamer == NULL && p.source_url == NULL) {
            snprintf(err, errlen, "a record job names a recording_id, a "
                     "payload.streamer or a payload.source_url");
            return -1;
        }
        if (!sv_recdb_create(run->pg, p.streamer, p.source_url, p.duration_s,
                             p.title, &id, &already, err, errlen)) {
            return -1;
        }
    }
    if (already) {
        sv_log(SV_LOG_INFO, "the streamer has a recording already",
               SV_STR("job", run->id), SV_INT("recording", id));
    }
    /* Already pending with nobody on it (its job lost), it is ours now. */
    return sv_recorder_start(run->recorder, run->pg, id, err, errlen);
}
