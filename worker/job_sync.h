/*
 * PostgreSQL -> Redis: what the API changed (api.jobs_retry and
 * api.jobs_cancel NOTIFY streamvault_jobs with the job id) and what Redis
 * lost (appendfsync everysec can lose the last second; a FLUSHALL loses
 * everything): jobs the table says are unfinished but Redis does not know
 * are enqueued again from their row. The same connection hears the
 * database's events (sql/012_events.sql) and relays them to Redis.
 */

#ifndef SV_JOB_SYNC_H
#define SV_JOB_SYNC_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "queue.h"

#define SV_JOBS_CHANNEL  "streamvault_jobs"

/* LISTEN on this connection; false (logged) if PostgreSQL refused. */
bool sv_job_sync_listen(PGconn *pg);

/* Applies every notification that arrived; relays the events. */
enum sv_redis_result sv_job_sync_notifications(struct sv_queue *q, PGconn *pg,
                                               char *err, size_t errlen);

/* Enqueues the unfinished jobs Redis does not know. */
enum sv_redis_result sv_job_sync_recover(struct sv_queue *q, PGconn *pg,
                                         char *err, size_t errlen);

#endif /* SV_JOB_SYNC_H */
