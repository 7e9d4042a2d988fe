/*
 * Chat archive lines (worker/chat_line.c): the fixture's PRIVMSG as a JSON
 * line, the time a message is placed at and its offset, the other chat
 * commands, what is not written, and hostile text.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_line.h"
#include "tap.h"

#define FIXTURE  "t/fixtures/twitch/irc-privmsg.txt"
#define SENT_MS  1763719200123LL        /* the fixture's tmi-sent-ts */
#define START_MS 1763719200000LL

static struct sv_irc_msg m;             /* 48 KiB: not on the stack */
static char              out[SV_CHAT_LINE_MAX];
static char              text[SV_CHAT_LINE_MAX + 1];

/* The line written for raw (received at recv_ms), as a C string ("" when
 * none). */
static const char *
line(const char *raw, size_t len, const char *channel, int64_t recv_ms)
{
    char   err[256] = "";
    size_t n;

    if (!sv_irc_parse(raw, len, &m, err, sizeof(err))) {
        fprintf(stderr, "# parse failed: %s\n", err);
        return "";
    }
    n = sv_chat_line(&m, channel, recv_ms, START_MS, out);
    memcpy(text, out, n);
    text[n] = '\0';
    return text;
}

#define LINE(s) line((s), strlen(s), "cool_user", SENT_MS + 400)

static void
fixture(void)
{
    FILE *f = fopen(FIXTURE, "r");
    char  raw[SV_IRC_LINE_MAX + 2] = "";

    tap_ok(f != NULL && fgets(raw, sizeof(raw), f) != NULL, "%s opens",
           FIXTURE);
    tap_is_str(LINE(raw),
               "{\"offset_ms\":123,\"at\":\"2025-11-21T10:00:00.123Z\","
               "\"command\":\"PRIVMSG\",\"channel\":\"cool_user\","
               "\"user\":\"somename\",\"display_name\":\"Some Name\","
               "\"text\":\"Kappa hello\",\"tags\":{\"badge-info\":\"\","
               "\"badges\":\"moderator/1\",\"color\":\"#0000FF\","
               "\"display-name\":\"Some Name\",\"emotes\":\"25:0-4\","
               "\"flags\":\"\",\"id\":\"e9d998c3-36f1-430f-89ec-6b887c28af36\","
               "\"mod\":\"1\",\"room-id\":\"1337\",\"subscriber\":\"0\","
               "\"tmi-sent-ts\":\"1763719200123\",\"turbo\":\"0\","
               "\"user-id\":\"29803735\",\"user-type\":\"mod\"}}\n",
               "the fixture's PRIVMSG: offset from tmi-sent-ts, tags "
               "unescaped");
    tap_ok(line(raw, strlen(raw), "COOL_USER", SENT_MS)[0] == '{',
           "the channel compares in any case");
    tap_is_str(line(raw, strlen(raw), "other", SENT_MS), "",
               "another channel's message is not written");
    if (f != NULL) {
        fclose(f);
    }
}

static void
times(void)
{
    static const struct {
        const char *ts;
        int64_t     expect;
        const char *what;
    } cases[] = {
        { "1763719200123", SENT_MS, "tmi-sent-ts near the receive time" },
        { "1763719190623", SENT_MS + 500 - SV_CHAT_SENT_SKEW_MS,
          "tmi-sent-ts just within the skew" },
        { "1763719100000", SENT_MS + 500, "tmi-sent-ts long before: "
          "the receive time" },
        { "1863719200000", SENT_MS + 500, "tmi-sent-ts far ahead: the "
          "receive time" },
        { "17637192001x3", SENT_MS + 500, "not a number" },
        { "-1763719200123", SENT_MS + 500, "negative" },
        { "99999999999999999999999", SENT_MS + 500, "overflowing" },
        { "", SENT_MS + 500, "empty" },
    };
    char raw[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[256];

        snprintf(raw, sizeof(raw), "@tmi-sent-ts=%s :a!a@a PRIVMSG #c :x",
                 cases[i].ts);
        tap_ok(sv_irc_parse(raw, strlen(raw), &m, err, sizeof(err)),
               "parses: %s", cases[i].what);
        tap_is_int(sv_chat_msg_time(&m, SENT_MS + 500), cases[i].expect,
                   "%s", cases[i].what);
    }
    snprintf(raw, sizeof(raw), ":a!a@a PRIVMSG #c :x");
    sv_irc_parse(raw, strlen(raw), &m, raw, sizeof(raw));
    tap_is_int(sv_chat_msg_time(&m, 42), 42, "no tmi-sent-ts: the receive "
               "time");
    tap_is_int(sv_chat_offset_ms(START_MS + 61234, START_MS), 61234,
               "the offset from the start");
    tap_is_int(sv_chat_offset_ms(START_MS - 300, START_MS), 0,
               "sent before the start: offset 0");
    tap_is_str(line(":a!a@a PRIVMSG #cool_user :x", 28, "cool_user",
                    START_MS + 2500),
               "{\"offset_ms\":2500,\"at\":\"2025-11-21T10:00:02.500Z\","
               "\"command\":\"PRIVMSG\",\"channel\":\"cool_user\","
               "\"user\":\"a\",\"display_name\":\"a\",\"text\":\"x\","
               "\"tags\":{}}\n",
               "without tags: the receive time, the login as display name");
}

static void
commands(void)
{
    tap_is_str(LINE("@login=bob;display-name=Bob;msg-id=resub;system-msg="
                    "Bob\\ssubscribed\\:\\s3\\smonths;tmi-sent-ts=1763719200200"
                    " :tmi.twitch.tv USERNOTICE #cool_user :still here"),
               "{\"offset_ms\":200,\"at\":\"2025-11-21T10:00:00.200Z\","
               "\"command\":\"USERNOTICE\",\"channel\":\"cool_user\","
               "\"user\":\"bob\",\"display_name\":\"Bob\","
               "\"text\":\"still here\",\"tags\":{\"login\":\"bob\","
               "\"display-name\":\"Bob\",\"msg-id\":\"resub\","
               "\"system-msg\":\"Bob subscribed; 3 months\","
               "\"tmi-sent-ts\":\"1763719200200\"}}\n",
               "USERNOTICE: user from login, \\s and \\: unescaped");
    tap_ok(strstr(LINE("@ban-duration=600 :tmi.twitch.tv CLEARCHAT "
                       "#cool_user :spammer"),
                  "\"command\":\"CLEARCHAT\",\"channel\":\"cool_user\","
                  "\"user\":\"spammer\",\"tags\":{\"ban-duration\":\"600\"}")
           != NULL, "CLEARCHAT: the user timed out");
    tap_ok(strstr(LINE(":tmi.twitch.tv CLEARCHAT #cool_user"),
                  "\"channel\":\"cool_user\",\"tags\":{}") != NULL,
           "CLEARCHAT of everything: no user");
    tap_ok(strstr(LINE("@login=bob;target-msg-id=abc :tmi.twitch.tv "
                       "CLEARMSG #cool_user :bad words"),
                  "\"command\":\"CLEARMSG\",\"channel\":\"cool_user\","
                  "\"user\":\"bob\",\"text\":\"bad words\"") != NULL,
           "CLEARMSG: user and the deleted text");
    tap_ok(strstr(LINE("@msg-id=slow_on :tmi.twitch.tv NOTICE #cool_user "
                       ":This room is now in slow mode."),
                  "\"command\":\"NOTICE\",\"channel\":\"cool_user\","
                  "\"text\":\"This room is now in slow mode.\"") != NULL,
           "NOTICE: its text");
    tap_ok(strstr(LINE("@slow=10 :tmi.twitch.tv ROOMSTATE #cool_user"),
                  "\"command\":\"ROOMSTATE\",\"channel\":\"cool_user\","
                  "\"tags\":{\"slow\":\"10\"}}\n") != NULL,
           "ROOMSTATE: its tags");
    tap_ok(strstr(LINE(":a!a@a PRIVMSG #cool_user :\x01" "ACTION waves\x01"),
                  "\"text\":\"waves\",\"action\":true,") != NULL,
           "/me: the text without CTCP, action true");
    tap_ok(strstr(LINE("@a=1;b=2;a=3 :a!a@a PRIVMSG #cool_user :x"),
                  "\"tags\":{\"b\":\"2\",\"a\":\"3\"}") != NULL,
           "a repeated tag once, its last value");

    tap_is_str(LINE(":tmi.twitch.tv NOTICE * :Login authentication failed"),
               "", "a NOTICE to no channel is not written");
    tap_is_str(LINE("PING :tmi.twitch.tv"), "", "PING is not written");
    tap_is_str(LINE(":justinfan1!justinfan1@justinfan1.tmi.twitch.tv JOIN "
                    "#cool_user"), "", "JOIN is not written");
    tap_is_str(LINE(":tmi.twitch.tv 001 justinfan1 :Welcome, GLHF!"), "",
               "numerics are not written");
    tap_is_str(LINE("@a=1 :tmi.twitch.tv USERSTATE #cool_user"), "",
               "USERSTATE is not written");
    tap_is_str(LINE(":tmi.twitch.tv PRIVMSG #cool_user"), "",
               "a PRIVMSG without text is not written");
}

static void
hostile(void)
{
    static char raw[SV_IRC_LINE_MAX];
    const char *s;
    size_t      n = 0, len;

    s = LINE("@display-name=\\\\o/\\n;x=\"q\" :a!a@a PRIVMSG #cool_user "
             ":bad \xff\xfe utf-8, \x02" "control\x7f and \"quotes\" \\");
    tap_ok(strstr(s, "\"display_name\":\"\\\\o/\\u000a\"") != NULL
           && strstr(s, "\"x\":\"\\\"q\\\"\"") != NULL,
           "tag values with \\\\, \\n and quotes are valid JSON");
    tap_ok(strstr(s, "\"text\":\"bad \xef\xbf\xbd\xef\xbf\xbd utf-8, "
                  "\\u0002control\\u007f and \\\"quotes\\\" \\\\\"") != NULL,
           "invalid UTF-8 replaced, controls escaped");

    /* The longest line, all control characters (6 bytes in JSON each), in
     * a tag also shown as a field and in the text. */
    n += (size_t) sprintf(raw, "@display-name=");
    memset(raw + n, '\x01', 8000);
    n += 8000;
    n += (size_t) sprintf(raw + n, " :a!a@a PRIVMSG #cool_user :");
    len = SV_IRC_LINE_MAX - 2 - n;
    memset(raw + n, '\x01', len);
    n += len;
    memcpy(raw + n, "\r\n", 2);
    n += 2;
    s = line(raw, n, "cool_user", SENT_MS);
    len = strlen(s);
    tap_ok(len > 12 * 8000 && s[0] == '{' && s[len - 1] == '\n'
           && s[len - 2] == '}', "the worst line fits whole (%zu bytes)",
           len);
}

int
main(void)
{
    fixture();
    times();
    commands();
    hostile();
    return tap_done();
}
