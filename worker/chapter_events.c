/*
 * Stream events in payloads (see chapter_events.h).
 */

#include "chapter_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_tree.h"

static bool
event_ok(const char *what, size_t i, yajl_val e, char *err, size_t errlen)
{
    bool has_at = false;

    if (!YAJL_IS_OBJECT(e)) {
        snprintf(err, errlen, "payload.%s[%zu] must be an object", what, i);
        return false;
    }
    for (size_t k = 0; k < e->u.object.len; k++) {
        const char *key = e->u.object.keys[k];
        yajl_val    v = e->u.object.values[k];

        if (strcmp(key, "at_s") == 0) {
            /* neither flag: a number out of range */
            if (!(YAJL_IS_INTEGER(v) || YAJL_IS_DOUBLE(v))
                || !(sv_json_double(v) >= 0)
                || sv_json_double(v) > SV_CHAPTER_AT_MAX_S) {
                snprintf(err, errlen, "payload.%s[%zu].at_s must be a "
                         "number 0..%d", what, i, SV_CHAPTER_AT_MAX_S);
                return false;
            }
            has_at = true;
        } else if (strcmp(key, "title") == 0
                   || strcmp(key, "category") == 0) {
            const char *s = YAJL_GET_STRING(v);

            /* Any text: the chapter name cleans and cuts it. */
            if (s == NULL || strlen(s) > SV_CHAPTER_TEXT_MAX) {
                snprintf(err, errlen, "payload.%s[%zu].%s must be a string "
                         "of at most %d bytes", what, i, key,
                         SV_CHAPTER_TEXT_MAX);
                return false;
            }
        } else {
            snprintf(err, errlen, "payload: unknown field \"%s[%zu].%.64s\"",
                     what, i, key);
            return false;
        }
    }
    if (!has_at) {
        snprintf(err, errlen, "payload.%s[%zu].at_s is required", what, i);
    }
    return has_at;
}

bool
sv_chapter_events_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    if (!YAJL_IS_ARRAY(v) || v->u.array.len > SV_CHAPTER_EVENTS_MAX) {
        snprintf(err, errlen, "payload.%s must be an array of at most %d "
                 "events", what, SV_CHAPTER_EVENTS_MAX);
        return false;
    }
    for (size_t i = 0; i < v->u.array.len; i++) {
        if (!event_ok(what, i, v->u.array.values[i], err, errlen)) {
            return false;
        }
    }
    return true;
}

struct sv_chapter_event *
sv_chapter_events_get(yajl_val v)
{
    size_t                   n = v->u.array.len;
    struct sv_chapter_event *events = calloc(n > 0 ? n : 1, sizeof(*events));
    const char              *at[] = { "at_s", NULL };
    const char              *title[] = { "title", NULL };
    const char              *category[] = { "category", NULL };

    for (size_t i = 0; events != NULL && i < n; i++) {
        yajl_val e = v->u.array.values[i];

        events[i] = (struct sv_chapter_event) {
            .at_s = sv_json_double(yajl_tree_get(e, at, yajl_t_number)),
            .title = YAJL_GET_STRING(yajl_tree_get(e, title, yajl_t_string)),
            .category = YAJL_GET_STRING(yajl_tree_get(e, category,
                                                      yajl_t_string)),
        };
    }
    return events;
}
