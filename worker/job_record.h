/*
 * The record job: starts recording in this worker (recorder.h) and is done;
 * the recording goes on after the job, its state in PostgreSQL.
 *
 * A recording the API or a schedule made ('pending', sql/006_recorder.sql):
 *   {"v":1, "type":"record", "recording_id":42, "payload":{}}
 * Injected by a script, the recording is made here:
 *   {"v":1, "type":"record", "payload":
 *     {"streamer": "<login>"              a streamer's channel, or
 *      "source_url": "https://.../x.m3u8", an HLS playlist or any source
                                         the worker records (av_rec.h)
 *      "duration_s": 3600,                optional: until the stream ends
 *      "title": "..."}}                   optional
 * A streamer being recorded already is not recorded twice (one broadcast,
 * one recording). The job fails (and is retried later) while this worker
 * records max_recordings streams or the disk guard holds.
 */

#ifndef SV_JOB_RECORD_H
#define SV_JOB_RECORD_H

#include "job_types.h"

bool sv_job_record_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_record_run(yajl_val payload, const struct sv_job_run *run,
                      char *err, size_t errlen);

#endif /* SV_JOB_RECORD_H */
