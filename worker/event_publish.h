/*
 * Events for watchers (the web UI through GET /api/events, scripts with
 * SUBSCRIBE): published on the Redis channel streamvault:events, each
 * numbered by one counter in the same script, so a message reads
 * {"seq":N,...} and the numbers of all publishers are consecutive (what
 * lets nginx replay exactly what a reconnecting client missed,
 * lib/sv_events.h).
 *
 * Events are for watchers, PostgreSQL is the record: a failure to publish
 * is logged at debug level (Redis being down is logged elsewhere) and
 * owes watchers a {"type":"reset"}, published once Redis answers again,
 * which tells them to fetch what they show again.
 */

#ifndef SV_EVENT_PUBLISH_H
#define SV_EVENT_PUBLISH_H

#include <hiredis.h>

#include "json.h"
#include "sv_events.h"

/* The channel PostgreSQL's triggers notify on (sql/012_events.sql). */
#define SV_EVENTS_PG_CHANNEL  "streamvault_events"

/* Publishes the JSON object in b (it must have a member), unless it was
 * truncated. */
void sv_event_publish(redisContext *redis, const struct sv_jbuf *b);

/* Relays a notification from PostgreSQL: every worker hears it, the first
 * relay publishes it (a Redis key per payload, kept 10 minutes). */
void sv_event_relay(redisContext *redis, const char *payload);

/* Events may have been lost without a failed publish (PostgreSQL's
 * notifications while this worker was not listening): a reset is owed. */
void sv_event_lost(void);

/* Publishes the reset owed, if one is. */
void sv_event_resync(redisContext *redis);

#endif /* SV_EVENT_PUBLISH_H */
