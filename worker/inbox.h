/*
 * Job injection: items LPUSHed onto streamvault:inbox are moved onto this
 * worker's inbox:processing list, validated (job_spec.h), then either become
 * a job or are set aside on streamvault:rejected with the reason; nothing is
 * dropped, and an item a killed worker left half-done is taken again.
 */

#ifndef SV_INBOX_H
#define SV_INBOX_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "queue.h"

/* The item a previous run of this worker left behind goes back onto the
 * inbox (at the end taken next). */
enum sv_redis_result sv_inbox_restore(struct sv_queue *q,
                                      const char *worker_id, char *err,
                                      size_t errlen);

/* Takes at most max items; *took says how many there were. */
enum sv_redis_result sv_inbox_drain(struct sv_queue *q, PGconn *pg,
                                    const char *worker_id, unsigned max,
                                    unsigned *took, char *err, size_t errlen);

#endif /* SV_INBOX_H */
