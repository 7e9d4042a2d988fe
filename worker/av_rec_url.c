/*
 * Which URLs the libavformat recorder takes (see av_rec.h).
 */

#include "av_rec.h"

#include <string.h>
#include <strings.h>

static const char *const stream_schemes[] = {
    "rtmp://", "rtmps://", "rtmpt://", "rtmpts://", "rtsp://", "rtsps://",
    "srt://",
};

/* Whether the path of url (after the scheme) ends in suffix; the query
 * and the fragment are not the path. */
static bool
path_ends_with(const char *rest, const char *suffix)
{
    size_t path_len = strcspn(rest, "?#");
    size_t n = strlen(suffix);

    return path_len >= n && strncasecmp(rest + path_len - n, suffix, n) == 0;
}

bool
sv_av_source_wants(const char *url)
{
    const char *rest;

    for (size_t i = 0; i < sizeof(stream_schemes) / sizeof(stream_schemes[0]);
         i++) {
        size_t n = strlen(stream_schemes[i]);

        if (strncasecmp(url, stream_schemes[i], n) == 0) {
            return url[n] != '\0';
        }
    }
    if (strncasecmp(url, "http://", 7) == 0) {
        rest = url + 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        rest = url + 8;
    } else {
        return false;
    }
    return rest[0] != '\0' && !path_ends_with(rest, ".m3u8")
           && !path_ends_with(rest, ".m3u");
}
