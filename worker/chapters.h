/*
 * Chapters of a recording from its stream events (title/category changes):
 * pure, so the remux (embedded chapters) and the chapters job (sidecar
 * files) build the same list.
 *
 * The events are sorted by time (ties keep their order); a chapter starts
 * at each event whose name differs from the current chapter's, the first
 * at 0 named after the first event ("Stream" if none); each ends where the
 * next starts, the last at the duration. Events at or past the duration are
 * dropped; events at the same instant: the last one names the chapter;
 * neighbours with the same name are one chapter. At most SV_CHAPTERS_MAX
 * chapters: later changes are ignored.
 *
 * A name is "Title — Category" (or the one that is not empty), at most
 * SV_CHAPTER_NAME_MAX bytes cut between UTF-8 sequences; invalid UTF-8
 * becomes U+FFFD, tab/newlines a space, other control characters (C0, DEL,
 * C1, U+FFFE/U+FFFF) are removed: a name is one clean line of text.
 */

#ifndef SV_CHAPTERS_H
#define SV_CHAPTERS_H

#include <stddef.h>
#include <stdint.h>

#define SV_CHAPTERS_MAX      1000
#define SV_CHAPTER_NAME_MAX  256        /* bytes */
#define SV_CHAPTER_DEFAULT   "Stream"

struct sv_chapter_event {
    double      at_s;                   /* from the recording's start */
    const char *title, *category;       /* each may be NULL or empty */
};

struct sv_chapter {
    int64_t start_ms, end_ms;
    char    name[SV_CHAPTER_NAME_MAX + 1];
};

/* The chapters of a video of duration_ms (> 0) into *count; malloc'd, NULL
 * when out of memory or duration_ms <= 0. */
struct sv_chapter *sv_chapters_build(const struct sv_chapter_event *events,
                                     size_t n, int64_t duration_ms,
                                     size_t *count);

#endif /* SV_CHAPTERS_H */
