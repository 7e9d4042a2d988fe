/*
 * The eventsub job: one EventSub message nginx verified (see
 * ngx_http_streamvault_eventsub.c), applied to the database through the
 * functions of sql/008_twitch.sql:
 *   {"v":1, "type":"eventsub", "priority":0, "id":"<message id>",
 *    "payload":{"message_type": "notification" | "revocation",
 *               "message_id": "<Twitch-Eventsub-Message-Id>",
 *               "message_timestamp": "<its RFC 3339 timestamp>",
 *               "subscription_type": "stream.online",
 *               "subscription_version": "1",
 *               "body": <the message's JSON body, verbatim>}}
 * Notifications of stream.online v1, stream.offline v1 and channel.update
 * v2, and revocations of any subscription. Anyone may push onto the inbox,
 * so everything used is checked again: ids are digit strings, timestamps
 * RFC 3339, texts bounded; the body's other members are Twitch's business
 * and ignored. An event of an unknown broadcaster or a disabled streamer
 * is ignored (logged at info), and the job succeeds.
 */

#ifndef SV_JOB_EVENTSUB_H
#define SV_JOB_EVENTSUB_H

#include "job_types.h"

enum sv_eventsub_kind {
    SV_EVENTSUB_ONLINE,
    SV_EVENTSUB_OFFLINE,
    SV_EVENTSUB_UPDATE,
    SV_EVENTSUB_REVOCATION
};

/* A payload, read and checked; the strings point into the payload's tree.
 * NULL where the kind has no such member; category_id and category_name
 * are NULL when Twitch sent them empty (no category). */
struct sv_eventsub {
    enum sv_eventsub_kind  kind;
    const char  *message_id, *timestamp;
    const char  *subscription_id, *status;      /* revocation */
    const char  *broadcaster;                   /* notifications */
    const char  *stream_id, *started_at;        /* stream.online */
    const char  *title, *category_id, *category_name;   /* channel.update */
};

/* Reads payload into e; false with the reason. Pure. */
bool sv_eventsub_read(yajl_val payload, struct sv_eventsub *e, char *err,
                      size_t errlen);

bool sv_job_eventsub_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_eventsub_run(yajl_val payload, const struct sv_job_run *run,
                        char *err, size_t errlen);

#endif /* SV_JOB_EVENTSUB_H */
