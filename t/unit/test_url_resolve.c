/*
 * URI reference resolution (worker/url_resolve.c): RFC 3986's own examples
 * (5.4), the shapes HLS playlists use, and what is refused.
 */

#include <string.h>

#include "tap.h"
#include "url_resolve.h"

#define BASE  "http://a/b/c/d;p?q"

static void
resolves(const char *base, const char *ref, const char *expected)
{
    char out[256];

    tap_ok(sv_url_resolve(base, ref, out, sizeof(out)), "\"%s\" resolves",
           ref);
    tap_is_str(out, expected, "  to %s", expected);
}

static void
refused(const char *base, const char *ref, size_t cap, const char *why)
{
    char out[256] = "x";

    tap_ok(!sv_url_resolve(base, ref, out, cap)
           && (cap == 0 || out[0] == '\0'), "refused: %s", why);
}

int
main(void)
{
    /* RFC 3986 5.4.1 normal examples. */
    static const char *normal[][2] = {
        { "g:h", "g:h" }, { "g", "http://a/b/c/g" },
        { "./g", "http://a/b/c/g" }, { "g/", "http://a/b/c/g/" },
        { "/g", "http://a/g" }, { "//g", "http://g" },
        { "?y", "http://a/b/c/d;p?y" }, { "g?y", "http://a/b/c/g?y" },
        { "#s", "http://a/b/c/d;p?q#s" }, { "g#s", "http://a/b/c/g#s" },
        { "g?y#s", "http://a/b/c/g?y#s" }, { ";x", "http://a/b/c/;x" },
        { "g;x", "http://a/b/c/g;x" }, { "g;x?y#s", "http://a/b/c/g;x?y#s" },
        { "", "http://a/b/c/d;p?q" }, { ".", "http://a/b/c/" },
        { "./", "http://a/b/c/" }, { "..", "http://a/b/" },
        { "../", "http://a/b/" }, { "../g", "http://a/b/g" },
        { "../..", "http://a/" }, { "../../", "http://a/" },
        { "../../g", "http://a/g" },
    };
    /* 5.4.2 abnormal examples (strict parser). */
    static const char *abnormal[][2] = {
        { "../../../g", "http://a/g" }, { "../../../../g", "http://a/g" },
        { "/./g", "http://a/g" }, { "/../g", "http://a/g" },
        { "g.", "http://a/b/c/g." }, { ".g", "http://a/b/c/.g" },
        { "g..", "http://a/b/c/g.." }, { "..g", "http://a/b/c/..g" },
        { "./../g", "http://a/b/g" }, { "./g/.", "http://a/b/c/g/" },
        { "g/./h", "http://a/b/c/g/h" }, { "g/../h", "http://a/b/c/h" },
        { "g;x=1/./y", "http://a/b/c/g;x=1/y" },
        { "g;x=1/../y", "http://a/b/c/y" },
        { "g?y/./x", "http://a/b/c/g?y/./x" },
        { "g?y/../x", "http://a/b/c/g?y/../x" },
        { "g#s/./x", "http://a/b/c/g#s/./x" },
        { "g#s/../x", "http://a/b/c/g#s/../x" }, { "http:g", "http:g" },
    };

    for (size_t i = 0; i < sizeof(normal) / sizeof(normal[0]); i++) {
        resolves(BASE, normal[i][0], normal[i][1]);
    }
    for (size_t i = 0; i < sizeof(abnormal) / sizeof(abnormal[0]); i++) {
        resolves(BASE, abnormal[i][0], abnormal[i][1]);
    }

    /* What HLS playlists hold. */
    resolves("https://usher.ttvnw.net/api/v2/channel/hls/alice.m3u8?sig=1",
             "https://video-weaver.example/v1/playlist/x.m3u8",
             "https://video-weaver.example/v1/playlist/x.m3u8");
    resolves("https://cdn.example/live/alice/index.m3u8?token=t",
             "720p60/index.m3u8", "https://cdn.example/live/alice/720p60/"
             "index.m3u8");
    resolves("https://cdn.example/live/alice/720p/index.m3u8",
             "../../segments/42.ts?x=1",
             "https://cdn.example/live/segments/42.ts?x=1");
    resolves("https://cdn.example/a/b.m3u8", "//other.example/seg.ts",
             "https://other.example/seg.ts");
    resolves("https://cdn.example/a/b.m3u8?old=1", "?new=2",
             "https://cdn.example/a/b.m3u8?new=2");
    resolves("https://cdn.example", "seg.ts", "https://cdn.example/seg.ts");
    resolves("https://cdn.example/a/b.m3u8#frag", "",
             "https://cdn.example/a/b.m3u8");
    resolves("https://cdn.example:8443/a/b.m3u8", "/x/../y.ts",
             "https://cdn.example:8443/y.ts");
    resolves("https://mocked/x.m3u8", "https://mocked/480p,m3u8",
             "https://mocked/480p,m3u8");

    refused("/relative/base.m3u8", "seg.ts", 256, "a base without scheme");
    refused("https://cdn.example/", "a b.ts", 256, "a space");
    refused("https://cdn.example/", "a\tb.ts", 256, "a control byte");
    refused("https://cdn.example/", "caf\xC3\xA9.ts", 256, "a byte >= 0x80");
    refused("https://cdn.example/", "seg.ts", 20, "too long for out");
    refused("https://cdn.example/", "seg.ts", 0, "no room at all");
    {
        char out[33];

        tap_ok(sv_url_resolve("https://cdn.example/", "123456789.ts", out,
                              sizeof(out))
               && strlen(out) == 32, "exactly fits: %s", out);
        tap_ok(!sv_url_resolve("https://cdn.example/", "1234567890.ts", out,
                               sizeof(out)), "one byte more does not");
    }
    return tap_done();
}
