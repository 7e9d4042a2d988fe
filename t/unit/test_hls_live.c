/*
 * The live playlist of a running recording from its segment log
 * (lib/sv_hls_live.c): the exact text, out-of-order commits, gaps, the
 * end, a log caught mid-append, and lines of other shapes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_hls_live.h"
#include "tap.h"

static char   err[256];
static size_t len;

static char *
playlist(const char *log)
{
    return sv_hls_live_playlist(log, strlen(log), &len, err, sizeof(err));
}

static void
is_playlist(const char *log, const char *want, const char *what)
{
    char *p = playlist(log);

    if (!tap_is_str(p, want, "%s", what)) {
        fprintf(stderr, "# got:\n%s", p ? p : err);
    }
    tap_ok(p == NULL || len == strlen(p), "%s: its length", what);
    free(p);
}

#define HEAD(target, seq) \
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" #target "\n" \
    "#EXT-X-MEDIA-SEQUENCE:" #seq "\n#EXT-X-PLAYLIST-TYPE:EVENT\n"

int
main(void)
{
    is_playlist("", HEAD(1, 0), "no segment yet: an empty event playlist");
    is_playlist("1 2.000\n2 2.002\n",
                HEAD(3, 1) "#EXTINF:2.000,\n000000000001.ts\n"
                "#EXTINF:2.002,\n000000000002.ts\n",
                "two segments; the target is the longest rounded up");
    is_playlist("5 2\n4 1.5\n6 2.0\n",
                HEAD(2, 4) "#EXTINF:1.500,\n000000000004.ts\n"
                "#EXTINF:2.000,\n000000000005.ts\n"
                "#EXTINF:2.000,\n000000000006.ts\n",
                "committed out of order: listed in file order");
    is_playlist("1 2.000\n2 gap\n2 2.000\n3 2.000\n",
                HEAD(2, 1) "#EXTINF:2.000,\n000000000001.ts\n"
                "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n000000000002.ts\n"
                "#EXTINF:2.000,\n000000000003.ts\n",
                "a gap: a discontinuity before its file");
    is_playlist("1 2.000\n2 2.000\nend\n",
                HEAD(2, 1) "#EXTINF:2.000,\n000000000001.ts\n"
                "#EXTINF:2.000,\n000000000002.ts\n#EXT-X-ENDLIST\n",
                "the end: ENDLIST");
    is_playlist("1 2.000\nend\n2 2.000\n",
                HEAD(2, 1) "#EXTINF:2.000,\n000000000001.ts\n"
                "#EXTINF:2.000,\n000000000002.ts\n",
                "an end that is not the last line (resumed): no ENDLIST");
    is_playlist("1 2.000\n2 2.0",
                HEAD(2, 1) "#EXTINF:2.000,\n000000000001.ts\n",
                "a line caught mid-append waits for the next request");
    is_playlist("1 2.000\nend",
                HEAD(2, 1) "#EXTINF:2.000,\n000000000001.ts\n",
                "so does an end without its newline");
    is_playlist("1 2.000\n1 2.000\n",
                HEAD(2, 1) "#EXTINF:2.000,\n000000000001.ts\n",
                "a segment logged twice is listed once");
    is_playlist("x 2.0\n1 -3\n2 2.5s\n3\n 4 1.0\n5 2.0005\n"
                "1234567890123456789 1.0\n",
                HEAD(2, 5) "#EXTINF:2.000,\n000000000005.ts\n",
                "lines of other shapes are skipped; 3 decimals kept");
    {
        char *big = malloc(SV_HLS_LIVE_LOG_MAX + 1);

        memset(big, '\n', SV_HLS_LIVE_LOG_MAX + 1);
        tap_ok(sv_hls_live_playlist(big, SV_HLS_LIVE_LOG_MAX + 1, &len, err,
                                    sizeof(err)) == NULL,
               "a log over the limit: refused (%s)", err);
        free(big);
    }
    return tap_done();
}
