/*
 * The chapters job (see job_chapters.h).
 */

#include "job_chapters.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapter_events.h"
#include "chapter_files.h"
#include "chapters.h"
#include "job_remux.h"
#include "media_path.h"
#include "media_save.h"
#include "sv_path.h"

/* The payload, its members picked out (NULL / 0 when absent). */
struct chapters_payload {
    const char *video, *vtt, *xml;
    yajl_val    events;
    double      duration_s;
};

/* A path member with the suffix its file must have. */
static bool
path_ok(const char *what, yajl_val v, const char *suffix, const char **dst,
        char *err, size_t errlen)
{
    if (!sv_job_media_path_ok(what, v, err, errlen)) {
        return false;
    }
    if (!sv_path_has_suffix(YAJL_GET_STRING(v), suffix)) {
        snprintf(err, errlen, "payload.%s must end in %s", what, suffix);
        return false;
    }
    *dst = YAJL_GET_STRING(v);
    return true;
}

static bool
duration_ok(yajl_val v, double *dst, char *err, size_t errlen)
{
    double d = YAJL_IS_INTEGER(v) ? (double) YAJL_GET_INTEGER(v)
               : YAJL_IS_DOUBLE(v) ? YAJL_GET_DOUBLE(v) : -1;

    if (!(d > 0) || d > SV_CHAPTER_AT_MAX_S) {
        snprintf(err, errlen, "payload.duration_s must be a number "
                 "0 < d <= %d", SV_CHAPTER_AT_MAX_S);
        return false;
    }
    *dst = d;
    return true;
}

static bool
parse_payload(yajl_val payload, struct chapters_payload *p, char *err,
              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < payload->u.object.len; i++) {
        const char *key = payload->u.object.keys[i];
        yajl_val    v = payload->u.object.values[i];
        bool        ok;

        if (strcmp(key, "video") == 0) {
            ok = path_ok(key, v, ".mp4", &p->video, err, errlen);
        } else if (strcmp(key, "vtt") == 0) {
            ok = path_ok(key, v, ".vtt", &p->vtt, err, errlen);
        } else if (strcmp(key, "xml") == 0) {
            ok = path_ok(key, v, ".xml", &p->xml, err, errlen);
        } else if (strcmp(key, "duration_s") == 0) {
            ok = duration_ok(v, &p->duration_s, err, errlen);
        } else if (strcmp(key, "events") == 0) {
            ok = sv_chapter_events_ok(key, v, err, errlen);
            p->events = v;
        } else {
            snprintf(err, errlen, "payload: unknown field \"%.64s\"", key);
            ok = false;
        }
        if (!ok) {
            return false;
        }
    }
    const char *missing = p->video == NULL ? "video"
                          : p->duration_s == 0 ? "duration_s"
                          : p->events == NULL ? "events"
                          : p->vtt == NULL ? "vtt"
                          : p->xml == NULL ? "xml" : NULL;

    if (missing != NULL) {
        snprintf(err, errlen, "payload.%s is required", missing);
        return false;
    }
    return true;
}

bool
sv_job_chapters_validate(yajl_val payload, char *err, size_t errlen)
{
    struct chapters_payload p;

    return parse_payload(payload, &p, err, errlen);
}

/* Saves the document (NULL: out of memory) as rel. */
static bool
save(const char *rel, char *doc, char *err, size_t errlen)
{
    bool ok = doc != NULL && sv_media_save(rel, doc, strlen(doc), err,
                                           errlen);

    if (doc == NULL) {
        snprintf(err, errlen, "out of memory");
    }
    free(doc);
    return ok;
}

int
sv_job_chapters_run(yajl_val payload, const struct sv_job_run *run,
                    char *err, size_t errlen)
{
    struct chapters_payload  p;
    struct sv_chapter_event *events;
    struct sv_chapter       *ch = NULL;
    size_t                   count = 0;
    char                     video[PATH_MAX];
    int                      rc = -1;

    (void) run;
    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)
        || !sv_media_resolve_input(p.video, video, err, errlen)) {
        return -1;
    }
    events = sv_chapter_events_get(p.events);
    if (events != NULL) {
        ch = sv_chapters_build(events, p.events->u.array.len,
                               (int64_t) (p.duration_s * 1000.0 + 0.5),
                               &count);
    }
    if (ch == NULL) {
        snprintf(err, errlen, "out of memory");
    } else if (save(p.vtt, sv_chapters_vtt(ch, count), err, errlen)
               && save(p.xml, sv_chapters_xml(ch, count), err, errlen)) {
        rc = 0;
    }
    free(ch);
    free(events);
    return rc;
}
