/*
 * Reading eventsub job payloads (worker/job_eventsub.c): what each kind of
 * message gives, and the hostile ones refused with a reason naming the
 * member.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "job_eventsub.h"
#include "tap.h"

#define SUB(type, version, status)                                            \
    "\"subscription\":{\"id\":\"f1c2a387-161a-49f9-a165-0f21d7a4e1c4\","      \
    "\"type\":\"" type "\",\"version\":\"" version "\",\"status\":\""         \
    status "\",\"cost\":0,\"condition\":{\"broadcaster_user_id\":\"1337\"},"  \
    "\"transport\":{\"method\":\"webhook\",\"callback\":"                     \
    "\"https://example.com/eventsub\"},"                                      \
    "\"created_at\":\"2026-11-21T10:00:00.123Z\"}"

#define ONLINE_EVENT                                                          \
    "\"event\":{\"id\":\"9001\",\"broadcaster_user_id\":\"1337\","            \
    "\"broadcaster_user_login\":\"cool_user\",\"type\":\"live\","             \
    "\"started_at\":\"2026-11-21T10:00:00.123Z\"}"

/* Payloads refused: the reason must contain reason. */
static const struct {
    const char *name, *mt, *type, *version, *body, *reason;
} bad[] = {
    { "a verification", "webhook_callback_verification", "stream.online",
      "1", "{}", "payload.message_type" },
    { "a body that is a string", "notification", "stream.online", "1",
      "\"x\"", "payload.body must be an object" },
    { "no subscription", "notification", "stream.online", "1",
      "{" ONLINE_EVENT "}", "payload.body.subscription must be an object" },
    { "body and header disagree", "notification", "stream.online", "1",
      "{" SUB("stream.offline", "1", "enabled") "," ONLINE_EVENT "}",
      "subscription type and version" },
    { "stream.online v2", "notification", "stream.online", "2",
      "{" SUB("stream.online", "2", "enabled") "," ONLINE_EVENT "}",
      "payload.subscription_type must be" },
    { "an unhandled type", "notification", "channel.follow", "2",
      "{" SUB("channel.follow", "2", "enabled") "," ONLINE_EVENT "}",
      "payload.subscription_type must be" },
    { "no event", "notification", "stream.online", "1",
      "{" SUB("stream.online", "1", "enabled") "}",
      "payload.body.event must be an object" },
    { "a broadcaster id with a space", "notification", "stream.online", "1",
      "{" SUB("stream.online", "1", "enabled") ",\"event\":{\"id\":\"9001\","
      "\"broadcaster_user_id\":\"13 37\",\"started_at\":"
      "\"2026-11-21T10:00:00Z\"}}",
      "payload.body.event.broadcaster_user_id must be 1..20 digits" },
    { "a stream id as a number", "notification", "stream.online", "1",
      "{" SUB("stream.online", "1", "enabled") ",\"event\":{\"id\":9001,"
      "\"broadcaster_user_id\":\"1337\",\"started_at\":"
      "\"2026-11-21T10:00:00Z\"}}",
      "payload.body.event.id must be 1..20 digits" },
    { "a stream id of 21 digits", "notification", "stream.online", "1",
      "{" SUB("stream.online", "1", "enabled") ",\"event\":{\"id\":"
      "\"123456789012345678901\",\"broadcaster_user_id\":\"1337\","
      "\"started_at\":\"2026-11-21T10:00:00Z\"}}",
      "payload.body.event.id must be 1..20 digits" },
    { "February 30th", "notification", "stream.online", "1",
      "{" SUB("stream.online", "1", "enabled") ",\"event\":{\"id\":\"9001\","
      "\"broadcaster_user_id\":\"1337\",\"started_at\":"
      "\"2026-02-30T10:00:00Z\"}}",
      "payload.body.event.started_at must be an RFC 3339" },
    { "SQL as started_at", "notification", "stream.online", "1",
      "{" SUB("stream.online", "1", "enabled") ",\"event\":{\"id\":\"9001\","
      "\"broadcaster_user_id\":\"1337\",\"started_at\":"
      "\"yesterday'); DROP TABLE streams; --\"}}",
      "payload.body.event.started_at must be an RFC 3339" },
    { "a bad status", "revocation", "stream.online", "1",
      "{" SUB("stream.online", "1", "Revoked!") "}",
      "payload.body.subscription.status must be" },
    { "a bad subscription id", "revocation", "stream.online", "1",
      "{\"subscription\":{\"id\":\"a/../b\",\"type\":\"stream.online\","
      "\"version\":\"1\",\"status\":\"x\"}}",
      "payload.body.subscription.id must be" },
    { "a category id with a letter", "notification", "channel.update", "2",
      "{" SUB("channel.update", "2", "enabled") ",\"event\":{"
      "\"broadcaster_user_id\":\"1337\",\"title\":\"t\","
      "\"category_id\":\"12a\",\"category_name\":\"c\"}}",
      "payload.body.event.category_id must be at most 32 digits" },
    { "a null title", "notification", "channel.update", "2",
      "{" SUB("channel.update", "2", "enabled") ",\"event\":{"
      "\"broadcaster_user_id\":\"1337\",\"title\":null}}",
      "payload.body.event.title must be a string" },
};

/* Refused payloads of another shape. */
static const struct {
    const char *name, *json, *reason;
} bad_raw[] = {
    { "not an object", "[]", "payload" },
    { "members missing", "{\"message_type\":\"notification\"}",
      "payload.message_id" },
    { "a message id with a space",
      "{\"message_type\":\"notification\",\"message_id\":\"a b\","
      "\"message_timestamp\":\"2026-11-21T10:00:00Z\","
      "\"subscription_type\":\"stream.offline\","
      "\"subscription_version\":\"1\",\"body\":{}}",
      "payload.message_id must be of" },
    { "a timestamp without T",
      "{\"message_type\":\"notification\",\"message_id\":\"a\","
      "\"message_timestamp\":\"2026-11-21 10:00:00\","
      "\"subscription_type\":\"stream.offline\","
      "\"subscription_version\":\"1\",\"body\":{}}",
      "payload.message_timestamp must be an RFC 3339" },
    { "an unknown payload member",
      "{\"message_type\":\"notification\",\"message_id\":\"a\","
      "\"message_timestamp\":\"2026-11-21T10:00:00Z\","
      "\"subscription_type\":\"stream.offline\","
      "\"subscription_version\":\"1\",\"body\":{},\"extra\":1}",
      "unknown field \"extra\"" },
};

/* A payload of message_type mt for type/version with body. */
static char *
payload(const char *mt, const char *type, const char *version,
        const char *body)
{
    static char buf[8192];

    snprintf(buf, sizeof(buf),
             "{\"message_type\":\"%s\",\"message_id\":\"befa7b53-d79d-478f"
             "-86b9-120f112b044e\",\"message_timestamp\":\"2026-11-21T10:00:"
             "01.634234626Z\",\"subscription_type\":\"%s\","
             "\"subscription_version\":\"%s\",\"body\":%s}",
             mt, type, version, body);
    return buf;
}

/* Reads json; "" when read, else the reason. e and *tree are kept. */
static const char *
read_json(const char *json, struct sv_eventsub *e, yajl_val *tree)
{
    static char err[256];
    char        perr[128];

    err[0] = '\0';
    *tree = yajl_tree_parse(json, perr, sizeof(perr));
    if (*tree == NULL) {
        snprintf(err, sizeof(err), "parse: %s", perr);
        return err;
    }
    if (!sv_eventsub_read(*tree, e, err, sizeof(err)) && err[0] == '\0') {
        snprintf(err, sizeof(err), "refused without a reason");
    }
    return err;
}

static void
refused(const char *json, const char *reason_part, const char *name)
{
    struct sv_eventsub e;
    yajl_val           tree;
    const char        *err = read_json(json, &e, &tree);

    if (!tap_ok(err[0] != '\0' && strstr(err, reason_part) != NULL,
                "refused: %s", name))
    {
        fprintf(stderr, "# reason: \"%s\", wanted \"%s\"\n", err,
                reason_part);
    }
    yajl_tree_free(tree);
}

int
main(void)
{
    struct sv_eventsub e;
    yajl_val           tree;
    char               title[4098], body[6000];

    /* stream.online */
    tap_is_str(read_json(payload("notification", "stream.online", "1",
                                 "{" SUB("stream.online", "1", "enabled") ","
                                 ONLINE_EVENT "}"), &e, &tree),
               "", "stream.online is read");
    tap_ok(e.kind == SV_EVENTSUB_ONLINE, "as stream.online");
    tap_is_str(e.broadcaster, "1337", "broadcaster");
    tap_is_str(e.stream_id, "9001", "the stream id");
    tap_is_str(e.started_at, "2026-11-21T10:00:00.123Z", "started_at");
    tap_is_str(e.timestamp, "2026-11-21T10:00:01.634234626Z",
               "the message timestamp");
    tap_is_str(e.message_id, "befa7b53-d79d-478f-86b9-120f112b044e",
               "the message id");
    yajl_tree_free(tree);

    /* stream.offline */
    tap_is_str(read_json(payload("notification", "stream.offline", "1",
                                 "{" SUB("stream.offline", "1", "enabled")
                                 ",\"event\":{\"broadcaster_user_id\":"
                                 "\"1337\"}}"), &e, &tree),
               "", "stream.offline is read");
    tap_ok(e.kind == SV_EVENTSUB_OFFLINE && strcmp(e.broadcaster, "1337") == 0
           && e.stream_id == NULL, "as stream.offline of 1337");
    yajl_tree_free(tree);

    /* channel.update v2, with a category and without */
    tap_is_str(read_json(payload("notification", "channel.update", "2",
                                 "{" SUB("channel.update", "2", "enabled")
                                 ",\"event\":{\"broadcaster_user_id\":\"1337\","
                                 "\"title\":\"Speedrun \\u00e9 \\n\","
                                 "\"language\":\"en\",\"category_id\":"
                                 "\"21779\",\"category_name\":\"League\","
                                 "\"content_classification_labels\":[]}}"),
                         &e, &tree),
               "", "channel.update is read");
    tap_ok(e.kind == SV_EVENTSUB_UPDATE, "as channel.update");
    tap_is_str(e.title, "Speedrun \xc3\xa9 \n", "the title as sent");
    tap_is_str(e.category_id, "21779", "the category id");
    tap_is_str(e.category_name, "League", "the category name");
    yajl_tree_free(tree);
    tap_is_str(read_json(payload("notification", "channel.update", "2",
                                 "{" SUB("channel.update", "2", "enabled")
                                 ",\"event\":{\"broadcaster_user_id\":\"1337\","
                                 "\"title\":\"\",\"category_id\":\"\","
                                 "\"category_name\":\"\"}}"), &e, &tree),
               "", "channel.update without a category is read");
    tap_ok(e.category_id == NULL && e.category_name == NULL
           && strcmp(e.title, "") == 0, "no category: NULL");
    yajl_tree_free(tree);

    /* revocation */
    tap_is_str(read_json(payload("revocation", "stream.online", "1",
                                 "{" SUB("stream.online", "1",
                                         "authorization_revoked") "}"),
                         &e, &tree),
               "", "a revocation is read");
    tap_ok(e.kind == SV_EVENTSUB_REVOCATION, "as a revocation");
    tap_is_str(e.subscription_id, "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
               "its subscription");
    tap_is_str(e.status, "authorization_revoked", "its status");
    yajl_tree_free(tree);
    tap_is_str(read_json(payload("revocation", "channel.follow", "2",
                                 "{" SUB("channel.follow", "2",
                                         "user_removed") "}"), &e, &tree),
               "", "a revocation of any subscription type");
    yajl_tree_free(tree);

    tap_is_str(read_json(payload("notification", "stream.online", "1",
                                 "{" SUB("stream.online", "1", "enabled") ","
                                 ONLINE_EVENT ",\"x\":{\"y\":1}}"),
                         &e, &tree),
               "", "members of the body not used are Twitch's: ignored");
    yajl_tree_free(tree);

    /* hostile payloads */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        refused(payload(bad[i].mt, bad[i].type, bad[i].version, bad[i].body),
                bad[i].reason, bad[i].name);
    }
    for (size_t i = 0; i < sizeof(bad_raw) / sizeof(bad_raw[0]); i++) {
        refused(bad_raw[i].json, bad_raw[i].reason, bad_raw[i].name);
    }
    memset(title, 'x', 4097);
    title[4097] = '\0';
    snprintf(body, sizeof(body), "{" SUB("channel.update", "2", "enabled")
             ",\"event\":{\"broadcaster_user_id\":\"1337\",\"title\":"
             "\"%s\"}}", title);
    refused(payload("notification", "channel.update", "2", body),
            "payload.body.event.title must be a string of at most 4096",
            "a title of 4097 bytes");
    return tap_done();
}
