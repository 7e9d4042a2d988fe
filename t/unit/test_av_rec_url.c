/*
 * Which URLs the libavformat recorder takes (worker/av_rec_url.c).
 */

#include "av_rec.h"
#include "tap.h"

int
main(void)
{
    static const struct {
        const char *url;
        bool        wanted;
    } cases[] = {
        { "rtmp://h/live/key", true },
        { "RTMPS://h:443/app/key", true },
        { "rtmpt://h/live/x", true },
        { "rtsp://cam.local:554/stream1", true },
        { "rtsps://cam/stream", true },
        { "srt://h:9000?streamid=x", true },
        { "http://radio.example/stream", true },
        { "https://h/video.mp4?token=a.m3u8", true },
        { "http://h/live.ts#x.m3u8", true },
        { "http://h/live/index.m3u8", false },
        { "https://h/live/INDEX.M3U8?token=1", false },
        { "http://h/list.m3u", false },
        { "rtmp://", false },
        { "http://", false },
        { "ftp://h/x.ts", false },
        { "file:///etc/passwd", false },
        { "/tmp/x.ts", false },
        { "", false },
        { "rtmpx://h/x", false },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tap_ok(sv_av_source_wants(cases[i].url) == cases[i].wanted, "%s: %s",
               cases[i].url[0] != '\0' ? cases[i].url : "(empty)",
               cases[i].wanted ? "taken" : "not taken");
    }
    return tap_done();
}
