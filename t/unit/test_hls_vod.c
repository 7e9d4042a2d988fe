/*
 * The HLS playlist of a library video from its fragment index
 * (lib/sv_hls_vod.c): the exact text for a small index, the target
 * duration's rounding, and hostile indexes refused.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_hls_vod.h"
#include "tap.h"

static char   err[256];
static size_t len;

static char *
playlist(const char *index, unsigned long long size)
{
    return sv_hls_vod_playlist(index, strlen(index), "A%20b.mp4", size, &len,
                               err, sizeof(err));
}

static void
refused(const char *index, unsigned long long size, const char *why)
{
    char *p = playlist(index, size);

    tap_ok(p == NULL, "refused: %s (%s)", why, err);
    free(p);
}

int
main(void)
{
    char *p = playlist("{\"version\":1,\"timescale\":90000,"
                       "\"init\":{\"offset\":0,\"size\":1200},"
                       "\"fragments\":["
                       "{\"offset\":1200,\"size\":5000,\"duration\":180000},"
                       "{\"offset\":6200,\"size\":4000,\"duration\":404955},"
                       "{\"offset\":10200,\"size\":10,\"duration\":45}],"
                       "\"duration\":6.9}", 10210);

    if (!tap_is_str(p, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:5\n"
               "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
               "#EXT-X-INDEPENDENT-SEGMENTS\n"
               "#EXT-X-MAP:URI=\"A%20b.mp4\",BYTERANGE=\"1200@0\"\n"
               "#EXTINF:2.000,\n#EXT-X-BYTERANGE:5000@1200\nA%20b.mp4\n"
               "#EXTINF:4.500,\n#EXT-X-BYTERANGE:4000@6200\nA%20b.mp4\n"
               "#EXTINF:0.001,\n#EXT-X-BYTERANGE:10@10200\nA%20b.mp4\n"
               "#EXT-X-ENDLIST\n", "the playlist of three fragments")) {
        fprintf(stderr, "# got:\n%s", p ? p : err);
    }
    /* 404955 / 90000 = 4.4995 s is shown as 4.500, which rounds to 5: the
     * target follows what the playlist says, not the exact value */
    tap_ok(p != NULL && len == strlen(p), "its length");
    free(p);

    p = playlist("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
                 "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1,"
                 "\"duration\":4500}]}", 11);
    tap_ok(p != NULL && strstr(p, "#EXT-X-TARGETDURATION:5\n") != NULL,
           "4.5 s rounds up to a target of 5");
    free(p);
    p = playlist("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
                 "\"size\":10},\"fragments\":[{\"offset\":20,\"size\":1,"
                 "\"duration\":300}]}", 21);
    tap_ok(p != NULL && strstr(p, "#EXT-X-TARGETDURATION:1\n") != NULL,
           "a gap is allowed; the target at least 1");
    free(p);

    refused("", 100, "empty");
    refused("[1]", 100, "not an object");
    refused("{\"version\":2,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1,"
            "\"duration\":1}]}", 11, "version 2");
    refused("{\"version\":1,\"timescale\":0,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1,"
            "\"duration\":1}]}", 11, "timescale 0");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[]}", 11, "no fragment");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":5,"
            "\"size\":10},\"fragments\":[{\"offset\":15,\"size\":1,"
            "\"duration\":1}]}", 16, "an init not at 0");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":2,"
            "\"duration\":1}]}", 11, "a fragment past the end");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":18446744073709"
            "551615,\"duration\":1}]}", 11, "a size that wraps");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":5,"
            "\"duration\":1},{\"offset\":12,\"size\":1,\"duration\":1}]}", 20,
            "overlapping fragments");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":5,\"size\":1,"
            "\"duration\":1}]}", 20, "a fragment inside the init segment");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1,"
            "\"duration\":0}]}", 11, "a zero duration");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1,"
            "\"duration\":-1}]}", 11, "a negative duration");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1,"
            "\"duration\":1.5}]}", 11, "a fractional duration");
    refused("{\"version\":1,\"timescale\":1000,\"init\":{\"offset\":0,"
            "\"size\":10},\"fragments\":[{\"offset\":10,\"size\":1}]}", 11,
            "a missing duration");
    {
        const char  *head = "{\"version\":1,\"timescale\":1000,\"init\":{"
                            "\"offset\":0,\"size\":1},\"fragments\":";
        size_t       n = 300000, cap = strlen(head) + n + 16;
        char        *deep = malloc(cap);

        memset(deep, '[', cap);
        memcpy(deep, head, strlen(head));
        deep[cap - 1] = '\0';
        refused(deep, 10, "nesting 300000 deep");
        free(deep);
    }
    {
        char nul[] = "{\"version\":1}\0junk";

        tap_ok(sv_hls_vod_playlist(nul, sizeof(nul) - 1, "x", 1, &len, err,
                                   sizeof(err)) == NULL, "a NUL inside");
    }
    return tap_done();
}
