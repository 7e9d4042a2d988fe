/*
 * A video's duration from its fragment index (see media_duration.h).
 */

#include "media_duration.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <yajl/yajl_tree.h>

#include "json_tree.h"
#include "media_path.h"
#include "read_file.h"
#include "sv_path.h"

/* An index of a 31-day video with 2 s fragments is about 70 MB. */
#define INDEX_MAX  (128u << 20)

bool
sv_media_duration(const char *video, double *seconds, char *err,
                  size_t errlen)
{
    char        rel[SV_PATH_REL_MAX + 16], path[PATH_MAX], perr[128];
    size_t      len;
    char       *doc;
    yajl_val    tree;

    snprintf(rel, sizeof(rel), "%s.index.json", video);
    if (!sv_media_resolve_input(rel, path, err, errlen)
        || (doc = sv_read_file(path, INDEX_MAX, &len, err, errlen)) == NULL) {
        return false;
    }
    tree = yajl_tree_parse(doc, perr, sizeof(perr));
    free(doc);
    *seconds = sv_tree_double(tree, "duration", -1);
    yajl_tree_free(tree);
    if (!(*seconds >= 0)) {
        snprintf(err, errlen, "%s has no duration", rel);
        return false;
    }
    return true;
}
