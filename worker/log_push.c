/*
 * Pushing the recent warnings and errors to Redis (see log_push.h).
 */

#include "log_push.h"

#include <stdint.h>

#include "config_values.h"
#include "json.h"
#include "log.h"

#define STR(x)   #x
#define XSTR(x)  STR(x)

/* KEYS[1] the list; ARGV[1] '{"worker":"<id>",', ARGV[2..] the lines,
 * oldest first, each a JSON object with members, so the worker goes in
 * front of them. A key of another type is not ours: it is replaced. */
static const char push_lua[] =
    "local t = redis.call('TYPE', KEYS[1]).ok "
    "if t ~= 'list' and t ~= 'none' then redis.call('DEL', KEYS[1]) end "
    "for i = 2, #ARGV do "
    "  redis.call('LPUSH', KEYS[1], ARGV[1] .. string.sub(ARGV[i], 2)) "
    "end "
    "redis.call('LTRIM', KEYS[1], 0, " XSTR(SV_LOG_PUSH_KEEP) " - 1) "
    "return #ARGV - 1";

/* One caller (the daemon's thread); too large for its stack. */
static struct sv_log_recent  batch;
static uint64_t              pushed;

enum sv_redis_result
sv_log_push(redisContext *redis, const char *worker_id, char *err,
            size_t errlen)
{
    char                  prefix[sizeof("{\"worker\":\"\",")
                                 + SV_WORKER_ID_MAX];
    const char           *argv[5 + SV_LOG_RECENT_LINES];
    size_t                lens[5 + SV_LOG_RECENT_LINES];
    struct sv_jbuf        b;
    enum sv_redis_result  r;

    sv_log_recent(pushed, &batch);
    if (batch.count == 0) {
        return SV_REDIS_OK;
    }

    /* worker_id is letters, digits, '.', '_' and '-': nothing to escape */
    sv_jbuf_init(&b, prefix, sizeof(prefix));
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "worker", worker_id);
    sv_jbuf_raw(&b, ",", 1);

    argv[0] = "EVAL";
    lens[0] = 4;
    argv[1] = push_lua;
    lens[1] = sizeof(push_lua) - 1;
    argv[2] = "1";
    lens[2] = 1;
    argv[3] = SV_LOG_PUSH_KEY;
    lens[3] = sizeof(SV_LOG_PUSH_KEY) - 1;
    argv[4] = prefix;
    lens[4] = b.len;
    for (size_t i = 0; i < batch.count; i++) {
        argv[5 + i] = batch.line[i];
        lens[5 + i] = batch.len[i];
    }

    r = sv_redis_run(redis, 5 + (int) batch.count, argv, lens, err, errlen);
    if (r == SV_REDIS_OK) {
        pushed = batch.last;
    } else {
        /* at debug level: a warning would be one more line to push */
        sv_log(SV_LOG_DEBUG, "cannot push the recent warnings and errors",
               SV_STR("error", err));
    }
    return r;
}
