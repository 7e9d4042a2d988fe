/*
 * Chapters from stream events (worker/chapters.c) and their sidecar files
 * (worker/chapter_files.c): order, merging, boundaries, hostile names.
 */

#include <stdlib.h>
#include <string.h>

#include "chapter_files.h"
#include "chapters.h"
#include "tap.h"

#define EV(t, ti, ca)  { .at_s = (t), .title = (ti), .category = (ca) }
#define COUNT(a)       (sizeof(a) / sizeof((a)[0]))

/* The chapters as "start-end name|..." for one comparison. */
static char *
describe(const struct sv_chapter_event *ev, size_t n, int64_t duration_ms)
{
    size_t             count;
    struct sv_chapter *ch = sv_chapters_build(ev, n, duration_ms, &count);
    static char        out[8192];
    size_t             len = 0;

    out[0] = '\0';
    for (size_t i = 0; ch != NULL && i < count; i++) {
        len += (size_t) snprintf(out + len, sizeof(out) - len, "%s%lld-%lld %s",
                                 i > 0 ? "|" : "", (long long) ch[i].start_ms,
                                 (long long) ch[i].end_ms, ch[i].name);
    }
    free(ch);
    return out;
}

static void
builds(const struct sv_chapter_event *ev, size_t n, int64_t duration_ms,
       const char *expected, const char *what)
{
    tap_is_str(describe(ev, n, duration_ms), expected, "%s", what);
}

static void
has(const char *doc, const char *part)
{
    tap_ok(doc != NULL && strstr(doc, part) != NULL, "has %.*s",
           (int) strcspn(part, "\n"), part);
}

static void
building(void)
{
    builds(NULL, 0, 60000, "0-60000 Stream", "no events: one chapter");

    struct sv_chapter_event one[] = { EV(10, "Speedrun", "Celeste") };
    builds(one, 1, 60000, "0-60000 Speedrun \xE2\x80\x94 Celeste",
           "the first chapter starts at 0, named after the first event");

    struct sv_chapter_event unsorted[] = {
        EV(30, "B", "Game"), EV(0, "A", "Chat"), EV(45.5, "C", ""),
    };
    builds(unsorted, COUNT(unsorted), 60000,
           "0-30000 A \xE2\x80\x94 Chat|30000-45500 B \xE2\x80\x94 Game|"
           "45500-60000 C", "sorted; each ends where the next starts");

    struct sv_chapter_event same[] = {
        EV(0, "A", "x"), EV(10, "A", "x"), EV(20, "B", "x"), EV(25, "B", "x"),
        EV(30, "A", "x"),
    };
    builds(same, COUNT(same), 40000,
           "0-20000 A \xE2\x80\x94 x|20000-30000 B \xE2\x80\x94 x|"
           "30000-40000 A \xE2\x80\x94 x", "repeated names merge");

    struct sv_chapter_event ties[] = {
        EV(0, "A", ""), EV(10, "B", ""), EV(10, "C", ""), EV(20, "D", ""),
        EV(20, "C", ""),
    };
    builds(ties, COUNT(ties), 30000, "0-10000 A|10000-30000 C",
           "same instant: the later event wins, and merges back");

    struct sv_chapter_event past[] = {
        EV(0, "A", ""), EV(60, "B", ""), EV(61, "C", ""), EV(59.9994, "D", ""),
    };
    builds(past, COUNT(past), 60000, "0-59999 A|59999-60000 D",
           "events at or past the duration are dropped; ms rounding");

    struct sv_chapter_event late[] = { EV(100, "A", "") };
    builds(late, 1, 60000, "0-60000 Stream", "only late events: default");

    struct sv_chapter_event empty[] = { EV(0, "", NULL), EV(5, NULL, "Cat") };
    builds(empty, 2, 10000, "0-5000 Stream|5000-10000 Cat",
           "empty title and category: Stream; one of them alone");

    tap_ok(sv_chapters_build(one, 1, 0, &(size_t) { 0 }) == NULL,
           "a zero duration gives nothing");

    struct sv_chapter_event *many = calloc(5000, sizeof(*many));
    char                   (*names)[16] = calloc(5000, sizeof(*names));
    size_t                   count;

    for (size_t i = 0; i < 5000; i++) {
        snprintf(names[i], sizeof(names[i]), "t%zu", i);
        many[i] = (struct sv_chapter_event) EV((double) i, names[i], "");
    }
    struct sv_chapter *ch = sv_chapters_build(many, 5000, 10000000, &count);

    tap_is_int((long long) count, SV_CHAPTERS_MAX, "at most %d chapters",
               SV_CHAPTERS_MAX);
    tap_is_int(ch[count - 1].end_ms, 10000000, "the last ends at the end");
    free(ch);
    free(many);
    free(names);
}

static void
hostile_names(void)
{
    struct sv_chapter_event ev[] = {
        EV(0, "a\tb\nc\r\x01\x7f" "d\xc2\x85", "e"),
        EV(1, "x\xff" "y", ""),
        EV(2, "😀 日本語 é", "中文"),
    };
    builds(ev, COUNT(ev), 3000,
           "0-1000 a b c d \xE2\x80\x94 e|1000-2000 x\xEF\xBF\xBDy|"
           "2000-3000 😀 日本語 é \xE2\x80\x94 中文",
           "control characters cleaned, invalid UTF-8 replaced, unicode kept");

    char *big = malloc(10001);

    /* "ab" then 3-byte characters: the 256th byte is inside one, which
     * must not be split. */
    memcpy(big, "ab", 2);
    for (size_t i = 2; i + 3 <= 10000; i += 3) {
        memcpy(big + i, "\xE2\x82\xAC", 3);
        big[i + 3] = '\0';
    }
    struct sv_chapter_event huge[] = { EV(0, big, "Category") };
    size_t                  count;
    struct sv_chapter      *ch = sv_chapters_build(huge, 1, 1000, &count);

    tap_is_int((long long) strlen(ch[0].name), 254,
               "a 10k-byte name is cut to at most %d bytes, between "
               "characters", SV_CHAPTER_NAME_MAX);
    tap_ok(strstr(ch[0].name, "Category") == NULL,
           "nothing follows a cut title");
    free(ch);
    free(big);
}

static void
files(void)
{
    struct sv_chapter_event ev[] = {
        EV(0, "Intro --> <b>&</b>", "Just Chatting"),
        EV(3723.456, "Part \"2\" 'x'", ""),
    };
    size_t             count;
    struct sv_chapter *ch = sv_chapters_build(ev, 2, 90000000, &count);
    char              *vtt = sv_chapters_vtt(ch, count);
    char              *xml = sv_chapters_xml(ch, count);

    tap_ok(vtt != NULL && strncmp(vtt, "WEBVTT\n\n1\n", 10) == 0,
           "the vtt starts with WEBVTT and the first cue");
    has(vtt, "1\n00:00:00.000 --> 01:02:03.456\nIntro --&gt; &lt;b&gt;"
        "&amp;&lt;/b&gt; \xE2\x80\x94 Just Chatting\n\n");
    has(vtt, "2\n01:02:03.456 --> 25:00:00.000\nPart \"2\" 'x'\n");
    size_t arrows = 0;

    for (const char *p = vtt; p != NULL && (p = strstr(p, "-->")) != NULL;
         p += 3) {
        arrows++;
    }
    tap_is_int((long long) arrows, 2, "the only arrows are the timings'");
    has(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Chapters>\n");
    has(xml, "<Name>Intro --&gt; &lt;b&gt;&amp;&lt;/b&gt; \xE2\x80\x94 "
        "Just Chatting</Name>");
    has(xml, "<StartTime>01:02:03.456</StartTime>\n    <StartPositionTicks>"
        "37234560000</StartPositionTicks>");
    has(xml, "<Name>Part &quot;2&quot; &apos;x&apos;</Name>");
    has(xml, "</Chapter>\n</Chapters>\n");
    free(vtt);
    free(xml);
    free(ch);
}

int
main(void)
{
    building();
    hostile_names();
    files();
    return tap_done();
}
