/*
 * The workers' recent warnings and errors, for GET /api/system/status: the
 * daemon pushes the lines log.h keeps onto the Redis list streamvault:logs,
 * newest first, each as {"worker":"<worker_id>",<the line's members>}, and
 * trims the list to SV_LOG_PUSH_KEEP in the same script. nginx never reads
 * the log file; it reads this list.
 */

#ifndef SV_LOG_PUSH_H
#define SV_LOG_PUSH_H

#include <hiredis.h>
#include <stddef.h>

#include "redis.h"

#define SV_LOG_PUSH_KEY   "streamvault:logs"
#define SV_LOG_PUSH_KEEP  200

/* Pushes what was logged since the last push that succeeded; on a failure
 * the lines wait for the next call (as many as log.h keeps). */
enum sv_redis_result sv_log_push(redisContext *redis, const char *worker_id,
                                 char *err, size_t errlen);

#endif /* SV_LOG_PUSH_H */
