/*
 * Twitch playback, the pure part (worker/twitch_playback.c): the GQL body
 * as the web player sends it, the answer (the fixtures of
 * t/fixtures/twitch/ and hostile ones), the usher URL and the variant
 * choice with its reason.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "twitch_playback.h"

#define FIXTURES "t/fixtures/twitch/"

static char err[256];

/* The file's text, NUL-terminated, from the top of the repository. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *s = malloc(1024 * 1024);

    *len = 0;
    if (f != NULL && s != NULL) {
        *len = fread(s, 1, 1024 * 1024 - 1, f);
        s[*len] = '\0';
    }
    if (f == NULL || s == NULL) {
        free(s);
        s = NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return s;
}

static enum sv_twitch_answer
answer(const char *text, struct sv_twitch_token *t)
{
    return sv_twitch_gql_answer(text, strlen(text), t, err, sizeof(err));
}

static void
logins(void)
{
    char long_login[SV_TWITCH_LOGIN_MAX + 2];

    tap_ok(sv_twitch_login_ok("cool_user"), "cool_user is a login");
    tap_ok(sv_twitch_login_ok("Cool_User9"), "capitals and digits too");
    tap_ok(!sv_twitch_login_ok(""), "empty is not");
    tap_ok(!sv_twitch_login_ok(NULL), "NULL is not");
    tap_ok(!sv_twitch_login_ok("a/b"), "a slash is not");
    tap_ok(!sv_twitch_login_ok("a b"), "a space is not");
    tap_ok(!sv_twitch_login_ok("../x"), "a path is not");
    memset(long_login, 'a', sizeof(long_login) - 1);
    long_login[SV_TWITCH_LOGIN_MAX] = '\0';
    tap_ok(sv_twitch_login_ok(long_login), "25 characters are");
    long_login[SV_TWITCH_LOGIN_MAX] = 'a';
    long_login[SV_TWITCH_LOGIN_MAX + 1] = '\0';
    tap_ok(!sv_twitch_login_ok(long_login), "26 are not");
}

static void
oauth_tokens(void)
{
    char token[SV_TWITCH_OAUTH_MAX + 2];

    tap_ok(sv_twitch_oauth_ok("abcdefghijklmnopqrstuvwxyz0123"),
           "30 letters and digits are a token");
    tap_ok(sv_twitch_oauth_ok("a_B-9"), "_ and - too");
    tap_ok(!sv_twitch_oauth_ok(""), "empty is not");
    tap_ok(!sv_twitch_oauth_ok(NULL), "NULL is not");
    tap_ok(!sv_twitch_oauth_ok("oauth:abc"), "a colon is not");
    tap_ok(!sv_twitch_oauth_ok("abc\r\nX-Evil: 1"), "CR LF is not");
    memset(token, 'a', sizeof(token) - 1);
    token[SV_TWITCH_OAUTH_MAX] = '\0';
    tap_ok(sv_twitch_oauth_ok(token), "199 characters are");
    token[SV_TWITCH_OAUTH_MAX] = 'a';
    token[SV_TWITCH_OAUTH_MAX + 1] = '\0';
    tap_ok(!sv_twitch_oauth_ok(token), "200 are not");
}

static void
request_body(void)
{
    size_t  len;
    char   *want = slurp(FIXTURES "gql-playback-access-token.request.json",
                         &len);
    char   *got = sv_twitch_gql_body("cool_user");

    if (!tap_ok(want != NULL && got != NULL, "the fixture and the body")) {
        free(want);
        free(got);
        return;
    }
    while (len > 0 && (want[len - 1] == '\n' || want[len - 1] == '\r')) {
        want[--len] = '\0';
    }
    tap_is_str(got, want, "the body is the fixture's, byte for byte");
    free(want);
    free(got);
}

static void
fixture_answer(void)
{
    size_t                  len;
    char                   *text = slurp(FIXTURES
                                         "gql-playback-access-token"
                                         ".response.json", &len);
    struct sv_twitch_token  t;
    char                   *url;

    if (!tap_ok(text != NULL, "the response fixture is readable")) {
        return;
    }
    tap_is_int(sv_twitch_gql_answer(text, len, &t, err, sizeof(err)),
               SV_TWITCH_LIVE, "the fixture gives a token (%s)", err);
    tap_ok(t.value != NULL && strncmp(t.value, "{\"adblock\":false,"
                                      "\"channel\":\"cool_user\"", 38) == 0,
           "its value is the JSON text");
    tap_is_str(t.signature, "0123456789abcdef0123456789abcdef01234567",
               "and the signature");
    url = sv_twitch_usher_url("http://127.0.0.1:1/", "cool_user", &t, 42);
    tap_ok(url != NULL && strncmp(url, "http://127.0.0.1:1/api/channel/hls/"
                                  "cool_user.m3u8?sig=0123456789abcdef", 52)
           == 0, "the usher path (%s)", url != NULL ? url : "NULL");
    tap_ok(url != NULL && strstr(url, "&token=%7B%22adblock%22%3Afalse%2C")
           != NULL, "the token URL-encoded");
    tap_ok(url != NULL && strstr(url, "&allow_source=true&allow_audio_only="
                                 "true&playlist_include_framerate=true")
           != NULL && strstr(url, "&p=42") != NULL, "and the parameters");
    tap_ok(url != NULL && strchr(url, '"') == NULL && strchr(url, ' ')
           == NULL, "nothing unescaped");
    free(url);
    sv_twitch_token_free(&t);
    free(text);
}

static void
hostile_answers(void)
{
    struct sv_twitch_token t;
    size_t                 big = SV_TWITCH_GQL_MAX + 1;
    char                  *huge = malloc(big + 1), *deep;
    static const struct {
        const char *text, *why;
    } bad[] = {
        { "", "empty" },
        { "<html>502</html>", "not JSON" },
        { "{\"data\":", "cut off" },
        { "[]", "an array" },
        { "\"x\"", "a string" },
        { "{}", "no data" },
        { "{\"data\":{}}", "no token member" },
        { "{\"data\":{\"streamPlaybackAccessToken\":5}}", "a number" },
        { "{\"data\":{\"streamPlaybackAccessToken\":\"x\"}}", "a string" },
        { "{\"data\":{\"streamPlaybackAccessToken\":{}}}", "an empty object" },
        { "{\"data\":{\"streamPlaybackAccessToken\":{\"value\":1,"
          "\"signature\":\"ab\"}}}", "a number value" },
        { "{\"data\":{\"streamPlaybackAccessToken\":{\"value\":\"v\","
          "\"signature\":null}}}", "a null signature" },
        { "{\"data\":{\"streamPlaybackAccessToken\":{\"value\":\"\","
          "\"signature\":\"ab\"}}}", "an empty value" },
        { "{\"data\":{\"streamPlaybackAccessToken\":{\"value\":\"a\\u0000b\","
          "\"signature\":\"ab\"}}}", "a \\u0000" },
        { "{\"data\":null}", "data null" },
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tap_is_int(answer(bad[i].text, &t), SV_TWITCH_BAD, "%s: refused (%s)",
                   bad[i].why, err);
        tap_ok(t.value == NULL && t.signature == NULL, "%s: no token",
               bad[i].why);
    }
    tap_is_int(answer("{\"errors\":[{\"message\":\"PersistedQueryNotFound\"}]}",
                      &t), SV_TWITCH_BAD, "GQL errors: refused");
    tap_ok(strstr(err, "PersistedQueryNotFound") != NULL,
           "with Twitch's words (%s)", err);
    tap_is_int(answer("{\"data\":{\"streamPlaybackAccessToken\":null},"
                      "\"extensions\":{}}", &t), SV_TWITCH_OFFLINE,
               "a null token: offline");
    tap_is_int(sv_twitch_gql_answer("{\"a\":1}\0junk", 12, &t, err,
                                    sizeof(err)), SV_TWITCH_BAD,
               "a NUL byte: refused (%s)", err);
    if (huge != NULL) {
        memset(huge, ' ', big);
        huge[big] = '\0';
        memcpy(huge, "{\"data\":{\"streamPlaybackAccessToken\":null}}", 43);
        tap_is_int(answer(huge, &t), SV_TWITCH_BAD, "over %d KiB: refused "
                   "(%s)", SV_TWITCH_GQL_MAX / 1024, err);
        free(huge);
    }
    deep = malloc(1001);
    if (deep != NULL) {
        memset(deep, '[', 1000);
        deep[1000] = '\0';
        tap_is_int(answer(deep, &t), SV_TWITCH_BAD, "deep nesting: refused "
                   "(%s)", err);
        free(deep);
    }
}

static void
variants(void)
{
    size_t                  len;
    char                   *text = slurp(FIXTURES "usher-multivariant-v2.m3u8",
                                         &len);
    struct sv_hls_playlist  pl;

    if (!tap_ok(text != NULL && sv_hls_parse(text, len, "https://usher/x",
                                             &pl, err, sizeof(err)),
                "the usher fixture parses")) {
        free(text);
        return;
    }
    tap_is_int(sv_twitch_variant_pick(&pl, "720p60", err, sizeof(err)), 0,
               "720p60");
    tap_is_int(sv_twitch_variant_pick(&pl, "best", err, sizeof(err)), 5,
               "best: the source");
    tap_is_int(sv_twitch_variant_pick(&pl, "potato", err, sizeof(err)), -1,
               "potato: none");
    tap_is_str(err, "no variant for quality \"potato\"; available: 720p60, "
               "480p, 360p, 160p, audio_only, 1080p60", "the reason names "
               "them");
    sv_hls_free(&pl);
    free(text);
}

int
main(void)
{
    logins();
    oauth_tokens();
    request_body();
    fixture_answer();
    hostile_answers();
    variants();
    return tap_done();
}
