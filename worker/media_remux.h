/*
 * Remuxing raw recording segments (MPEG-TS or fMP4 pieces) into one
 * fragmented MP4 with libavformat, without re-encoding: the inputs are read
 * in order as one stream, each one's timestamps shifted to follow the
 * previous one's end, jumps inside an input (TS discontinuities) closed up.
 * One fragment per keyframe group of at least SV_REMUX_MIN_FRAGMENT_US, the
 * init segment (ftyp+moov) first.
 */

#ifndef SV_MEDIA_REMUX_H
#define SV_MEDIA_REMUX_H

#include <stdbool.h>
#include <stddef.h>

#include "chapters.h"

#define SV_REMUX_MIN_FRAGMENT_US  2000000
#define SV_REMUX_LAST_CHAPTER_MS  1

struct sv_remux_meta {
    const char *title;          /* each may be NULL */
    const char *artist;
    const char *date;
};

struct sv_remux_request {
    const char *const          *inputs;     /* absolute paths, in order */
    size_t                      count;
    const char                 *output;     /* written as is: a temp path */
    struct sv_remux_meta        meta;
    /* Embedded as MP4 chapters (a chapter text track and Nero chpl), which
     * go into the init segment: written before the duration is known, so
     * the last one is given SV_REMUX_LAST_CHAPTER_MS (players read only the
     * starts; a longer one would lengthen the file). */
    const struct sv_chapter    *chapters;
    size_t                      chapter_count;
    /* Called every few hundred packets with how far the remux is (0..1);
     * false stops it with an error. */
    bool                      (*keep_going)(void *ctx, double done);
    void                       *ctx;
};

/* 0 on success; -1 with the reason (naming the input at fault) in err. */
int sv_remux(const struct sv_remux_request *req, char *err, size_t errlen);

#endif /* SV_MEDIA_REMUX_H */
