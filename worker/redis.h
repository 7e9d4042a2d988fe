/*
 * Redis for the worker: hiredis' synchronous API with timeouts, so a dead
 * or unreachable server costs at most SV_REDIS_TIMEOUT_MS per call.
 */

#ifndef SV_REDIS_H
#define SV_REDIS_H

#include <hiredis.h>
#include <stddef.h>

#include "backoff.h"
#include "config_values.h"

#define SV_REDIS_TIMEOUT_MS  2000

enum sv_redis_result {
    SV_REDIS_OK,
    SV_REDIS_REPLY_ERROR,   /* the server answered with an error */
    SV_REDIS_CONN_ERROR     /* the connection is unusable: reconnect */
};

/* One attempt; NULL with the reason in err. */
redisContext *sv_redis_connect(const struct sv_redis_addr *addr, char *err,
                               size_t errlen);

/* As sv_pg_connect_paced: logs, and schedules the next try in r on failure
 * (r is reset by the caller once the connection proved useful). */
redisContext *sv_redis_connect_paced(const struct sv_redis_addr *addr,
                                     struct sv_retry *r);

/* Runs a command given as binary-safe arguments; the reply is discarded. */
enum sv_redis_result sv_redis_run(redisContext *c, int argc,
                                  const char **argv, const size_t *lens,
                                  char *err, size_t errlen);

#endif /* SV_REDIS_H */
