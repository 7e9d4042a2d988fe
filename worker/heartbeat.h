/*
 * The heartbeat record in Redis: key and JSON value. Pure.
 *
 *   SET streamvault:worker:<worker_id> <json> EX <3 * interval>
 *   {"worker_id":"..","pid":N,"version":"0.1.0","host":"..",
 *    "started_at":"<ISO-8601>","beat_at":"<ISO-8601>"}
 */

#ifndef SV_HEARTBEAT_H
#define SV_HEARTBEAT_H

#include <stddef.h>

#define SV_HEARTBEAT_KEY_PREFIX  "streamvault:worker:"

/* Room for the key of a valid worker_id. */
#define SV_HEARTBEAT_KEY_SIZE    96

/* Room for any value: escaping can grow the host name sixfold. */
#define SV_HEARTBEAT_JSON_SIZE   2048

struct sv_heartbeat {
    const char  *worker_id;
    long         pid;
    const char  *host;
    const char  *started_at;
    const char  *beat_at;
};

/* 0, or -1 if it does not fit in cap. */
int sv_heartbeat_key(const char *worker_id, char *out, size_t cap);

/* The JSON's length, or 0 if it does not fit in cap. Not NUL-terminated. */
size_t sv_heartbeat_json(const struct sv_heartbeat *hb, char *out,
                         size_t cap);

#endif /* SV_HEARTBEAT_H */
