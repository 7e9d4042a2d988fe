/*
 * .nfo documents (worker/nfo.c): escaping and the tags.
 */

#include <stdlib.h>
#include <string.h>

#include "nfo.h"
#include "tap.h"

static void
escapes(const char *in, const char *expected, const char *what)
{
    char *got = sv_nfo_escape(in);

    tap_is_str(got, expected, "%s", what);
    free(got);
}

static void
has(const char *doc, const char *part)
{
    tap_ok(doc != NULL && strstr(doc, part) != NULL, "has %.*s",
           (int) strcspn(part, "\n"), part);
}

int
main(void)
{
    escapes("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;", "markup characters");
    escapes("&amp;", "&amp;amp;", "an entity is text, escaped again");
    escapes("a\x01\x1f\x7f" "b", "ab", "control characters are removed");
    escapes("a\tb\nc\r", "a\tb\nc\r", "tab and newlines are kept");
    escapes("\xc2\x85x", "x", "a C1 control is removed");
    escapes("\xef\xbf\xbe\xef\xbf\xbfx", "x", "U+FFFE/U+FFFF are removed");
    escapes("a\xff" "b\xc3", "a\xef\xbf\xbd" "b\xef\xbf\xbd",
            "invalid UTF-8 becomes U+FFFD");
    escapes("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
            "a surrogate is invalid");
    escapes("😀 日本語 é", "😀 日本語 é", "unicode passes");
    escapes("", "", "empty");

    char *show = sv_nfo_tvshow(&(struct sv_nfo_show) {
        .title = "A&B", .plot = "<p>", .id = "123" });

    has(show, "<?xml version=\"1.0\" encoding=\"UTF-8\"");
    has(show, "<tvshow>\n  <title>A&amp;B</title>");
    has(show, "<plot>&lt;p&gt;</plot>");
    has(show, "<studio>Twitch</studio>");
    has(show, "<genre>");
    has(show, "<uniqueid type=\"twitch\" default=\"true\">123</uniqueid>");
    has(show, "<thumb aspect=\"poster\">poster.jpg</thumb>");
    free(show);

    char *season = sv_nfo_season(&(struct sv_nfo_season) { .number = 202611 });

    has(season, "<seasonnumber>202611</seasonnumber>");
    has(season, "<title>2026-11</title>");
    free(season);

    char *ep = sv_nfo_episode(&(struct sv_nfo_episode) {
        .title = "\"Q\"", .aired = "2026-11-21", .season = 202611,
        .episode = 7, .runtime_s = 61, .category = "Just Chatting",
        .streamer = "alice", .id = "e1" });

    has(ep, "<episodedetails>\n  <title>&quot;Q&quot;</title>");
    has(ep, "<season>202611</season>");
    has(ep, "<episode>7</episode>");
    has(ep, "<runtime>2</runtime>");
    has(ep, "<aired>2026-11-21</aired>");
    has(ep, "<premiered>2026-11-21</premiered>");
    has(ep, "<genre>Just Chatting</genre>");
    has(ep, "<studio>Twitch</studio>");
    has(ep, "<actor>\n    <name>alice</name>\n    <role>Streamer</role>\n"
            "  </actor>");
    has(ep, "<uniqueid type=\"streamvault\" default=\"true\">e1</uniqueid>");
    tap_ok(strstr(ep, "<plot>") == NULL, "an absent plot is left out");
    free(ep);
    return tap_done();
}
