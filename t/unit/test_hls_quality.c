/*
 * Choosing a variant (worker/hls_quality.c) for a wanted quality.
 */

#include <string.h>

#include "hls_quality.h"
#include "tap.h"

static const struct sv_hls_variant usher[] = {      /* the v2 fixture's */
    { .name = "720p60", .bandwidth = 3422999, .width = 1280, .height = 720 },
    { .name = "480p", .bandwidth = 1427999, .width = 852, .height = 480 },
    { .name = "360p", .bandwidth = 630000, .width = 640, .height = 360 },
    { .name = "160p", .bandwidth = 230000, .width = 284, .height = 160 },
    { .name = "audio_only", .bandwidth = 160000 },
    { .name = "1080p60", .bandwidth = 9146586, .width = 1920, .height = 1080,
      .source = true },
};

static const struct sv_hls_variant older[] = {      /* names with (source) */
    { .name = "1080p60 (source)", .bandwidth = 6000000, .height = 1080,
      .source = true },
    { .name = "720p30", .bandwidth = 2000000, .height = 720 },
    { .name = "720p60", .bandwidth = 3000000, .height = 720 },
    { .name = "720p", .bandwidth = 1500000, .height = 720 },
    { .name = "audio_only", .bandwidth = 100000 },
};

static const struct sv_hls_variant plain[] = {      /* no Twitch flags */
    { .name = "a", .bandwidth = 500, .height = 360 },
    { .name = "b", .bandwidth = 900, .height = 720 },
    { .name = "c", .bandwidth = 900, .height = 720 },
};

#define N(v)  (sizeof(v) / sizeof((v)[0]))

static void
picks(const struct sv_hls_variant *v, size_t n, const char *wanted,
      long expected)
{
    long got = sv_hls_quality_pick(v, n, wanted);

    tap_is_int(got, expected, "\"%s\" -> %s", wanted,
               got >= 0 ? v[got].name : "none");
}

int
main(void)
{
    picks(usher, N(usher), "best", 5);
    picks(usher, N(usher), "source", 5);
    picks(usher, N(usher), "BEST", 5);
    picks(usher, N(usher), "worst", 3);
    picks(usher, N(usher), "1080p60", 5);
    picks(usher, N(usher), "1080p60 (source)", 5);
    picks(usher, N(usher), "720P60", 0);
    picks(usher, N(usher), "720p", 0);
    picks(usher, N(usher), "480p", 1);
    picks(usher, N(usher), "audio_only", 4);
    picks(usher, N(usher), "1080p", 5);
    picks(usher, N(usher), "1440p60", -1);
    picks(usher, N(usher), "1440p60,720p30, 480p ,best", 1);
    picks(usher, N(usher), "1440p60,,best", 5);
    picks(usher, N(usher), " , ", -1);
    picks(usher, N(usher), "", -1);
    picks(usher, N(usher), "p", -1);
    picks(usher, N(usher), "720", -1);
    picks(usher, N(usher), "72", -1);
    picks(usher, N(usher), "720p6", -1);

    picks(older, N(older), "1080p60", 0);
    picks(older, N(older), "1080P60 (SOURCE)", 0);
    picks(older, N(older), "720p", 3);
    picks(older, N(older), "720p60", 2);
    picks(older, N(older), "worst", 3);
    picks(older + 1, 2, "720p", 1);
    picks(older + 4, 1, "best", 0);
    picks(older + 4, 1, "worst", 0);

    picks(plain, N(plain), "best", 1);
    picks(plain, N(plain), "source", 1);
    picks(plain, N(plain), "worst", 0);
    picks(plain, 0, "best", -1);
    {
        char long_list[SV_HLS_QUALITY_MAX + 2];

        memset(long_list, ',', sizeof(long_list) - 1);
        long_list[sizeof(long_list) - 1] = '\0';
        memcpy(long_list + sizeof(long_list) - 5, "best", 4);
        picks(usher, N(usher), long_list + 1, 5);
        picks(usher, N(usher), long_list, -1);
    }
    return tap_done();
}
