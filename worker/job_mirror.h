/*
 * The record of the queue: every job state change is written to the jobs
 * table in PostgreSQL (what the API reads) and published on
 * streamvault:events (a job that died with a notification too). Redis
 * stays the queue; a failed write is logged, and the next change of the
 * same job writes the whole row again. A report older than the row (its
 * rev, see queue.h) changes nothing.
 */

#ifndef SV_JOB_MIRROR_H
#define SV_JOB_MIRROR_H

#include <hiredis.h>
#include <libpq-fe.h>

#include "json.h"
#include "queue.h"

/* Writes the row (INSERT ... ON CONFLICT DO UPDATE) and the event. */
void sv_job_mirror(PGconn *pg, redisContext *redis,
                   const struct sv_job_summary *job);

/* A running job's progress (0..100): the row and a "job_progress" event. */
void sv_job_mirror_progress(PGconn *pg, redisContext *redis, const char *id,
                            unsigned percent);

/* Every job summary in a script's reply. */
void sv_job_mirror_reply(PGconn *pg, redisContext *redis,
                         const redisReply *reply);

#endif /* SV_JOB_MIRROR_H */
