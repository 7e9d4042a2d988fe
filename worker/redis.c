/*
 * Redis connecting and commands (see redis.h).
 */

#include "redis.h"

#include <stdio.h>
#include <sys/time.h>

#include "log.h"
#include "retry_log.h"

static const struct timeval redis_timeout = {
    .tv_sec = SV_REDIS_TIMEOUT_MS / 1000,
    .tv_usec = (SV_REDIS_TIMEOUT_MS % 1000) * 1000,
};

redisContext *
sv_redis_connect(const struct sv_redis_addr *addr, char *err, size_t errlen)
{
    redisContext *c;

    c = addr->is_unix ? redisConnectUnixWithTimeout(addr->path, redis_timeout)
                      : redisConnectWithTimeout(addr->host, addr->port,
                                                redis_timeout);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (c->err == 0 && redisSetTimeout(c, redis_timeout) != REDIS_OK) {
        snprintf(err, errlen, "cannot set the socket timeout");
        redisFree(c);
        return NULL;
    }

    if (c->err != 0) {
        snprintf(err, errlen, "%s", c->errstr);
        redisFree(c);
        return NULL;
    }

    return c;
}

redisContext *
sv_redis_connect_paced(const struct sv_redis_addr *addr, struct sv_retry *r)
{
    char           err[256];
    redisContext  *c = sv_redis_connect(addr, err, sizeof(err));

    if (c == NULL) {
        sv_retry_failed_logged(r, "cannot connect to Redis, retrying; check "
                               "that it runs and that 'redis' in the config "
                               "is right", err);
        return NULL;
    }

    sv_log(SV_LOG_INFO, "connected to Redis");
    return c;
}

enum sv_redis_result
sv_redis_run(redisContext *c, int argc, const char **argv,
             const size_t *lens, char *err, size_t errlen)
{
    redisReply            *reply;
    enum sv_redis_result   result = SV_REDIS_OK;

    reply = redisCommandArgv(c, argc, argv, lens);
    if (reply == NULL) {
        snprintf(err, errlen, "%s", c->err != 0 ? c->errstr : "no reply");
        return SV_REDIS_CONN_ERROR;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "%.*s", (int) reply->len, reply->str);
        result = SV_REDIS_REPLY_ERROR;
    }

    freeReplyObject(reply);
    return result;
}
