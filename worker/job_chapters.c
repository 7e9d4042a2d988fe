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
#include "media_duration.h"
#include "media_path.h"
#include "media_save.h"
#include "payload_check.h"

/* The payload, its members picked out (duration_s 0 when absent). */
struct chapters_payload {
    const char *video, *vtt, *xml;
    yajl_val    events;
    double      duration_s;
};

#define FIELD(name, req, read, member, arg)                                   \
    { name, req, read, offsetof(struct chapters_payload, member), arg }

static const struct sv_payload_field fields[] = {
    FIELD("video", true, sv_payload_path, video, ".mp4"),
    FIELD("duration_s", false, sv_payload_number, duration_s,
          (&(const struct sv_payload_number) { 0, SV_CHAPTER_AT_MAX_S,
                                               true })),
    FIELD("events", true, sv_payload_value, events,
          sv_payload_check(sv_chapter_events_ok)),
    FIELD("vtt", true, sv_payload_path, vtt, ".vtt"),
    FIELD("xml", true, sv_payload_path, xml, ".xml"),
};

static bool
parse_payload(yajl_val payload, struct chapters_payload *p, char *err,
              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen);
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
    /* Without a duration, the one the video's index records. */
    if (!parse_payload(payload, &p, err, errlen)
        || !sv_media_resolve_input(p.video, video, err, errlen)
        || (p.duration_s == 0
            && !sv_media_duration(p.video, &p.duration_s, err, errlen))) {
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
