/*
 * Heartbeat key and value (see heartbeat.h).
 */

#include "heartbeat.h"

#include <stdio.h>

#include "json.h"
#include "sv_version.h"

int
sv_heartbeat_key(const char *worker_id, char *out, size_t cap)
{
    int n = snprintf(out, cap, SV_HEARTBEAT_KEY_PREFIX "%s", worker_id);

    return n >= 0 && (size_t) n < cap ? 0 : -1;
}

size_t
sv_heartbeat_json(const struct sv_heartbeat *hb, char *out, size_t cap)
{
    struct sv_jbuf b;

    sv_jbuf_init(&b, out, cap);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "worker_id", hb->worker_id);
    sv_jbuf_member_int(&b, "pid", hb->pid);
    sv_jbuf_member_string(&b, "version", STREAMVAULT_VERSION);
    sv_jbuf_member_string(&b, "host", hb->host);
    sv_jbuf_member_string(&b, "started_at", hb->started_at);
    sv_jbuf_member_string(&b, "beat_at", hb->beat_at);
    sv_jbuf_raw(&b, "}", 1);

    return b.truncated ? 0 : b.len;
}
