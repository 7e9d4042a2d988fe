/*
 * HLS playlists (worker/hls_playlist.c) and the polling window
 * (worker/hls_window.c): Twitch's real shapes (t/fixtures/twitch/), the ad
 * rule, and hostile playlists.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hls_playlist.h"
#include "hls_window.h"
#include "sv_utf8.h"
#include "tap.h"

#define URL      "https://video-weaver.example/v1/playlist/abc.m3u8"
#define T0       INT64_C(1795255200000)     /* 2026-11-21T10:00:00Z */
#define FIXTURES "t/fixtures/twitch/"
#define O        "https://origin.example/v1/segment/"
#define AD       "https://ads.example/v1/segment/"

static char err[256];

static bool
parse(const char *text, struct sv_hls_playlist *pl)
{
    return sv_hls_parse(text, strlen(text), URL, pl, err, sizeof(err));
}

/* The file's text, read from the top of the repository (where prove
 * runs); NULL when missing. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *s = malloc(SV_HLS_TEXT_MAX + 1);

    *len = 0;
    if (f != NULL && s != NULL) {
        *len = fread(s, 1, SV_HLS_TEXT_MAX + 1, f);
    }
    if (f == NULL || s == NULL || ferror(f)) {
        free(s);
        s = NULL;
    }
    if (f != NULL) {
        fclose(f);
    }
    return s;
}

static bool
valid_utf8_line(const char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < len;) {
        size_t seq = sv_utf8_sequence_length((const unsigned char *) s + i,
                                             len - i);

        if (seq == 0 || (unsigned char) s[i] < 0x20) {
            return false;
        }
        i += seq;
    }
    return true;
}

static void
fixture_media(void)
{
    struct sv_hls_playlist pl;
    size_t                 len;
    char                  *text = slurp(FIXTURES "live-media-with-ad.m3u8",
                                        &len);
    /* sequence, ad, discontinuity, prefetch, pdt (s after T0), title */
    static const struct {
        int64_t     seq;
        bool        ad, disc, prefetch;
        int         at_s;
        const char *title, *uri;
    } want[] = {
        { 1000, 0, 0, 0, 0, "live", O "1000.ts" },
        { 1001, 0, 0, 0, 2, "live", O "1001.ts" },
        { 1002, 1, 1, 0, 4, "Amazon|123456789", AD "ad-0.ts" },
        { 1003, 1, 0, 0, 6, "Amazon|123456789", AD "ad-1.ts" },
        { 1004, 0, 1, 0, 34, "live", O "1002.ts" },
        { 1005, 0, 0, 0, 36, "live", O "1003.ts" },
        { 1006, 0, 0, 1, 38, "", O "1004.ts" },
        { 1007, 0, 0, 1, 40, "", O "1005.ts" },
    };

    if (!tap_ok(text != NULL, "the media fixture is readable")) {
        return;
    }
    tap_ok(sv_hls_parse(text, len, URL, &pl, err, sizeof(err)),
           "the fixture media playlist parses (%s)", err);
    tap_is_int(pl.kind, SV_HLS_MEDIA, "  a media playlist");
    tap_ok(pl.target_duration_s == 6, "  TARGETDURATION 6");
    tap_is_int(pl.media_sequence, 1000, "  MEDIA-SEQUENCE");
    tap_is_int(pl.discontinuity_sequence, 0, "  DISCONTINUITY-SEQUENCE");
    tap_ok(!pl.endlist, "  live: no ENDLIST");
    tap_is_int((long long) pl.n_segments, 8, "  6 segments + 2 prefetch");
    for (size_t i = 0; i < pl.n_segments && i < 8; i++) {
        const struct sv_hls_segment *s = &pl.segments[i];

        tap_ok(s->sequence == want[i].seq && s->ad == want[i].ad
               && s->discontinuity == want[i].disc
               && s->prefetch == want[i].prefetch
               && s->pdt_ms == T0 + want[i].at_s * 1000
               && s->duration_s == 2.0 && strcmp(s->title, want[i].title) == 0
               && strcmp(s->uri, want[i].uri) == 0,
               "  segment %lld: %s%s%s%s at +%d s \"%s\"",
               (long long) s->sequence, s->ad ? "ad " : "",
               s->discontinuity ? "discontinuity " : "",
               s->prefetch ? "prefetch " : "", s->uri,
               (int) ((s->pdt_ms - T0) / 1000), s->title);
    }
    sv_hls_free(&pl);

    /* The fixture's DATERANGE alone finds the same ads. */
    for (char *t = text; (t = strstr(t, "Amazon")) != NULL;) {
        memcpy(t, "Zzzzzz", 6);
    }
    tap_ok(sv_hls_parse(text, len, URL, &pl, err, sizeof(err))
           && pl.n_segments == 8 && !pl.segments[1].ad && pl.segments[2].ad
           && pl.segments[3].ad && !pl.segments[4].ad && !pl.segments[7].ad,
           "the fixture's ads by their DATERANGE alone");
    sv_hls_free(&pl);
    free(text);
}

static void
fixture_multivariant(void)
{
    struct sv_hls_playlist pl;
    size_t                 len;
    char                  *text = slurp(FIXTURES "usher-multivariant-v2.m3u8",
                                        &len);
    static const struct {
        const char *name, *uri;
        uint64_t    bandwidth;
        int         w, h;
        double      fps;
        bool        source;
    } want[] = {
        { "720p60", "https://mocked/720p60.m3u8", 3422999, 1280, 720, 60, 0 },
        { "480p", "https://mocked/480p,m3u8", 1427999, 852, 480, 30, 0 },
        { "360p", "https://mocked/360p.m3u8", 630000, 640, 360, 30, 0 },
        { "160p", "https://mocked/160p.m3u8", 230000, 284, 160, 30, 0 },
        { "audio_only", "https://mocked/audio_only.m3u8", 160000, 0, 0, 0, 0 },
        { "1080p60", "https://mocked/1080p60.m3u8", 9146586, 1920, 1080, 60,
          1 },
    };

    if (!tap_ok(text != NULL, "the usher fixture is readable")) {
        return;
    }
    tap_ok(sv_hls_parse(text, len, URL, &pl, err, sizeof(err)),
           "the usher v2 playlist parses (%s)", err);
    tap_is_int(pl.kind, SV_HLS_MULTIVARIANT, "  a multivariant playlist");
    tap_is_int((long long) pl.n_variants, 6, "  6 variants");
    for (size_t i = 0; i < pl.n_variants && i < 6; i++) {
        const struct sv_hls_variant *v = &pl.variants[i];

        tap_ok(strcmp(v->name, want[i].name) == 0
               && strcmp(v->uri, want[i].uri) == 0
               && v->bandwidth == want[i].bandwidth && v->width == want[i].w
               && v->height == want[i].h && v->frame_rate == want[i].fps
               && v->source == want[i].source,
               "  %s %s %llu %dx%d@%g%s", v->name, v->uri,
               (unsigned long long) v->bandwidth, v->width, v->height,
               v->frame_rate, v->source ? " source" : "");
    }
    tap_is_str(pl.n_variants > 5 ? pl.variants[5].codecs : NULL,
               "avc1.64002A,mp4a.40.2", "  CODECS with its comma");
    tap_is_str(pl.n_variants > 4 ? pl.variants[4].codecs : NULL,
               "mp4a.40.2", "  audio_only's CODECS");
    sv_hls_free(&pl);
    free(text);
}

/* Twitch's older usher answer: names in EXT-X-MEDIA, EXT-X-TWITCH-INFO;
 * here with a BOM, CRLF, relative URIs and unknown tags. */
static void
older_usher(void)
{
    struct sv_hls_playlist pl;
    const char *text =
        "\xEF\xBB\xBF#EXTM3U\r\n"
        "#EXT-X-TWITCH-INFO:NODE=\"video-edge-1\","
        "MANIFEST-NODE-TYPE=\"weaver\","
        "SERVER-TIME=\"1763719200.00\",USER-IP=\"192.0.2.1\"\r\n"
        "\r\n"
        "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"chunked\","
        "NAME=\"1080p60 (source)\","
        "AUTOSELECT=YES,DEFAULT=YES\r\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=6000000,RESOLUTION=1920x1080,"
        "CODECS=\"avc1.64002A,mp4a.40.2\",VIDEO=\"chunked\","
        "FRAME-RATE=60.000\r\n"
        "chunked/index.m3u8\r\n"
        "#EXT-X-FUTURE-TAG:X=1\r\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,"
        "VIDEO=\"720p60\",FRAME-RATE=60.000\r\n"
        "../other/720p60.m3u8\r\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=1000000,RESOLUTION=852x480\r\n"
        "/abs/480p.m3u8\r\n"
        "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID=\"720p60\",NAME=\"720p60\"\r\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=1280x720,"
        "FRAME-RATE=59.94\r\n"
        "x.m3u8\r\n";

    tap_ok(parse(text, &pl), "an older usher playlist parses (%s)", err);
    tap_is_int((long long) pl.n_variants, 4, "  4 variants");
    if (pl.n_variants == 4) {
        tap_is_str(pl.variants[0].name, "1080p60 (source)",
                   "  NAME from the VIDEO group's EXT-X-MEDIA");
        tap_ok(pl.variants[0].source && !pl.variants[1].source,
               "  (source) marks the source");
        tap_is_str(pl.variants[0].uri,
                   "https://video-weaver.example/v1/playlist/chunked/"
                   "index.m3u8", "  relative URI resolved");
        tap_is_str(pl.variants[1].name, "720p60",
                   "  an EXT-X-MEDIA after the variant still names it");
        tap_is_str(pl.variants[1].uri,
                   "https://video-weaver.example/v1/other/720p60.m3u8",
                   "  .. resolved");
        tap_is_str(pl.variants[2].name, "480p",
                   "  no name: from the resolution");
        tap_is_str(pl.variants[2].uri,
                   "https://video-weaver.example/abs/480p.m3u8",
                   "  absolute path resolved");
        tap_is_str(pl.variants[3].name, "720p60",
                   "  no name: height and a frame rate above 30");
    }
    sv_hls_free(&pl);
}

static const char *
ad_of(const char *segments, const char *what)
{
    static char            text[4096];
    struct sv_hls_playlist pl;
    static char            flags[64];
    size_t                 n = 0;

    snprintf(text, sizeof(text), "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n%s",
             segments);
    if (!tap_ok(parse(text, &pl), "ads: %s (%s)", what, err)) {
        return "";
    }
    for (size_t i = 0; i < pl.n_segments && n + 1 < sizeof(flags); i++) {
        flags[n++] = pl.segments[i].ad ? 'A' : '-';
    }
    flags[n] = '\0';
    sv_hls_free(&pl);
    return flags;
}

#define SEG(at, title) \
    "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T10:00:" at "Z\n#EXTINF:2.000," \
    title "\nseg.ts\n"

static void
ads(void)
{
    const char *four = SEG("00.000", "live") SEG("02.000", "live")
                       SEG("04.000", "live") SEG("06.000", "live");

    tap_is_str(ad_of(four, "none"), "----", "  no ad");
    {
        char text[2048];

        snprintf(text, sizeof(text), "#EXT-X-DATERANGE:ID=\"x\",CLASS=\""
                 "twitch-stitched-ad\",START-DATE=\"2026-11-21T10:00:02.000"
                 "Z\","
                 "DURATION=4.000\n%s", four);
        tap_is_str(ad_of(text, "CLASS, by time alone"), "-AA-",
                   "  [start, start + DURATION)");
        snprintf(text, sizeof(text), "%s#EXT-X-DATERANGE:ID=\"stitched-ad-1-2"
                 "\",START-DATE=\"2026-11-21T10:00:04Z\",DURATION=30\n", four);
        tap_is_str(ad_of(text, "ID prefix, range after the segments"),
                   "--AA", "  applies to the segments before it too");
        snprintf(text, sizeof(text), "#EXT-X-DATERANGE:ID=\"stitched-ad-1\","
                 "START-DATE=\"2026-11-21T11:00:01+01:00\",END-DATE=\""
                 "2026-11-21T10:00:03.5Z\",DURATION=100\n%s", four);
        tap_is_str(ad_of(text, "END-DATE, a time zone"), "-A--",
                   "  END-DATE before DURATION");
        snprintf(text, sizeof(text), "#EXT-X-DATERANGE:ID=\"stitched-ad-1\","
                 "START-DATE=\"2026-11-21T10:00:04Z\"\n%s", four);
        tap_is_str(ad_of(text, "no end"), "--AA", "  open-ended");
        snprintf(text, sizeof(text), "#EXT-X-DATERANGE:ID=\"x\",CLASS=\""
                 "twitch-stream-source\",START-DATE=\"2026-11-21T10:00:00Z\","
                 "DURATION=100\n#EXT-X-DATERANGE:ID=\"stitched-ad-\","
                 "START-DATE"
                 "=\"garbage\",DURATION=100\n%s", four);
        tap_is_str(ad_of(text, "other classes, bad dates"), "----",
                   "  are not ads");
    }
    tap_is_str(ad_of(SEG("00.000", "live") SEG("02.000", "Amazon|1")
                     "#EXTINF:2,Amazon\nx.ts\n#EXTINF:2,amazon\nx.ts\n",
                     "titles"), "-AA-", "  \"Amazon\" in the title, by case");
}

static void
refused(const char *text, size_t len, const char *why, const char *reason)
{
    struct sv_hls_playlist pl;

    err[0] = '\0';
    tap_ok(!sv_hls_parse(text, len, URL, &pl, err, sizeof(err))
           && pl.n_segments == 0 && pl.n_variants == 0 && pl.strings == NULL
           && strstr(err, reason) != NULL, "refused: %s (%s)", why, err);
}

static void
refused_str(const char *text, const char *why, const char *reason)
{
    refused(text, strlen(text), why, reason);
}

/* A playlist of n segments of "#EXTINF:1,\ns.ts\n" (16 bytes each). */
static char *
many(size_t n, size_t *len)
{
    char *s = malloc(8 + 16 * n + 1);

    memcpy(s, "#EXTM3U\n", 8);
    for (size_t i = 0; i < n; i++) {
        memcpy(s + 8 + 16 * i, "#EXTINF:1,\ns.ts\n", 16);
    }
    *len = 8 + 16 * n;
    s[*len] = '\0';
    return s;
}

static void
hostile(void)
{
    struct sv_hls_playlist pl;
    size_t                 len;
    char                  *big;

    refused_str("", "empty", "empty");
    refused_str("#EXTINF:1,\nx.ts\n", "no #EXTM3U", "#EXTM3U");
    refused_str("<html>", "HTML", "#EXTM3U");
    refused("#EXTM3U\n#EXTINF:1,a\0b\nx.ts\n", 25, "a NUL byte",
            "line 2: a NUL byte");
    refused_str("#EXTM3U\n#EXTINF:-1,\nx.ts\n", "a negative duration",
                "line 2: EXTINF");
    refused_str("#EXTM3U\n#EXTINF\nx.ts\n", "EXTINF without a value",
                "EXTINF");
    refused_str("#EXTM3U\n#EXTINF:abc,\nx.ts\n", "EXTINF not a number",
                "EXTINF");
    refused_str("#EXTM3U\n#EXTINF:1e9,\nx.ts\n", "EXTINF in exponent form",
                "EXTINF");
    refused_str("#EXTM3U\n#EXTINF:99999999999999999999999999999,\nx.ts\n",
                "a huge duration", "EXTINF");
    refused_str("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n",
                "a huge MEDIA-SEQUENCE", "EXT-X-MEDIA-SEQUENCE");
    refused_str("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:9007199254740993\n",
                "MEDIA-SEQUENCE over 2^53", "EXT-X-MEDIA-SEQUENCE");
    refused_str("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE\n",
                "MEDIA-SEQUENCE without a value", "EXT-X-MEDIA-SEQUENCE");
    refused_str("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-5\n",
                "a negative MEDIA-SEQUENCE", "EXT-X-MEDIA-SEQUENCE");
    refused_str("#EXTM3U\n#EXT-X-TARGETDURATION:\n", "TARGETDURATION empty",
                "EXT-X-TARGETDURATION");
    refused_str("#EXTM3U\n#EXT-X-DISCONTINUITY-SEQUENCE:x\n",
                "DISCONTINUITY-SEQUENCE not a number",
                "EXT-X-DISCONTINUITY-SEQUENCE");
    refused_str("#EXTM3U\n#EXTINF:1,\nseg 1.ts\n", "a URI with a space",
                "line 3: URI");
    refused_str("#EXTM3U\n#EXTINF:1,\nseg\xC3\xA9.ts\n", "a non-ASCII URI",
                "URI");
    refused_str("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n"
                "#EXTINF:1,\nx.ts\n", "variants and segments", "both");
    refused_str("#EXTM3U\n#EXTINF:1,\nx.ts\n#EXT-X-TWITCH-PREFETCH:y.ts\n"
                "#EXTINF:1,\nz.ts\n", "a segment after a prefetch",
                "line 6: a segment after");

    big = malloc(SV_HLS_TEXT_MAX + 2);
    memset(big, '\n', SV_HLS_TEXT_MAX + 1);
    memcpy(big, "#EXTM3U\n", 8);
    refused(big, SV_HLS_TEXT_MAX + 1, "over 4 MiB", "over");
    tap_ok(sv_hls_parse(big, SV_HLS_TEXT_MAX, URL, &pl, err, sizeof(err)),
           "4 MiB of blank lines are fine (%s)", err);
    sv_hls_free(&pl);
    memset(big + 8, '#', SV_HLS_LINE_MAX + 1);
    refused(big, SV_HLS_LINE_MAX + 20, "a line over 64 KiB", "line 2: over");
    memcpy(big + 8, "#EXTINF:1,\n", 11);
    memset(big + 19, 'a', SV_HLS_URI_MAX + 1);
    refused(big, 19 + SV_HLS_URI_MAX + 1, "a URI over 8 KiB", "URI over");
    free(big);

    big = many(SV_HLS_ENTRIES_MAX, &len);
    tap_ok(sv_hls_parse(big, len, URL, &pl, err, sizeof(err))
           && pl.n_segments == SV_HLS_ENTRIES_MAX
           && pl.segments[SV_HLS_ENTRIES_MAX - 1].sequence
              == SV_HLS_ENTRIES_MAX - 1,
           "100000 segments are fine (%s)", err);
    sv_hls_free(&pl);
    free(big);
    big = many(SV_HLS_ENTRIES_MAX + 1, &len);
    refused(big, len, "100001 segments", "line 200003: more than 100000");
    free(big);
    {
        /* 100000 URIs of 400 bytes once resolved: 40 MB of strings. */
        char url[400];

        memset(url, 'a', sizeof(url));
        memcpy(url, "https://x/", 10);
        memcpy(url + sizeof(url) - 3, "/p", 3);
        big = many(SV_HLS_ENTRIES_MAX, &len);
        tap_ok(!sv_hls_parse(big, len, url, &pl, err, sizeof(err))
               && strstr(err, "more than 33554432 bytes") != NULL,
               "refused: resolved URIs over 32 MiB (%s)", err);
        sv_hls_free(&pl);
        free(big);
    }

    /* Each segment is matched against every rendition or ad range. */
    big = malloc(16 + 200 * (SV_HLS_GROUPS_MAX + 1));
    for (int n = SV_HLS_GROUPS_MAX; n <= SV_HLS_GROUPS_MAX + 1; n++) {
        len = (size_t) sprintf(big, "#EXTM3U\n");
        for (int i = 0; i < n; i++) {
            len += (size_t) sprintf(big + len, "#EXT-X-DATERANGE:ID=\""
                                    "stitched-ad-%d\",START-DATE=\"2026-11-"
                                    "21T10:00:00Z\"\n", i);
        }
        tap_ok(sv_hls_parse(big, len, URL, &pl, err, sizeof(err))
               == (n == SV_HLS_GROUPS_MAX), "%d ad date ranges: %s", n,
               n == SV_HLS_GROUPS_MAX ? "fine" : err);
        sv_hls_free(&pl);
    }
    len = (size_t) sprintf(big, "#EXTM3U\n");
    for (int i = 0; i <= SV_HLS_GROUPS_MAX; i++) {
        len += (size_t) sprintf(big + len, "#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="
                                "\"%d\",NAME=\"n\"\n", i);
    }
    refused(big, len, "257 video renditions", "more than 256 video");
    free(big);

    /* Cut-off bodies and tags without their URI. */
    tap_ok(parse("#EXTM3U\n#EXTINF:2,a\nx.ts\n#EXTINF:2,b\nx", &pl)
           && pl.n_segments == 2, "a last line without its newline counts");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXTINF:2,a\nx.ts\n#EXTINF:2,b", &pl)
           && pl.n_segments == 1, "a last EXTINF without a URI is dropped");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n"
                 "#EXT-X-STREAM-INF:BANDWIDTH=2", &pl)
           && pl.n_variants == 1, "a last STREAM-INF without a URI too");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXTINF:2,a\n#EXTINF:3,b\nx.ts\nstray.ts\n", &pl)
           && pl.n_segments == 1 && pl.segments[0].duration_s == 3
           && strcmp(pl.segments[0].title, "b") == 0,
           "an EXTINF without URI is replaced by the next; a stray URI is "
           "no segment");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXTINF:2\nx.ts\n", &pl) && pl.n_segments == 1
           && strcmp(pl.segments[0].title, "") == 0, "EXTINF without comma");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXT-X-STREAM-INF\na.m3u8\n#EXT-X-STREAM-INF:"
                 "BANDWIDTH=99999999999999999999999,RESOLUTION=1x,FRAME-RATE"
                 "=-1,CODECS=\"unterminated\na.m3u8\n#EXT-X-MEDIA\n", &pl)
           && pl.n_variants == 2 && pl.variants[0].bandwidth == 0
           && pl.variants[1].bandwidth == 0 && pl.variants[1].height == 0
           && pl.variants[1].frame_rate == 0
           && strcmp(pl.variants[1].codecs, "unterminated") == 0
           && strcmp(pl.variants[1].name, "") == 0,
           "bad or missing attributes are absent");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXT-X-TWITCH-PREFETCH:early.ts\n#EXT-X-DATERANGE"
                 "\n#EXT-X-PROGRAM-DATE-TIME:2026-02-29T00:00:00Z\n#EXTINF:2,"
                 "\nx.ts\n#EXT-X-PROGRAM-DATE-TIME\n#EXTINF:2,\ny.ts\n"
                 "#EXT-X-TWITCH-PREFETCH:\n#EXT-X-ENDLIST\n", &pl)
           && pl.n_segments == 2 && pl.segments[0].pdt_ms == SV_HLS_NO_TIME
           && pl.segments[1].pdt_ms == SV_HLS_NO_TIME && pl.endlist,
           "a prefetch before any segment, empty tags, 29 February of a "
           "common year are ignored");
    sv_hls_free(&pl);
    tap_ok(parse("#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2024-02-29T23:59:59.5"
                 "-0130\n#EXTINF:2.5,\nx.ts\n#EXTINF:2,\ny.ts\n"
                 "#EXT-X-DISCONTINUITY\n#EXTINF:2,\nz.ts\n", &pl)
           && pl.n_segments == 3
           && pl.segments[0].pdt_ms == (1709251199 + 5400) * INT64_C(1000)
                                       + 500
           && pl.segments[1].pdt_ms == pl.segments[0].pdt_ms + 2500
           && pl.segments[2].pdt_ms == SV_HLS_NO_TIME,
           "times: a zone without colon, extrapolated, not across a "
           "discontinuity");
    sv_hls_free(&pl);

    /* Names and titles come out clean. */
    {
        char text[1024];

        snprintf(text, sizeof(text), "#EXTM3U\n#EXTINF:1,a\xFF\x01" "b\xC2\x85"
                 "c\xE2\x82\n" "x.ts\n#EXTINF:1,%0300d\xC3\xA9\nx.ts\n", 7);
        tap_ok(parse(text, &pl) && pl.n_segments == 2
               && strcmp(pl.segments[0].title, "a\xEF\xBF\xBD" "bc"
                         "\xEF\xBF\xBD\xEF\xBF\xBD") == 0
               && strlen(pl.segments[1].title) == SV_HLS_TITLE_MAX
               && valid_utf8_line(pl.segments[1].title),
               "titles: invalid UTF-8 replaced, controls removed, cut");
        sv_hls_free(&pl);
        snprintf(text, sizeof(text), "#EXTM3U\n#EXT-X-STREAM-INF:IVS-NAME=\""
                 "%0126d\xE2\x82\xAC\"\nx.m3u8\n", 5);
        tap_ok(parse(text, &pl) && pl.n_variants == 1
               && strlen(pl.variants[0].name) == 126,
               "names: cut between characters");
        sv_hls_free(&pl);
    }
}

static void
window(void)
{
    struct sv_hls_playlist pl;
    struct sv_hls_cursor   c = SV_HLS_CURSOR_INIT;
    struct sv_hls_new      n;
    char                   text[1024];

    /* seq = first media sequence, then k segments and p prefetch. */
#define POLL(seq, k, p, want_first, want_count, want_skipped, want_reset,  \
             prefetch, what)                                                \
    do {                                                                    \
        int at = snprintf(text, sizeof(text),                               \
                          "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:%d\n", seq);      \
        for (int i = 0; i < (k); i++) {                                     \
            at += snprintf(text + at, sizeof(text) - (size_t) at,           \
                           "#EXTINF:2,\n%d.ts\n", (seq) + i);               \
        }                                                                   \
        for (int i = 0; i < (p); i++) {                                     \
            at += snprintf(text + at, sizeof(text) - (size_t) at,           \
                           "#EXT-X-TWITCH-PREFETCH:p%d.ts\n", i);           \
        }                                                                   \
        parse(text, &pl);                                                   \
        n = sv_hls_window_next(&c, &pl, prefetch);                          \
        tap_ok(n.first == (want_first) && n.count == (want_count)           \
               && n.skipped == (want_skipped) && n.reset == (want_reset),   \
               "window: %s (first %zu count %zu skipped %lld%s, last %lld)",\
               what, n.first, n.count, (long long) n.skipped,               \
               n.reset ? " reset" : "", (long long) c.last_taken);          \
        sv_hls_free(&pl);                                                   \
    } while (0)

    POLL(100, 5, 0, 0, 5, 0, false, false, "the first poll takes all");
    tap_is_int(c.last_taken, 104, "  up to 104");
    POLL(100, 5, 0, 5, 0, 0, false, false, "the same playlist: nothing");
    POLL(102, 5, 0, 3, 2, 0, false, false, "moved by 2: 105, 106");
    POLL(110, 5, 0, 0, 5, 3, false, false, "107..109 lost");
    tap_is_int(c.last_taken, 114, "  up to 114");
    POLL(112, 5, 2, 3, 4, 0, false, true, "115, 116 and the prefetch ones");
    tap_is_int(c.last_taken, 118, "  up to the prefetch 118");
    POLL(114, 5, 0, 5, 0, 0, false, true,
         "the prefetched ones as regular: nothing");
    POLL(114, 5, 2, 5, 0, 0, false, false, "prefetch not asked for: nothing");
    POLL(114, 5, 2, 5, 2, 0, false, true, "asked for: 119, 120");
    POLL(3, 4, 0, 0, 4, 0, true, false, "MEDIA-SEQUENCE went back: reset");
    tap_is_int(c.last_taken, 6, "  up to 6");
    POLL(5, 4, 0, 2, 2, 0, false, false, "then on from there");
    POLL(9, 0, 0, 0, 0, 0, false, false, "an empty playlist: nothing");
    tap_is_int(c.last_taken, 8, "  still 8");
#undef POLL
}

int
main(void)
{
    fixture_media();
    fixture_multivariant();
    older_usher();
    ads();
    hostile();
    window();
    return tap_done();
}
