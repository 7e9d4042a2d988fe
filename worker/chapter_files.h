/*
 * The sidecar files of a chapter list (chapters.h), as text; pure.
 *
 * WebVTT chapters track: "WEBVTT", then one cue per chapter, numbered from
 * 1, "HH:MM:SS.mmm --> HH:MM:SS.mmm" (hours may pass 99), the name with
 * & < > as entities (so "-->" never appears in a cue's text; names are one
 * line, see chapters.h).
 *
 * Chapters XML for Jellyfin/Emby: neither reads a chapter sidecar of its own
 * (both take the chapters embedded in the video); the elements mirror their
 * ChapterInfo (Name, StartPositionTicks in 100 ns ticks) plus the commonly
 * used StartTime "HH:MM:SS.fff", so a plugin or script can read either:
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <Chapters><Chapter><Name/><StartTime/><StartPositionTicks/></Chapter>...
 * Names are XML escaped as in the .nfo files (nfo.h).
 */

#ifndef SV_CHAPTER_FILES_H
#define SV_CHAPTER_FILES_H

#include <stddef.h>

#include "chapters.h"

/* Each returns the document, malloc'd, or NULL when out of memory. */
char *sv_chapters_vtt(const struct sv_chapter *ch, size_t count);
char *sv_chapters_xml(const struct sv_chapter *ch, size_t count);

#endif /* SV_CHAPTER_FILES_H */
