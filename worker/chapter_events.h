/*
 * The stream events of a job payload ("events" of a chapters job,
 * "chapters" of a remux): [{"at_s": seconds >= 0, "title"?, "category"?}],
 * checked at injection and turned into chapters.h events when run.
 */

#ifndef SV_CHAPTER_EVENTS_H
#define SV_CHAPTER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "chapters.h"

#define SV_CHAPTER_EVENTS_MAX   10000
#define SV_CHAPTER_AT_MAX_S     2678400     /* 31 days */
#define SV_CHAPTER_TEXT_MAX     16384       /* bytes of a title/category */

/* v is such an array; false with the reason naming payload.<what>. */
bool sv_chapter_events_ok(const char *what, yajl_val v, char *err,
                          size_t errlen);

/* The events of a checked array (their texts point into v), malloc'd;
 * NULL when out of memory. */
struct sv_chapter_event *sv_chapter_events_get(yajl_val v);

#endif /* SV_CHAPTER_EVENTS_H */
