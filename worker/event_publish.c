/*
 * Publishing numbered events (see event_publish.h).
 */

#include "event_publish.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "redis.h"
#include "sha256.h"

#define RELAYED_PREFIX  "streamvault:events:relayed:"

/* KEYS: the counter, the channel, [the key that lets one relay through].
 * ARGV[1] starts with "{" and has a member, so the seq goes in front. */
static const char publish_lua[] =
    "if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', 600)"
    " then return 0 end "
    "local seq = redis.call('INCR', KEYS[1]) "
    "redis.call('PUBLISH', KEYS[2],"
    " '{\"seq\":' .. seq .. ',' .. string.sub(ARGV[1], 2)) "
    "return seq";

/* Whether watchers may have missed an event (see sv_event_lost()). */
static bool reset_owed;

static bool
publish(redisContext *redis, const char *json, size_t len, const char *once)
{
    char         err[256];
    const char  *argv[] = { "EVAL", publish_lua, once ? "3" : "2",
                            SV_EVENTS_SEQ_KEY, SV_EVENTS_CHANNEL,
                            once ? once : json, json };
    size_t       lens[] = { 4, sizeof(publish_lua) - 1, 1,
                            sizeof(SV_EVENTS_SEQ_KEY) - 1,
                            sizeof(SV_EVENTS_CHANNEL) - 1,
                            once ? strlen(once) : len, len };
    int          argc = once ? 7 : 6;   /* without once, json is argv[5] */

    /* "{" plus at least one member */
    if (len < 3 || json[0] != '{' || json[len - 1] != '}') {
        return true;
    }
    if (redis == NULL) {
        reset_owed = true;
        return false;
    }
    if (sv_redis_run(redis, argc, argv, lens, err, sizeof(err))
        != SV_REDIS_OK) {
        sv_log(SV_LOG_DEBUG, "cannot publish an event", SV_STR("error", err));
        reset_owed = true;
        return false;
    }
    return true;
}

void
sv_event_publish(redisContext *redis, const struct sv_jbuf *b)
{
    if (!b->truncated) {
        publish(redis, b->data, b->len, NULL);
    }
}

void
sv_event_relay(redisContext *redis, const char *payload)
{
    char key[sizeof(RELAYED_PREFIX) + SV_SHA256_HEX_SIZE];

    memcpy(key, RELAYED_PREFIX, sizeof(RELAYED_PREFIX) - 1);
    if (sv_sha256_hex(payload, strlen(payload),
                      key + sizeof(RELAYED_PREFIX) - 1) != 0) {
        return;
    }
    publish(redis, payload, strlen(payload), key);
}

void
sv_event_lost(void)
{
    reset_owed = true;
}

void
sv_event_resync(redisContext *redis)
{
    static const char reset[] = "{\"type\":\"reset\"}";

    if (reset_owed && redis != NULL) {
        reset_owed = false;
        reset_owed = !publish(redis, reset, sizeof(reset) - 1, NULL);
    }
}
