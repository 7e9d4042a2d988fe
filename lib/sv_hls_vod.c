/*
 * The HLS playlist of a library video (see sv_hls_vod.h).
 */

#include "sv_hls_vod.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

/* "#EXTINF:<ms>,\n#EXT-X-BYTERANGE:<size>@<offset>\n" with 20 digits each */
#define ENTRY_MAX  (sizeof("#EXTINF:.000,\n#EXT-X-BYTERANGE:@\n") + 3 * 20)
/* No fragment is this long; it keeps <duration> * 1000 in 64 bits. */
#define DURATION_MAX  (UINT64_MAX / 1000)

/* The integer member key of v, at least 0, into *out; false if not one. */
static bool
member(yajl_val v, const char *key, uint64_t *out)
{
    const char *path[] = { key, NULL };
    yajl_val    m = yajl_tree_get(v, path, yajl_t_number);

    if (m == NULL || !YAJL_IS_INTEGER(m) || YAJL_GET_INTEGER(m) < 0) {
        return false;
    }
    *out = (uint64_t) YAJL_GET_INTEGER(m);
    return true;
}

/* A fragment's duration in milliseconds, rounded. */
static uint64_t
ms_of(uint64_t duration, uint64_t timescale)
{
    return (duration * 1000 + timescale / 2) / timescale;
}

/* Checks the fragments of tree against the video; their longest in *max. */
static bool
check(yajl_val tree, yajl_val frags, uint64_t timescale, uint64_t video_size,
      uint64_t *max_ms, char *err, size_t errlen)
{
    uint64_t  version, init_offset = 1, init_size = 0, end;
    yajl_val  init = yajl_tree_get(tree, (const char *[]) { "init", NULL },
                                   yajl_t_object);

    if (!member(tree, "version", &version) || version != 1) {
        snprintf(err, errlen, "the index is not version 1");
        return false;
    }
    if (init == NULL || !member(init, "offset", &init_offset)
        || !member(init, "size", &init_size) || init_offset != 0
        || init_size == 0 || init_size > video_size)
    {
        snprintf(err, errlen, "the index has no init segment inside the "
                 "video");
        return false;
    }
    if (frags->u.array.len == 0
        || frags->u.array.len > SV_HLS_VOD_FRAGMENTS_MAX)
    {
        snprintf(err, errlen, "the index lists no fragment or more than "
                 "%d", SV_HLS_VOD_FRAGMENTS_MAX);
        return false;
    }
    end = init_size;
    *max_ms = 0;
    for (size_t i = 0; i < frags->u.array.len; i++) {
        yajl_val f = frags->u.array.values[i];
        uint64_t off, size, dur;

        if (!member(f, "offset", &off) || !member(f, "size", &size)
            || !member(f, "duration", &dur) || size == 0 || dur == 0
            || dur > DURATION_MAX || off < end || off > video_size
            || size > video_size - off)
        {
            snprintf(err, errlen, "fragment %zu of the index is not a "
                     "range of the video after the one before", i);
            return false;
        }
        end = off + size;
        if (ms_of(dur, timescale) > *max_ms) {
            *max_ms = ms_of(dur, timescale);
        }
    }
    return true;
}

char *
sv_hls_vod_playlist(const char *index, size_t index_len, const char *uri,
                    uint64_t video_size, size_t *len, char *err,
                    size_t errlen)
{
    char      *text, *out = NULL, *p, perr[128];
    yajl_val   tree, frags;
    uint64_t   timescale = 0, max_ms, init_size = 0, target;
    size_t     uri_len = strlen(uri), cap;

    if (index_len > SV_HLS_VOD_INDEX_MAX
        || memchr(index, '\0', index_len) != NULL
        || (text = malloc(index_len + 1)) == NULL)
    {
        snprintf(err, errlen, "the index is too large, holds a NUL or "
                 "memory ran out");
        return NULL;
    }
    memcpy(text, index, index_len);
    text[index_len] = '\0';
    tree = yajl_tree_parse(text, perr, sizeof(perr));
    free(text);

    frags = yajl_tree_get(tree, (const char *[]) { "fragments", NULL },
                          yajl_t_array);
    if (tree == NULL || frags == NULL
        || !member(tree, "timescale", &timescale) || timescale == 0
        || timescale > UINT32_MAX)
    {
        snprintf(err, errlen, "the index is no JSON with a timescale and "
                 "fragments");
        goto done;
    }
    if (!check(tree, frags, timescale, video_size, &max_ms, err, errlen)) {
        goto done;
    }
    member(yajl_tree_get(tree, (const char *[]) { "init", NULL },
                         yajl_t_object), "size", &init_size);

    cap = 256 + uri_len + frags->u.array.len * (ENTRY_MAX + uri_len + 1);
    out = malloc(cap);
    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    target = (max_ms + 500) / 1000;
    p = out + sprintf(out, "#EXTM3U\n#EXT-X-VERSION:7\n"
                      "#EXT-X-TARGETDURATION:%llu\n"
                      "#EXT-X-MEDIA-SEQUENCE:0\n"
                      "#EXT-X-PLAYLIST-TYPE:VOD\n"
                      "#EXT-X-INDEPENDENT-SEGMENTS\n"
                      "#EXT-X-MAP:URI=\"%s\",BYTERANGE=\"%llu@0\"\n",
                      (unsigned long long) (target > 0 ? target : 1), uri,
                      (unsigned long long) init_size);
    for (size_t i = 0; i < frags->u.array.len; i++) {
        yajl_val f = frags->u.array.values[i];
        uint64_t off = 0, size = 0, dur = 0, ms;

        member(f, "offset", &off);
        member(f, "size", &size);
        member(f, "duration", &dur);
        ms = ms_of(dur, timescale);
        p += sprintf(p, "#EXTINF:%llu.%03llu,\n#EXT-X-BYTERANGE:%llu@%llu\n",
                     (unsigned long long) (ms / 1000),
                     (unsigned long long) (ms % 1000),
                     (unsigned long long) size, (unsigned long long) off);
        memcpy(p, uri, uri_len);
        p += uri_len;
        *p++ = '\n';
    }
    p += sprintf(p, "#EXT-X-ENDLIST\n");
    *len = (size_t) (p - out);

done:
    yajl_tree_free(tree);
    return out;
}
