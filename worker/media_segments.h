/*
 * A recording's raw segments: the files of a folder under the media root
 * whose names end in .ts, .m4s or .mp4, in name order (the recorder numbers
 * them with leading zeros). Hidden files and anything else (a partial
 * download ".part", a playlist) are not segments.
 */

#ifndef SV_MEDIA_SEGMENTS_H
#define SV_MEDIA_SEGMENTS_H

#include <stdbool.h>
#include <stddef.h>

struct sv_media_segments {
    char   **rel;       /* "<dir>/<name>", relative to the media root */
    size_t   count;
};

/*
 * Lists the segments of dir (relative to the media root, resolved inside
 * it), at most max. A folder that does not exist has none. False with the
 * reason; free with sv_media_segments_free either way.
 */
bool sv_media_segments_list(const char *dir, size_t max,
                            struct sv_media_segments *out, char *err,
                            size_t errlen);

void sv_media_segments_free(struct sv_media_segments *s);

#endif /* SV_MEDIA_SEGMENTS_H */
