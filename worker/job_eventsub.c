/*
 * The eventsub job (see job_eventsub.h).
 */

#include "job_eventsub.h"

#include <stdio.h>
#include <string.h>

#include "json_tree.h"
#include "log.h"
#include "payload_check.h"
#include "pg.h"
#include "sv_rfc3339.h"

#define DIGITS  "0123456789"
#define ALNUM   DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* What a string member may be: min..max bytes, all of them in charset
 * (NULL: any) or an RFC 3339 timestamp, described as shape in the
 * reason. */
struct shape {
    size_t       min, max;
    const char  *charset;
    bool         rfc3339;
    const char  *shape;
};

/* Twitch's ids of users, streams and categories are digit strings. */
static const struct shape twitch_id = {
    1, 20, DIGITS, false, "1..20 digits"
};
static const struct shape category_id = {
    0, 32, DIGITS, false, "at most 32 digits"
};
/* A subscription id is a UUID; a little room beyond, never more. */
static const struct shape subscription_id = {
    1, 64, ALNUM "-_", false, "1..64 letters, digits, '-' or '_'"
};
static const struct shape status = {
    1, 64, DIGITS "abcdefghijklmnopqrstuvwxyz_", false, "1..64 of [a-z0-9_]"
};
static const struct shape timestamp = {
    1, SV_RFC3339_MAX, NULL, true, "an RFC 3339 timestamp"
};
/* Twitch allows 140 characters of title; SQL cuts what is stored. */
static const struct shape title = {
    0, 4096, NULL, false, "a string of at most 4096 bytes"
};
static const struct shape category_name = {
    0, 1024, NULL, false, "a string of at most 1024 bytes"
};

/* The payload's own members. */
struct head {
    const char *message_type, *message_id, *timestamp, *type, *version;
    yajl_val    body;
};

static const struct sv_payload_text message_id_text = { 1, 128, true };
static const struct sv_payload_text timestamp_text = { 1, SV_RFC3339_MAX,
                                                       true };
static const struct sv_payload_text type_text = { 1, 64, true };
static const struct sv_payload_text version_text = { 1, 16, true };

static const struct sv_payload_field fields[] = {
    { "message_type", true, sv_payload_choice,
      offsetof(struct head, message_type),
      (const char *const []) { "notification", "revocation", NULL } },
    { "message_id", true, sv_payload_text, offsetof(struct head, message_id),
      &message_id_text },
    { "message_timestamp", true, sv_payload_text,
      offsetof(struct head, timestamp), &timestamp_text },
    { "subscription_type", true, sv_payload_text, offsetof(struct head, type),
      &type_text },
    { "subscription_version", true, sv_payload_text,
      offsetof(struct head, version), &version_text },
    { "body", true, sv_payload_object, offsetof(struct head, body), NULL },
};

/* The notifications handled: type, version, kind. */
static const struct {
    const char             *type, *version;
    enum sv_eventsub_kind   kind;
} handled[] = {
    { "stream.online", "1", SV_EVENTSUB_ONLINE },
    { "stream.offline", "1", SV_EVENTSUB_OFFLINE },
    { "channel.update", "2", SV_EVENTSUB_UPDATE },
};

static bool
fits(const char *s, const struct shape *sh)
{
    size_t  len = strlen(s);
    int64_t t;

    if (len < sh->min || len > sh->max) {
        return false;
    }
    if (sh->charset != NULL && strspn(s, sh->charset) != len) {
        return false;
    }
    return !sh->rfc3339 || sv_rfc3339_parse(s, len, &t) == 0;
}

/* The string member key of obj (payload.<path>) if it has the shape, else
 * NULL with the reason. */
static const char *
member(yajl_val obj, const char *path, const char *key,
       const struct shape *sh, char *err, size_t errlen)
{
    yajl_val    v = sv_tree_member(obj, key, yajl_t_string);
    const char *s = v != NULL ? YAJL_GET_STRING(v) : NULL;

    if (s == NULL || !fits(s, sh)) {
        snprintf(err, errlen, "payload.%s.%s must be %s", path, key,
                 sh->shape);
        return NULL;
    }
    return s;
}

/* An optional string member into *out: absent, null or "" (what Twitch
 * sends for no category) is NULL. False with the reason. */
static bool
optional(yajl_val obj, const char *path, const char *key,
         const struct shape *sh, const char **out, char *err, size_t errlen)
{
    yajl_val v = sv_tree_member(obj, key, yajl_t_any);

    *out = NULL;
    if (v == NULL || YAJL_IS_NULL(v)) {
        return true;
    }
    *out = member(obj, path, key, sh, err, errlen);
    if (*out == NULL) {
        return false;
    }
    if ((*out)[0] == '\0') {
        *out = NULL;
    }
    return true;
}

static bool
read_event(yajl_val body, struct sv_eventsub *e, char *err, size_t errlen)
{
    yajl_val event = sv_tree_member(body, "event", yajl_t_object);

    if (event == NULL) {
        snprintf(err, errlen, "payload.body.event must be an object");
        return false;
    }
    e->broadcaster = member(event, "body.event", "broadcaster_user_id",
                            &twitch_id, err, errlen);
    if (e->broadcaster == NULL) {
        return false;
    }
    switch (e->kind) {
    case SV_EVENTSUB_ONLINE:
        e->stream_id = member(event, "body.event", "id", &twitch_id, err,
                              errlen);
        e->started_at = e->stream_id == NULL ? NULL
                        : member(event, "body.event", "started_at",
                                 &timestamp, err, errlen);
        return e->started_at != NULL;
    case SV_EVENTSUB_UPDATE:
        e->title = member(event, "body.event", "title", &title, err, errlen);
        return e->title != NULL
               && optional(event, "body.event", "category_id", &category_id,
                           &e->category_id, err, errlen)
               && optional(event, "body.event", "category_name",
                           &category_name, &e->category_name, err, errlen);
    default:
        return true;
    }
}

bool
sv_eventsub_read(yajl_val payload, struct sv_eventsub *e, char *err,
                 size_t errlen)
{
    struct head h = { 0 };
    yajl_val    sub;
    const char *type, *version;
    size_t      i;

    memset(e, 0, sizeof(*e));
    if (!sv_payload_read(payload, "", fields, sv_payload_nfields(fields), &h,
                         err, errlen))
    {
        return false;
    }
    if (strspn(h.message_id, ALNUM "_.:-") != strlen(h.message_id)) {
        snprintf(err, errlen, "payload.message_id must be of [A-Za-z0-9_.:-]");
        return false;
    }
    if (!fits(h.timestamp, &timestamp)) {
        snprintf(err, errlen, "payload.message_timestamp must be %s",
                 timestamp.shape);
        return false;
    }
    e->message_id = h.message_id;
    e->timestamp = h.timestamp;

    /* The body's subscription is the one the headers named. */
    sub = sv_tree_member(h.body, "subscription", yajl_t_object);
    if (sub == NULL) {
        snprintf(err, errlen, "payload.body.subscription must be an object");
        return false;
    }
    e->subscription_id = member(sub, "body.subscription", "id",
                                &subscription_id, err, errlen);
    if (e->subscription_id == NULL) {
        return false;
    }
    type = sv_tree_string(sub, "type");
    version = sv_tree_string(sub, "version");
    if (type == NULL || version == NULL || strcmp(type, h.type) != 0
        || strcmp(version, h.version) != 0)
    {
        snprintf(err, errlen, "payload.body.subscription type and version "
                 "must be payload.subscription_type and _version");
        return false;
    }

    if (strcmp(h.message_type, "revocation") == 0) {
        e->kind = SV_EVENTSUB_REVOCATION;
        e->status = member(sub, "body.subscription", "status", &status, err,
                           errlen);
        return e->status != NULL;
    }
    for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++) {
        if (strcmp(handled[i].type, h.type) == 0
            && strcmp(handled[i].version, h.version) == 0)
        {
            break;
        }
    }
    if (i == sizeof(handled) / sizeof(handled[0])) {
        snprintf(err, errlen, "payload.subscription_type must be "
                 "stream.online v1, stream.offline v1 or channel.update v2");
        return false;
    }
    e->kind = handled[i].kind;
    return read_event(h.body, e, err, errlen);
}

bool
sv_job_eventsub_validate(yajl_val payload, char *err, size_t errlen)
{
    struct sv_eventsub e;

    return sv_eventsub_read(payload, &e, err, errlen);
}

/* Each kind's call; every answer is a JSON object, {"ignored": why} when
 * the event concerns no streamer of ours. */
static const char *const calls[] = {
    [SV_EVENTSUB_ONLINE] =
        "SELECT twitch.stream_online($1, $2, $3::timestamptz, NULL, NULL,"
        " NULL)::text",
    [SV_EVENTSUB_OFFLINE] =
        "SELECT twitch.stream_offline($1, $2::timestamptz)::text",
    [SV_EVENTSUB_UPDATE] =
        "SELECT twitch.channel_update($1, $2, $3, $4, $5::timestamptz)::text",
    [SV_EVENTSUB_REVOCATION] =
        "SELECT jsonb_build_object('subscription', $1::text, 'status',"
        " $2::text)::text"
        "  FROM twitch.subscription_revoked($1, $2, $3::timestamptz)",
};

static const char *const kinds[] = {
    [SV_EVENTSUB_ONLINE] = "stream.online",
    [SV_EVENTSUB_OFFLINE] = "stream.offline",
    [SV_EVENTSUB_UPDATE] = "channel.update",
    [SV_EVENTSUB_REVOCATION] = "revocation",
};

int
sv_job_eventsub_run(yajl_val payload, const struct sv_job_run *run,
                    char *err, size_t errlen)
{
    struct sv_eventsub  e;
    const char         *params[5];
    int                 n = 0;
    PGresult           *res;
    yajl_val            answer;
    const char         *ignored;

    if (run->pg == NULL) {
        snprintf(err, errlen, "this process has no database connection");
        return -1;
    }
    if (!sv_eventsub_read(payload, &e, err, errlen)) {
        return -1;
    }
    switch (e.kind) {
    case SV_EVENTSUB_ONLINE:
        params[n++] = e.broadcaster;
        params[n++] = e.stream_id;
        params[n++] = e.started_at;
        break;
    case SV_EVENTSUB_OFFLINE:
        params[n++] = e.broadcaster;
        params[n++] = e.timestamp;
        break;
    case SV_EVENTSUB_UPDATE:
        params[n++] = e.broadcaster;
        params[n++] = e.title;
        params[n++] = e.category_id;
        params[n++] = e.category_name;
        params[n++] = e.timestamp;
        break;
    case SV_EVENTSUB_REVOCATION:
        params[n++] = e.subscription_id;
        params[n++] = e.status;
        params[n++] = e.timestamp;
        break;
    }

    res = sv_pg_query(run->pg, calls[e.kind], n, params, err, errlen);
    if (res == NULL) {
        return -1;
    }
    answer = yajl_tree_parse(PQgetvalue(res, 0, 0), NULL, 0);
    ignored = sv_tree_string(answer, "ignored");
    if (ignored != NULL) {
        sv_log(SV_LOG_INFO, "EventSub event ignored",
               SV_STR("event", kinds[e.kind]),
               SV_STR("message_id", e.message_id), SV_STR("why", ignored));
    } else {
        sv_log(SV_LOG_INFO, "EventSub event applied",
               SV_STR("event", kinds[e.kind]),
               SV_STR("message_id", e.message_id),
               SV_STR("result", PQgetvalue(res, 0, 0)));
    }
    yajl_tree_free(answer);
    PQclear(res);
    return 0;
}
