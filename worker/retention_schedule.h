/*
 * The hourly retention job. Each hour (UTC hour slots since the epoch) one
 * retention job runs, whichever worker submits it first: its id is derived
 * from the slot (SHA-256 of "retention:<slot>", as sv_job_step_id), and its
 * row is inserted into PostgreSQL before it is queued, so a second worker,
 * or this one restarted, finds it there and submits nothing. A worker
 * leaves the first SV_RETENTION_GRACE_S after its start to the others, so
 * restarts and short-lived workers do not each run it.
 */

#ifndef SV_RETENTION_SCHEDULE_H
#define SV_RETENTION_SCHEDULE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "queue.h"

#define SV_RETENTION_PERIOD_S   3600
#define SV_RETENTION_GRACE_S    300
#define SV_RETENTION_PRIORITY   9       /* after everything else */

/* Called every pass of the job loop; cheap when nothing is due. A Redis
 * connection error is returned (the caller reconnects); anything else is
 * logged and tried again a minute later. */
enum sv_redis_result sv_retention_schedule(struct sv_queue *q, PGconn *pg,
                                           char *err, size_t errlen);

#endif /* SV_RETENTION_SCHEDULE_H */
