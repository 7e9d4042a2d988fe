/*
 * The live playlist of a running recording (see sv_hls_live.h).
 */

#include "sv_hls_live.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_DIGITS_MAX  18
/* "#EXT-X-DISCONTINUITY\n#EXTINF:<s>.<ms>,\n<12+ digits>.ts\n" */
#define ENTRY_MAX        96

struct segment {
    long long   file;
    long long   ms;
    bool        gap;        /* a discontinuity before it */
};

static int
by_file(const void *a, const void *b)
{
    const struct segment *x = a, *y = b;

    return (x->file > y->file) - (x->file < y->file);
}

/* "<digits>" of at most FILE_DIGITS_MAX into *n; the rest after it. */
static const char *
number(const char *p, const char *end, long long *n)
{
    const char *start = p;

    *n = 0;
    while (p < end && *p >= '0' && *p <= '9' && p - start < FILE_DIGITS_MAX) {
        *n = *n * 10 + (*p++ - '0');
    }
    return p > start ? p : NULL;
}

/* One complete line [p, end) into the list; false for a line to skip. */
static bool
read_line(const char *p, const char *end, struct segment *s, bool *gap)
{
    long long   sec, frac = 0;
    const char *q;
    int         digits = 0;

    if ((p = number(p, end, &s->file)) == NULL || p == end || *p++ != ' ') {
        return false;
    }
    if (end - p == 3 && memcmp(p, "gap", 3) == 0) {
        *gap = true;
        return false;
    }
    if ((q = number(p, end, &sec)) == NULL || sec > 1000000) {
        return false;
    }
    if (q < end && *q == '.') {
        for (q++; q < end && *q >= '0' && *q <= '9'; q++) {
            if (digits++ < 3) {
                frac = frac * 10 + (*q - '0');
            }
        }
        for (; digits < 3; digits++) {
            frac *= 10;
        }
    }
    if (q != end) {
        return false;
    }
    s->ms = sec * 1000 + frac;
    return true;
}

char *
sv_hls_live_playlist(const char *log, size_t log_len, size_t *len,
                     char *err, size_t errlen)
{
    struct segment *segs = NULL;
    size_t          n = 0, cap = 0;
    const char     *p = log, *end = log + log_len, *nl;
    long long       gap_file = -1, max_ms = 0;
    bool            ended = false;
    char           *out, *o;

    if (log_len > SV_HLS_LIVE_LOG_MAX) {
        snprintf(err, errlen, "the segment log is larger than %u bytes",
                 SV_HLS_LIVE_LOG_MAX);
        return NULL;
    }
    for (; p < end && (nl = memchr(p, '\n', (size_t) (end - p))) != NULL;
         p = nl + 1)
    {
        struct segment s = { 0 };
        bool           gap = false;

        ended = nl - p == 3 && memcmp(p, "end", 3) == 0;
        if (!read_line(p, nl, &s, &gap)) {
            if (gap) {
                gap_file = s.file;
            }
            continue;
        }
        if (n == SV_HLS_LIVE_SEGMENTS_MAX) {
            continue;
        }
        if (n == cap) {
            struct segment *more;

            cap = cap ? cap * 2 : 256;
            more = realloc(segs, cap * sizeof(*segs));
            if (more == NULL) {
                free(segs);
                snprintf(err, errlen, "out of memory");
                return NULL;
            }
            segs = more;
        }
        s.gap = s.file == gap_file;
        segs[n++] = s;
        max_ms = s.ms > max_ms ? s.ms : max_ms;
    }
    /* parallel downloads finish out of order; players want file order */
    if (n > 1) {
        qsort(segs, n, sizeof(*segs), by_file);
    }

    out = malloc(256 + n * ENTRY_MAX);
    if (out == NULL) {
        free(segs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o = out + sprintf(out, "#EXTM3U\n#EXT-X-VERSION:3\n"
                      "#EXT-X-TARGETDURATION:%lld\n"
                      "#EXT-X-MEDIA-SEQUENCE:%lld\n"
                      "#EXT-X-PLAYLIST-TYPE:EVENT\n",
                      max_ms > 0 ? (max_ms + 999) / 1000 : 1,
                      n > 0 ? segs[0].file : 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && segs[i].file == segs[i - 1].file) {
            continue;           /* logged twice (a resumed recording) */
        }
        o += sprintf(o, "%s#EXTINF:%lld.%03lld,\n%012lld.ts\n",
                     segs[i].gap && i > 0 ? "#EXT-X-DISCONTINUITY\n" : "",
                     segs[i].ms / 1000, segs[i].ms % 1000, segs[i].file);
    }
    if (ended) {
        o += sprintf(o, "#EXT-X-ENDLIST\n");
    }
    free(segs);
    *len = (size_t) (o - out);
    return out;
}
