/*
 * Twitch's answers read into fixed structures (worker/helix_parse.c), with
 * the shapes of Twitch's API reference (Get Users, Get Streams, Get Channel
 * Information, Get EventSub Subscriptions, the client-credentials flow).
 */

#include <string.h>

#include "helix_parse.h"
#include "tap.h"

#define LEN(s)  (sizeof(s) - 1)

static const char users[] =
    "{\"data\":[{\"id\":\"141981764\",\"login\":\"twitchdev\","
    "\"display_name\":\"TwitchDev\",\"type\":\"\","
    "\"broadcaster_type\":\"partner\",\"description\":\"Supporting "
    "third-party developers building Twitch integrations\\nfrom chatbots "
    "to game integrations.\",\"profile_image_url\":\"https://static-cdn."
    "jtvnw.net/jtv_user_pictures/8a6381c7-profile_image-300x300.png\","
    "\"offline_image_url\":\"\",\"view_count\":5980557,"
    "\"created_at\":\"2016-12-14T20:32:28Z\"},"
    "{\"id\":\"12x\",\"login\":\"bad_id\"},"
    "{\"id\":\"42\",\"login\":\"evil\",\"profile_image_url\":"
    "\"javascript:alert(1)\",\"display_name\":\"\\u00e9vil\"},"
    "\"not an object\"]}";

static const char streams[] =
    "{\"data\":[{\"id\":\"40952121085\",\"user_id\":\"101051819\","
    "\"user_login\":\"afro\",\"user_name\":\"Afro\",\"game_id\":\"32982\","
    "\"game_name\":\"Grand Theft Auto V\",\"type\":\"live\",\"title\":"
    "\"Jacob: Digital Den Laptops & Routers | NoPixel | !MAINGEAR !FCF\","
    "\"tags\":[\"English\"],\"viewer_count\":1490,\"started_at\":"
    "\"2021-03-10T03:18:11Z\",\"language\":\"en\",\"thumbnail_url\":"
    "\"https://static-cdn.jtvnw.net/previews-ttv/live_user_afro-{width}x"
    "{height}.jpg\",\"tag_ids\":[],\"is_mature\":false}],"
    "\"pagination\":{\"cursor\":\"eyJiIjp7IkN1cnNvciI6ImV5SnpJam95TWpN"
    "M01EVTNPRE0zT0M0NU5qVXlNRFF3TkRBM05qazVOU3dpWkNJNlptRnNjMlVzSW5R"
    "aU9uUnlkV1Y5In0sImEiOnsiQ3Vyc29yIjoiZXlKeklqb3hOakkyTkRRNExqRXdNRE15"
    "TXpZeE16VTFOVElzSW1RaU9tWmhiSE5sTENKMElqcDBjblZsZlE9PSJ9fQ\"}}";

static const char channels[] =
    "{\"data\":[{\"broadcaster_id\":\"141981764\",\"broadcaster_login\":"
    "\"twitchdev\",\"broadcaster_name\":\"TwitchDev\","
    "\"broadcaster_language\":\"en\",\"game_id\":\"509670\",\"game_name\":"
    "\"Science & Technology\",\"title\":\"TwitchDev Monthly Update // May "
    "6, 2021\",\"delay\":0,\"tags\":[\"DevsInTheKnow\"],"
    "\"content_classification_labels\":[\"Gambling\"],"
    "\"is_branded_content\":false}]}";

static const char subs[] =
    "{\"total\":2,\"data\":[{\"id\":\"26b1c993-bfcf-44d9-b876-379dacafe75a\","
    "\"status\":\"enabled\",\"type\":\"stream.online\",\"version\":\"1\","
    "\"condition\":{\"broadcaster_user_id\":\"1234\"},\"created_at\":"
    "\"2020-11-10T20:08:33.12345678Z\",\"transport\":{\"method\":\"webhook\","
    "\"callback\":\"https://this-is-a-callback.com\"},\"cost\":1},"
    "{\"id\":\"35016908-41ff-33ce-7879-61b8dfc2ee16\",\"status\":"
    "\"webhook_callback_verification_pending\",\"type\":\"channel.update\","
    "\"version\":\"2\",\"condition\":{\"broadcaster_user_id\":\"1234\"},"
    "\"created_at\":\"2020-11-10T14:32:18.730260295Z\",\"transport\":"
    "{\"method\":\"webhook\",\"callback\":\"https://this-is-a-callback.com\"}"
    ",\"cost\":0}],\"total_cost\":1,\"max_total_cost\":10000,"
    "\"pagination\":{}}";

static void
test_users(void)
{
    struct sv_helix_user  u[4];
    struct sv_helix_page  p = { .items = u, .max = 4 };
    char                  err[256];

    tap_is_int(sv_helix_parse_users(users, LEN(users), &p, err, sizeof(err)),
               0, "users: parsed");
    tap_is_int(p.n, 2, "users: two good ones");
    tap_is_int(p.skipped, 2, "users: a bad id and a non-object skipped");
    tap_is_str(u[0].id, "141981764", "id");
    tap_is_str(u[0].login, "twitchdev", "login");
    tap_is_str(u[0].display_name, "TwitchDev", "display name");
    tap_ok(strstr(u[0].description, "integrations from chatbots") != NULL,
           "a newline in the description became a space");
    tap_ok(strncmp(u[0].profile_image_url, "https://static-cdn", 18) == 0,
           "profile image");
    tap_is_str(u[0].offline_image_url, "", "no offline image");
    tap_is_str(u[1].profile_image_url, "", "a javascript: URL is dropped");
    tap_is_str(u[1].display_name, "\xc3\xa9vil", "an escaped é");

    p.max = 1;
    tap_is_int(sv_helix_parse_users(users, LEN(users), &p, err, sizeof(err)),
               -1, "more items than room: refused");
}

static void
test_streams(void)
{
    struct sv_helix_stream  s[1];
    struct sv_helix_page    p = { .items = s, .max = 1 };
    char                    err[256];

    tap_is_int(sv_helix_parse_streams(streams, LEN(streams), &p, err,
                                      sizeof(err)), 0, "streams: parsed");
    tap_is_int(p.n, 1, "one live stream");
    tap_is_str(s[0].id, "40952121085", "stream id");
    tap_is_str(s[0].user_id, "101051819", "user id");
    tap_is_str(s[0].type, "live", "type");
    tap_is_str(s[0].game_id, "32982", "game id");
    tap_is_str(s[0].game_name, "Grand Theft Auto V", "game name");
    tap_is_str(s[0].started_at, "2021-03-10T03:18:11Z", "started at");
    tap_ok(strncmp(p.cursor, "eyJiIjp7", 8) == 0, "the cursor");
}

static void
test_channels_and_subs(void)
{
    struct sv_helix_channel  c[2];
    struct sv_helix_sub      s[2];
    struct sv_helix_page     pc = { .items = c, .max = 2 };
    struct sv_helix_page     ps = { .items = s, .max = 2 };
    char                     err[256];

    tap_is_int(sv_helix_parse_channels(channels, LEN(channels), &pc, err,
                                       sizeof(err)), 0, "channels: parsed");
    tap_is_str(c[0].broadcaster_id, "141981764", "broadcaster id");
    tap_is_str(c[0].title, "TwitchDev Monthly Update // May 6, 2021",
               "title");
    tap_is_str(c[0].game_name, "Science & Technology", "category");

    tap_is_int(sv_helix_parse_subs(subs, LEN(subs), &ps, err, sizeof(err)),
               0, "subscriptions: parsed");
    tap_is_int(ps.n, 2, "two subscriptions");
    tap_is_str(s[0].id, "26b1c993-bfcf-44d9-b876-379dacafe75a", "sub id");
    tap_is_str(s[0].status, "enabled", "status");
    tap_is_str(s[1].type, "channel.update", "type");
    tap_is_str(s[1].version, "2", "version");
    tap_is_str(s[1].broadcaster_user_id, "1234", "condition");
    tap_is_str(s[1].callback, "https://this-is-a-callback.com", "callback");
    tap_is_str(ps.cursor, "", "empty pagination: last page");
}

static void
test_hostile(void)
{
    static const char *bad[] = {
        "", "[]", "{\"data\":{}}", "{\"error\":\"Unauthorized\"}",
        "{\"data\":[{\"id\":\"1\\u0000\"}]}", "{\"data\":[[[[[[[[[[]]]]]]]]]]}",
        "{\"data\":[", "null",
    };
    struct sv_helix_user  u[2];
    struct sv_helix_page  p = { .items = u, .max = 2 };
    char                  err[256], token[SV_HELIX_TOKEN_SIZE];
    long long             expires;
    static const char     tok[] = "{\"access_token\":\"jostpf5q0uzmxmkba9iyug"
                                  "38kjtgh\",\"expires_in\":5011271,"
                                  "\"token_type\":\"bearer\"}";

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tap_is_int(sv_helix_parse_users(bad[i], strlen(bad[i]), &p, err,
                                        sizeof(err)), -1,
                   "refused: %s", bad[i]);
    }

    tap_is_int(sv_helix_parse_token(tok, LEN(tok), token, sizeof(token),
                                    &expires, err, sizeof(err)), 0,
               "token: parsed");
    tap_is_str(token, "jostpf5q0uzmxmkba9iyug38kjtgh", "the token");
    tap_is_int(expires, 5011271, "expires_in");
    tap_is_int(sv_helix_parse_token("{\"access_token\":\"a b\","
                                    "\"expires_in\":5}", 35, token,
                                    sizeof(token), &expires, err,
                                    sizeof(err)), -1,
               "a token with a blank is refused");
    tap_is_int(sv_helix_parse_token("{\"access_token\":\"ab\"}", 21, token,
                                    sizeof(token), &expires, err,
                                    sizeof(err)), -1,
               "a token without expires_in is refused");
}

int
main(void)
{
    test_users();
    test_streams();
    test_channels_and_subs();
    test_hostile();
    return tap_done();
}
