/*
 * Per-streamer file name templates: where a recording goes in the library.
 * Pure (no I/O), so the worker names files and the API previews them
 * (GET /api/settings/template_preview) with the same code.
 *
 * Syntax: literal text, '/' between folders, and placeholders
 *   {streamer} {title} {id}    text
 *   {date}                     YYYY-MM-DD
 *   {time}                     HHMMSS
 *   {season}                   YYYYMM (Kodi/Jellyfin "Season YYYYMM")
 *   {episode}                  the episode number, at least 2 digits
 * An unknown placeholder or an unbalanced brace is an error naming its byte
 * position.
 *
 * Rendering never fails on hostile values: the result is always a relative
 * path that sv_path_relative_ok accepts. Control characters are dropped;
 * '/', '\\' and < > : " | ? * (invalid on Windows/SMB shares) become '_'
 * (so a value never adds a folder); invalid UTF-8 becomes '_'; each
 * component loses trailing dots and spaces (so "." and ".." vanish), is cut
 * to at most 255 bytes at a character boundary, and is dropped when empty;
 * the whole path stays within SV_PATH_REL_MAX. An empty result becomes
 * SV_TEMPLATE_FALLBACK.
 */

#ifndef SV_TEMPLATE_H
#define SV_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "sv_path.h"

#define SV_TEMPLATE_DEFAULT \
    "{streamer}/Season {season}/{streamer} - S{season}E{episode} - {title}"
#define SV_TEMPLATE_MAX            512   /* bytes of a template */
#define SV_TEMPLATE_FOLDERS_MAX    8     /* '/' in a template */
#define SV_TEMPLATE_COMPONENT_MAX  255   /* bytes of a file or folder name */
#define SV_TEMPLATE_EXT_MAX        16    /* bytes of an extension */
#define SV_TEMPLATE_FALLBACK       "untitled"
#define SV_TEMPLATE_LIBRARY        "library"   /* the videos' folder */
#define SV_TEMPLATE_VIDEO_EXT      ".mp4"
/* The longest stem of a video's name: the longest name made from it must
 * fit 255 bytes, the validate job's mark as it is saved,
 * <stem>.mp4.deleting-inputs.tmp. */
#define SV_TEMPLATE_STEM_MAX \
    (SV_TEMPLATE_COMPONENT_MAX - (sizeof(".mp4.deleting-inputs.tmp") - 1))

struct sv_template_values {
    const char *streamer, *title, *id;  /* NULL renders as nothing */
    int         year, month, day;       /* {date}, {season} */
    int         hour, minute, second;   /* {time} */
    unsigned    episode;
};

/* True when tmpl is a valid template; otherwise false with the reason and
 * the byte position. */
bool sv_template_check(const char *tmpl, char *err, size_t errlen);

/* Renders tmpl with v, ext (e.g. ".mp4", or "") appended to the file name,
 * into out (SV_PATH_REL_MAX + 1 bytes). False (with the reason) only when
 * tmpl or ext is invalid. */
bool sv_template_render(const char *tmpl, const struct sv_template_values *v,
                        const char *ext, char *out, char *err, size_t errlen);

/* Sets v's date and time from "YYYY-MM-DD" and "HHMMSS"; false when either
 * is not that. */
bool sv_template_when(struct sv_template_values *v, const char *date,
                      const char *time);

/* Where the worker puts a recording's video: tmpl (NULL: the default)
 * rendered under SV_TEMPLATE_LIBRARY/ with SV_TEMPLATE_VIDEO_EXT, the
 * file name's stem cut to SV_TEMPLATE_STEM_MAX, into out (SV_PATH_REL_MAX
 * + 1 bytes). False (with the reason, positions in tmpl) when tmpl is
 * invalid. */
bool sv_template_video_path(const char *tmpl,
                            const struct sv_template_values *v, char *out,
                            char *err, size_t errlen);

/* Cuts a file name's UTF-8 stem to at most max bytes between characters,
 * drops the dots and spaces that would end it, and makes a device name
 * Windows refuses start with '_'. */
void sv_template_cut_stem(char *s, size_t max);

#endif /* SV_TEMPLATE_H */
