/*
 * IRC lines, Twitch's dialect (worker/irc_parse.c): the fixture's lines,
 * tag escapes, PRIVMSG/PING/RECONNECT/ACTION, and hostile lines.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irc_parse.h"
#include "sv_utf8.h"
#include "tap.h"

#define FIXTURE "t/fixtures/twitch/irc-privmsg.txt"

static struct sv_irc_msg m;             /* 48 KiB: not on the stack */

static bool
valid_utf8(const char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0, seq; i < len; i += seq) {
        seq = sv_utf8_sequence_length((const unsigned char *) s + i, len - i);
        if (seq == 0) {
            return false;
        }
    }
    return true;
}

/* Every string of m valid UTF-8. */
static bool
all_valid(void)
{
    bool ok = valid_utf8(m.command)
              && (m.prefix == NULL || valid_utf8(m.prefix));

    for (size_t i = 0; i < m.ntags; i++) {
        ok = ok && valid_utf8(m.tags[i].key) && valid_utf8(m.tags[i].value);
    }
    for (size_t i = 0; i < m.nparams; i++) {
        ok = ok && valid_utf8(m.params[i]);
    }
    return ok;
}

static bool
parse(const char *line)
{
    char err[256] = "";
    bool ok = sv_irc_parse(line, strlen(line), &m, err, sizeof(err));

    if (!ok) {
        fprintf(stderr, "# parse failed: %s\n", err);
    }
    return ok;
}

static void
refused(const char *what, const char *line, size_t len, const char *why)
{
    char err[256] = "";

    tap_ok(!sv_irc_parse(line, len, &m, err, sizeof(err))
           && strstr(err, why) != NULL, "refused: %s: %s", what, err);
}

static void
fixture(void)
{
    FILE                 *f = fopen(FIXTURE, "r");
    char                  line[SV_IRC_LINE_MAX + 2];
    struct sv_irc_privmsg p;
    int                   n = 0;

    tap_ok(f != NULL, "%s opens", FIXTURE);
    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        char err[256] = "";

        n++;
        tap_ok(sv_irc_parse(line, strlen(line), &m, err, sizeof(err))
               && all_valid(), "fixture line %d parses (%s)", n, err);
        if (n == 1) {
            tap_is_int(m.ntags, 14, "  14 tags");
            tap_is_str(m.prefix, "somename!somename@somename.tmi.twitch.tv",
                       "  prefix");
            tap_is_int(sv_irc_kind(&m), SV_IRC_PRIVMSG, "  a PRIVMSG");
            tap_is_str(sv_irc_tag(&m, "badge-info"), "", "  empty tag");
            tap_is_str(sv_irc_tag(&m, "emotes"), "25:0-4", "  emotes tag");
            tap_ok(sv_irc_tag(&m, "nonexistent") == NULL, "  absent tag");
            tap_ok(sv_irc_privmsg(&m, &p), "  PRIVMSG fields");
            tap_is_str(p.channel, "cool_user", "  channel");
            tap_is_str(p.login, "somename", "  login");
            tap_is_str(p.display_name, "Some Name", "  display-name unescaped");
            tap_is_str(p.user_id, "29803735", "  user-id");
            tap_is_str(p.text, "Kappa hello", "  text");
            tap_ok(!p.action, "  not an ACTION");
            tap_is_int(p.sent_ms, 1763719200123LL, "  tmi-sent-ts");
        } else if (n == 2) {
            tap_is_str(m.command, "CAP", "  CAP");
            tap_is_int(m.nparams, 3, "  3 params");
            tap_is_str(m.params[2], "twitch.tv/tags twitch.tv/commands",
                       "  the trailing param keeps its spaces");
            tap_is_int(sv_irc_kind(&m), SV_IRC_OTHER, "  another kind");
            tap_ok(!sv_irc_privmsg(&m, &p) && sv_irc_ping_text(&m) == NULL,
                   "  neither PRIVMSG nor PING");
        } else if (n == 3) {
            tap_ok(m.prefix == NULL, "  PING has no prefix");
            tap_is_int(sv_irc_kind(&m), SV_IRC_PING, "  a PING");
            tap_is_str(sv_irc_ping_text(&m), "tmi.twitch.tv", "  PONG text");
        } else if (n == 4) {
            tap_is_int(sv_irc_kind(&m), SV_IRC_RECONNECT, "  a RECONNECT");
            tap_is_int(m.nparams, 0, "  without params");
        }
    }
    tap_is_int(n, 4, "the fixture has 4 lines");
    if (f != NULL) {
        fclose(f);
    }
}

static void
escape(const char *raw, const char *expected)
{
    char line[256];

    snprintf(line, sizeof(line), "@k=%s :n!n@h PRIVMSG #c :x\r\n", raw);
    tap_ok(parse(line), "tag value \"%s\" parses", raw);
    tap_is_str(sv_irc_tag(&m, "k"), expected, "  unescaped");
}

static void
escapes(void)
{
    escape("a\\:b", "a;b");
    escape("a\\sb", "a b");
    escape("a\\\\b", "a\\b");
    escape("a\\rb", "a\rb");
    escape("a\\nb", "a\nb");
    escape("ab\\", "ab");
    escape("\\", "");
    escape("a\\xb", "axb");
    escape("\\\\s", "\\s");
    escape("\\:\\s\\\\\\r\\n", "; \\\r\n");
    escape("caf\\\xc3\xa9", "caf\xc3\xa9");
    escape("x=y", "x=y");
    escape("", "");

    tap_ok(parse("@a;b=;c=1;;=v;a=2 PING"), "keys without values");
    tap_is_int(m.ntags, 4, "  empty names are skipped");
    tap_is_str(sv_irc_tag(&m, "b"), "", "  \"b=\" is empty");
    tap_is_str(sv_irc_tag(&m, "a"), "2", "  the last of a repeated key");
    tap_is_str(m.tags[0].value, "", "  \"a\" alone is empty");
}

static void
commands(void)
{
    struct sv_irc_privmsg p;

    tap_ok(parse("@display-name=;user-id=7;tmi-sent-ts=12x :Alice!a@h "
                 "PRIVMSG #chan :\x01" "ACTION waves\x01\n"), "an ACTION");
    tap_ok(sv_irc_privmsg(&m, &p) && p.action, "  is an ACTION");
    tap_is_str(p.text, "waves", "  its text without CTCP");
    tap_is_str(p.display_name, "Alice", "  empty display-name: the login");
    tap_is_int(p.sent_ms, -1, "  a bad tmi-sent-ts is -1");

    tap_ok(parse(":a PRIVMSG #c :\x01" "ACTION waves"), "an ACTION unclosed");
    tap_ok(sv_irc_privmsg(&m, &p) && p.action, "  is an ACTION");
    tap_is_str(p.text, "waves", "  its text");
    tap_is_int(p.sent_ms, -1, "  no tmi-sent-ts is -1");
    tap_is_str(p.user_id, "", "  no user-id is \"\"");

    tap_ok(parse(":a PRIVMSG #c :\x01" "ACTION\x01"), "an empty ACTION");
    tap_ok(sv_irc_privmsg(&m, &p) && p.action, "  is an ACTION");
    tap_is_str(p.text, "", "  with no text");

    tap_ok(parse(":a PRIVMSG #c :\x01" "ACTIONS x\x01"), "a CTCP ACTIONS");
    tap_ok(sv_irc_privmsg(&m, &p) && !p.action, "  is no ACTION");

    tap_ok(parse(":a privmsg c word"), "lower case, no '#', no ':'");
    tap_ok(sv_irc_privmsg(&m, &p), "  is a PRIVMSG");
    tap_is_str(p.channel, "c", "  channel");
    tap_is_str(p.text, "word", "  text");

    tap_ok(parse("PRIVMSG #c :no prefix") && !sv_irc_privmsg(&m, &p),
           "a PRIVMSG without prefix has no login");
    tap_ok(parse(":!u@h PRIVMSG #c :x") && !sv_irc_privmsg(&m, &p),
           "an empty nick");
    tap_ok(parse(":a PRIVMSG #c") && !sv_irc_privmsg(&m, &p),
           "a PRIVMSG without text");
    tap_ok(parse(":aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaa PRIVMSG #c :x") && !sv_irc_privmsg(&m, &p),
           "a nick longer than %d bytes", SV_IRC_NICK_MAX);
    tap_ok(parse("@tmi-sent-ts=1234567890123456 :a PRIVMSG #c :x")
           && sv_irc_privmsg(&m, &p) && p.sent_ms == -1,
           "a 16-digit tmi-sent-ts is -1");

    tap_ok(parse("ping"), "PING without params");
    tap_is_str(sv_irc_ping_text(&m), "", "  PONG text \"\"");
    tap_ok(parse("PING a :b c"), "PING with two params");
    tap_is_str(sv_irc_ping_text(&m), "b c", "  PONG text is the last");

    tap_ok(parse(":tmi.twitch.tv 001 me :Welcome, GLHF!"), "a numeric");
    tap_is_str(m.command, "001", "  command 001");
    tap_ok(parse("@a=b   :p   CMD   x    y   :  z  "), "runs of spaces");
    tap_ok(m.nparams == 3 && strcmp(m.params[0], "x") == 0
           && strcmp(m.params[1], "y") == 0
           && strcmp(m.params[2], "  z  ") == 0, "  separate words");
    tap_ok(parse("CMD a :"), "an empty trailing param");
    tap_ok(m.nparams == 2 && m.params[1][0] == '\0', "  is \"\"");
}

static void
hostile(void)
{
    char line[SV_IRC_LINE_MAX + 64];
    char err[256] = "";

    refused("empty", "", 0, "no command");
    refused("CR LF only", "\r\n", 2, "no command");
    refused("only tags", "@a=b;c=d", 8, "no command");
    refused("only tags and space", "@a=b ", 5, "no command");
    refused("only a prefix", ":nick!u@h  \r\n", 13, "no command");
    refused("an empty prefix", ": PING", 6, "an empty prefix at byte 0");
    refused("a NUL", "PRIVMSG #c :a\0b", 15, "a NUL at byte 13");
    refused("a CR inside", "PING :a\rb", 9, "a CR at byte 7");
    refused("an LF inside", "PING :a\nb\n", 10, "an LF at byte 7");
    refused("a bad command", "PRIV-MSG #c", 11,
            "an invalid command 'PRIV...' at byte 0");
    refused("digits, not 3", "1234 x", 6, "an invalid command '1234'");
    refused("invalid UTF-8 command", "\xff\xfe x", 4,
            "an invalid command '\xEF\xBF\xBD\xEF\xBF\xBD'");

    /* 20 params: the 15th takes the rest (RFC 2812). */
    tap_ok(parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"),
           "20 params");
    tap_is_int(m.nparams, SV_IRC_PARAMS, "  are %d", SV_IRC_PARAMS);
    tap_is_str(m.params[13], "14", "  the 14th is one word");
    tap_is_str(m.params[14], "15 16 17 18 19 20", "  the 15th is the rest");

    /* Lengths: the whole line, and the tags. */
    memset(line, 'a', sizeof(line));
    memcpy(line, "PING :", 6);
    tap_ok(sv_irc_parse(line, SV_IRC_LINE_MAX, &m, err, sizeof(err))
           && strlen(sv_irc_ping_text(&m)) == SV_IRC_LINE_MAX - 6,
           "a line of %d bytes (%s)", SV_IRC_LINE_MAX, err);
    refused("overlong", line, SV_IRC_LINE_MAX + 1, "longer than 16384 bytes");
    memset(line, 'a', sizeof(line));
    memcpy(line, "@k=", 3);
    memcpy(line + SV_IRC_TAGS_MAX, " PING", 5);
    tap_ok(sv_irc_parse(line, SV_IRC_TAGS_MAX + 5, &m, err, sizeof(err))
           && strlen(sv_irc_tag(&m, "k")) == SV_IRC_TAGS_MAX - 3,
           "tags of %d bytes (%s)", SV_IRC_TAGS_MAX, err);
    line[SV_IRC_TAGS_MAX] = 'a';
    memcpy(line + SV_IRC_TAGS_MAX + 1, " PING", 5);
    refused("overlong tags", line, SV_IRC_TAGS_MAX + 6,
            "tags longer than 8191 bytes");

    /* 64 tags pass, 65 do not. */
    strcpy(line, "@");
    for (int i = 0; i < SV_IRC_TAG_COUNT; i++) {
        sprintf(line + strlen(line), "t%d=%d;", i, i);
    }
    strcat(line, " PING");
    tap_ok(parse(line) && m.ntags == SV_IRC_TAG_COUNT, "%d tags",
           SV_IRC_TAG_COUNT);
    memmove(line + 5, line, strlen(line) + 1);
    memcpy(line, "@x=1;", 5);
    line[5] = 'y';
    refused("65 tags", line, strlen(line), "more than 64 tags");

    /* Invalid UTF-8 everywhere becomes U+FFFD, never invalid output. */
    tap_ok(parse("@k\xff=v\\\xc3\xc3(;d=\xed\xa0\x80 :n\xc0\xaf!u@h "
                 "PRIVMSG #c\xfe :bad \xe2\x82 text \xf4\x90\x80\x80")
           && all_valid(), "invalid UTF-8 parses to valid UTF-8");
    tap_is_str(m.tags[0].key, "k\xEF\xBF\xBD", "  in a key");
    tap_is_str(m.tags[0].value, "v\xEF\xBF\xBD\xEF\xBF\xBD(", "  in a value");
    tap_is_str(sv_irc_tag(&m, "d"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
               "  a surrogate");
    tap_is_str(m.prefix, "n\xEF\xBF\xBD\xEF\xBF\xBD!u@h", "  in the prefix");
    tap_is_str(m.params[0], "#c\xEF\xBF\xBD", "  in a param");
    tap_is_str(m.params[1], "bad \xEF\xBF\xBD\xEF\xBF\xBD text "
               "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
               "  in the trailing param");

    /* The worst case for the buffer: 16 KiB of bytes that triple. */
    memset(line, '\xff', sizeof(line));
    memcpy(line, "@k=", 3);
    memcpy(line + SV_IRC_TAGS_MAX, " PING :", 7);
    tap_ok(sv_irc_parse(line, SV_IRC_LINE_MAX, &m, err, sizeof(err))
           && all_valid()
           && strlen(sv_irc_tag(&m, "k")) == 3 * (SV_IRC_TAGS_MAX - 3)
           && strlen(sv_irc_ping_text(&m))
              == 3 * (size_t) (SV_IRC_LINE_MAX - SV_IRC_TAGS_MAX - 7),
           "16 KiB of invalid bytes fit, tripled (%s)", err);
}

int
main(void)
{
    fixture();
    escapes();
    commands();
    hostile();
    return tap_done();
}
