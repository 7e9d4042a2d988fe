/*
 * Listing raw segments (see media_segments.h).
 */

#include "media_segments.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media_path.h"
#include "sv_path.h"

static bool
is_segment(const char *name)
{
    return name[0] != '.'
           && (sv_path_has_suffix(name, ".ts")
               || sv_path_has_suffix(name, ".m4s")
               || sv_path_has_suffix(name, ".mp4"));
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

bool
sv_media_segments_list(const char *dir, size_t max,
                       struct sv_media_segments *out, char *err,
                       size_t errlen)
{
    char           real[PATH_MAX];
    bool           missing;
    size_t         cap = 0;
    DIR           *d;
    struct dirent *e;

    out->rel = NULL;
    out->count = 0;
    if (!sv_media_resolve_dir(dir, real, &missing, err, errlen)) {
        return false;
    }
    if (missing) {
        return true;
    }
    if ((d = opendir(real)) == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return false;
    }
    while ((e = readdir(d)) != NULL) {
        if (!is_segment(e->d_name)
            || (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)) {
            continue;
        }
        if (out->count == max) {
            snprintf(err, errlen, "%s holds more than %zu segments", dir,
                     max);
            closedir(d);
            return false;
        }
        if (out->count == cap) {
            size_t  n = cap == 0 ? 64 : cap * 2;
            char  **p = realloc(out->rel, n * sizeof(*p));

            if (p == NULL) {
                break;
            }
            out->rel = p;
            cap = n;
        }
        if (asprintf(&out->rel[out->count], "%s/%s", dir, e->d_name) < 0) {
            break;
        }
        out->count++;
    }
    closedir(d);
    if (e != NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    qsort(out->rel, out->count, sizeof(*out->rel), by_name);
    return true;
}

void
sv_media_segments_free(struct sv_media_segments *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->rel[i]);
    }
    free(s->rel);
    s->rel = NULL;
    s->count = 0;
}
