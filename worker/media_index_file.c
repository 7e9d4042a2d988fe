/*
 * The fragment index of an MP4 on disk (see media_index_file.h).
 */

#include "media_index_file.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "read_file.h"

/* An index file is small: about 60 bytes per fragment of a few seconds. */
#define INDEX_JSON_MAX  (64u << 20)

static bool
pread_all(void *ctx, uint64_t off, void *buf, size_t len)
{
    int fd = *(int *) ctx;

    while (len > 0) {
        ssize_t n = pread(fd, buf, len, (off_t) off);

        if (n <= 0) {
            return false;
        }
        buf = (char *) buf + n;
        off += (uint64_t) n;
        len -= (size_t) n;
    }
    return true;
}

bool
sv_mp4_index_scan_file(const char *path, struct sv_mp4_index *idx, char *err,
                       size_t errlen)
{
    struct stat st;
    int         fd = open(path, O_RDONLY | O_CLOEXEC);
    bool        ok;

    err[0] = '\0';
    ok = fd >= 0 && fstat(fd, &st) == 0
         && sv_mp4_index_scan(pread_all, &fd, (uint64_t) st.st_size, idx,
                              err, errlen);
    if (fd >= 0) {
        close(fd);
    }
    if (!ok && err[0] == '\0') {
        snprintf(err, errlen, "cannot read %s", path);
    }
    return ok;
}

/* The non-negative integer at path in v, or -1. */
static long long
integer_at(yajl_val v, const char *a, const char *b)
{
    const char *path[] = { a, b, NULL };
    yajl_val    n = yajl_tree_get(v, path, yajl_t_number);

    return n != NULL && YAJL_IS_INTEGER(n) && YAJL_GET_INTEGER(n) >= 0
           ? YAJL_GET_INTEGER(n) : -1;
}

static bool
same(long long written, uint64_t scanned)
{
    return written >= 0 && (uint64_t) written == scanned;
}

/* Compares the parsed JSON with the scan; false with the first difference. */
static bool
compare(yajl_val json, const struct sv_mp4_index *idx, char *err,
        size_t errlen)
{
    const char *frags_path[] = { "fragments", NULL };
    yajl_val    frags = yajl_tree_get(json, frags_path, yajl_t_array);

    if (integer_at(json, "version", NULL) != 1
        || !same(integer_at(json, "timescale", NULL), idx->timescale)
        || integer_at(json, "init", "offset") != 0
        || !same(integer_at(json, "init", "size"), idx->init_size)) {
        snprintf(err, errlen, "its version, timescale or init segment "
                 "does not match the file");
        return false;
    }
    if (frags == NULL || frags->u.array.len != idx->count) {
        snprintf(err, errlen, "it lists %zu fragments, the file has %zu",
                 frags != NULL ? frags->u.array.len : 0, idx->count);
        return false;
    }
    for (size_t i = 0; i < idx->count; i++) {
        yajl_val                      f = frags->u.array.values[i];
        const struct sv_mp4_fragment *s = &idx->fragments[i];

        if (!same(integer_at(f, "offset", NULL), s->offset)
            || !same(integer_at(f, "size", NULL), s->size)
            || !same(integer_at(f, "duration", NULL), s->duration)) {
            snprintf(err, errlen, "fragment %zu differs from the moof at "
                     "%" PRIu64 " in the file", i + 1, s->offset);
            return false;
        }
    }
    return true;
}

bool
sv_mp4_index_check(const char *mp4_path, const char *index_path, char *err,
                   size_t errlen)
{
    struct sv_mp4_index idx;
    char                why[256];
    size_t              len;
    char               *text = sv_read_file(index_path, INDEX_JSON_MAX, &len,
                                            why, sizeof(why));
    yajl_val            json;
    bool                ok;

    if (text == NULL) {
        snprintf(err, errlen, "the fragment index: %s", why);
        return false;
    }
    json = yajl_tree_parse(text, why, sizeof(why));
    free(text);
    if (json == NULL || !YAJL_IS_OBJECT(json)) {
        snprintf(err, errlen, "the fragment index is not a JSON object");
        yajl_tree_free(json);
        return false;
    }
    ok = sv_mp4_index_scan_file(mp4_path, &idx, why, sizeof(why));
    if (!ok) {
        snprintf(err, errlen, "the MP4's fragments: %s", why);
    } else {
        ok = compare(json, &idx, why, sizeof(why));
        if (!ok) {
            snprintf(err, errlen, "the fragment index: %s", why);
        }
        sv_mp4_index_free(&idx);
    }
    yajl_tree_free(json);
    return ok;
}
