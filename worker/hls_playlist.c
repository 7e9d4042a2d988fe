/*
 * HLS playlist parsing (see hls_playlist.h).
 */

#include "hls_playlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sv_civil_time.h"
#include "sv_utf8.h"
#include "url_resolve.h"

#define CHUNK_MIN  (64 * 1024)
#define AD_CLASS   "twitch-stitched-ad"
#define AD_ID      "stitched-ad-"
#define AD_TITLE   "Amazon"
#define REPLACEMENT_CHARACTER  "\xEF\xBF\xBD"

/* Strings live in chunks that never move, so pointers to them stay good. */
struct sv_hls_strings {
    struct sv_hls_strings *next;
    size_t                 used, cap;
    char                   data[];
};

/* A text from the playlist: not NUL-terminated. */
struct text {
    const char *s;
    size_t      len;
};

struct rendition {              /* EXT-X-MEDIA TYPE=VIDEO */
    const char *group, *name;
};

struct ad_range {               /* [start, end) in ms */
    int64_t start, end;
};

struct parser {
    struct sv_hls_playlist *pl;
    const char             *url;
    char                   *err;
    size_t                  errlen;
    size_t                  line, entries, strings_total;
    bool                    failed, variant_tags, media_tags;

    /* Tags waiting for their URI line. */
    bool                    inf, stream_inf, discontinuity;
    double                  inf_duration;
    const char             *inf_title;
    int64_t                 pdt_ms;
    struct sv_hls_variant   variant;
    bool                    ivs_source;

    size_t                  cap_variants, cap_segments;
    struct rendition       *renditions;
    size_t                  n_renditions, cap_renditions;
    struct ad_range        *ads;
    size_t                  n_ads, cap_ads;
};

static bool __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    int     n = 0;

    if (p->failed) {
        return false;
    }
    p->failed = true;
    if (p->errlen == 0) {
        return false;
    }
    if (p->line > 0) {
        n = snprintf(p->err, p->errlen, "line %zu: ", p->line);
    }
    if (n >= 0 && (size_t) n < p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t) n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* --- strings ------------------------------------------------------------- */

static const char *
keep(struct parser *p, const char *s, size_t len)
{
    struct sv_hls_strings *c = p->pl->strings;
    char                  *copy;

    if (p->strings_total + len + 1 > SV_HLS_STRINGS_MAX) {
        fail(p, "more than %d bytes of names and URIs", SV_HLS_STRINGS_MAX);
        return NULL;
    }
    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_MIN ? len + 1 : CHUNK_MIN;

        c = malloc(sizeof(*c) + cap);
        if (c == NULL) {
            fail(p, "out of memory");
            return NULL;
        }
        *c = (struct sv_hls_strings) { .next = p->pl->strings, .cap = cap };
        p->pl->strings = c;
    }
    copy = c->data + c->used;
    memcpy(copy, s, len);
    copy[len] = '\0';
    c->used += len + 1;
    p->strings_total += len + 1;
    return copy;
}

/* A name or title kept as one clean line of valid UTF-8, at most max
 * bytes: invalid sequences become U+FFFD, control characters (C0, DEL, C1)
 * are removed. */
static const char *
keep_clean(struct parser *p, struct text t, size_t max)
{
    const unsigned char *c = (const unsigned char *) t.s;
    char                 out[SV_HLS_TITLE_MAX + 1];
    size_t               len = 0;

    for (size_t i = 0; i < t.len;) {
        size_t      seq = sv_utf8_sequence_length(c + i, t.len - i);
        const char *put = seq == 0 ? REPLACEMENT_CHARACTER : t.s + i;
        size_t      n = seq == 0 ? 3 : seq;

        i += seq == 0 ? 1 : seq;
        if ((n == 1 && (c[i - 1] < 0x20 || c[i - 1] == 0x7f))
            || (n == 2 && c[i - 2] == 0xC2 && c[i - 1] <= 0x9F)) {
            continue;
        }
        if (len + n > max) {
            break;
        }
        memcpy(out + len, put, n);
        len += n;
    }
    return keep(p, out, len);
}

/* --- values -------------------------------------------------------------- */

static bool
same(struct text t, const char *s)
{
    return t.len == strlen(s) && memcmp(t.s, s, t.len) == 0;
}

static bool
starts(struct text t, const char *prefix)
{
    return t.len >= strlen(prefix) && memcmp(t.s, prefix, strlen(prefix)) == 0;
}

static bool
digits(struct text t, size_t *i, uint64_t max, uint64_t *v)
{
    size_t start = *i;

    *v = 0;
    for (; *i < t.len && t.s[*i] >= '0' && t.s[*i] <= '9'; (*i)++) {
        unsigned d = (unsigned) (t.s[*i] - '0');

        if (*v > (max - d) / 10) {
            return false;
        }
        *v = *v * 10 + d;
    }
    return *i > start;
}

/* A decimal-integer (RFC 8216 4.2), at most max. */
static bool
integer(struct text t, uint64_t max, uint64_t *v)
{
    size_t i = 0;

    return digits(t, &i, max, v) && i == t.len;
}

/* A decimal-floating-point >= 0 and <= max: digits, maybe a fraction. */
static bool
decimal(struct text t, double max, double *v)
{
    size_t   i = 0;
    uint64_t whole, frac = 0;
    double   scale = 1;

    if (!digits(t, &i, UINT64_MAX, &whole)) {
        return false;
    }
    if (i < t.len && t.s[i] == '.') {
        for (i++; i < t.len && t.s[i] >= '0' && t.s[i] <= '9'; i++) {
            if (scale < 1e15) {     /* later digits do not matter */
                frac = frac * 10 + (uint64_t) (t.s[i] - '0');
                scale *= 10;
            }
        }
    }
    *v = (double) whole + (double) frac / scale;
    return i == t.len && *v <= max;
}

/* n digits at *i, within [lo, hi]. */
static bool
field(struct text t, size_t *i, size_t n, unsigned lo, unsigned hi,
      unsigned *v)
{
    *v = 0;
    for (size_t k = 0; k < n; k++, (*i)++) {
        if (*i >= t.len || t.s[*i] < '0' || t.s[*i] > '9') {
            return false;
        }
        *v = *v * 10 + (unsigned) (t.s[*i] - '0');
    }
    return *v >= lo && *v <= hi;
}

static bool
sep(struct text t, size_t *i, char c)
{
    return *i < t.len && t.s[(*i)++] == c;
}

/* An ISO 8601 date-time as in EXT-X-PROGRAM-DATE-TIME, e.g.
 * 2026-11-21T10:00:04.000Z or ...+02:00 (no zone: UTC), in ms since the
 * epoch; SV_HLS_NO_TIME when not parseable. */
static int64_t
date_time(struct text t)
{
    unsigned y, mo, d, h, mi, s, zh = 0, zm = 0, ms = 0;
    size_t   i = 0;
    int64_t  at, sign = 0;
    static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                      30, 31 };

    if (!field(t, &i, 4, 1970, 9999, &y) || !sep(t, &i, '-')
        || !field(t, &i, 2, 1, 12, &mo) || !sep(t, &i, '-')
        || !field(t, &i, 2, 1, mdays[mo - 1], &d) || i >= t.len
        || (t.s[i] != 'T' && t.s[i] != 't' && t.s[i] != ' ')) {
        return SV_HLS_NO_TIME;
    }
    i++;
    if (!field(t, &i, 2, 0, 23, &h) || !sep(t, &i, ':')
        || !field(t, &i, 2, 0, 59, &mi) || !sep(t, &i, ':')
        || !field(t, &i, 2, 0, 60, &s)) {
        return SV_HLS_NO_TIME;
    }
    if (i < t.len && t.s[i] == '.') {
        unsigned scale = 100;

        for (i++; i < t.len && t.s[i] >= '0' && t.s[i] <= '9'; i++) {
            ms += (unsigned) (t.s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i < t.len && (t.s[i] == 'Z' || t.s[i] == 'z')) {
        i++;
    } else if (i < t.len && (t.s[i] == '+' || t.s[i] == '-')) {
        sign = t.s[i++] == '+' ? 1 : -1;
        if (!field(t, &i, 2, 0, 23, &zh)) {
            return SV_HLS_NO_TIME;
        }
        if (i < t.len && t.s[i] == ':') {
            i++;
        }
        if (i < t.len && !field(t, &i, 2, 0, 59, &zm)) {
            return SV_HLS_NO_TIME;
        }
    }
    if (i != t.len || (mo == 2 && d == 29 && (y % 4 != 0
                       || (y % 100 == 0 && y % 400 != 0)))) {
        return SV_HLS_NO_TIME;
    }
    at = sv_days_from_civil(y, (int) mo, (int) d) * SV_CIVIL_DAY_S
         + h * 3600 + mi * 60 + s;
    at -= sign * (int64_t) (zh * 3600 + zm * 60);
    return at * 1000 + ms;
}

/* --- attribute lists ----------------------------------------------------- */

/* The value of name in an attribute list (RFC 8216 4.2), without its
 * quotes; a quoted value may hold commas, an unterminated one runs to the
 * end. False when absent. */
static bool
attr(struct text list, const char *name, struct text *value)
{
    size_t i = 0;

    while (i < list.len) {
        struct text key = { .s = list.s + i };
        struct text v = { .s = list.s + i };

        while (i < list.len && list.s[i] != '=' && list.s[i] != ',') {
            i++;
        }
        key.len = (size_t) (list.s + i - key.s);
        if (i < list.len && list.s[i] == '=') {
            i++;
            if (i < list.len && list.s[i] == '"') {
                v.s = list.s + ++i;
                while (i < list.len && list.s[i] != '"') {
                    i++;
                }
                v.len = (size_t) (list.s + i - v.s);
                i += i < list.len;
            } else {
                v.s = list.s + i;
                while (i < list.len && list.s[i] != ',') {
                    i++;
                }
                v.len = (size_t) (list.s + i - v.s);
            }
        } else {
            v = (struct text) { .s = list.s + i, .len = 0 };
        }
        while (key.len > 0 && key.s[0] == ' ') {
            key.s++;
            key.len--;
        }
        if (same(key, name)) {
            *value = v;
            return true;
        }
        while (i < list.len && list.s[i] != ',') {
            i++;
        }
        i++;
    }
    return false;
}

/* --- growing arrays ------------------------------------------------------ */

static bool
room(struct parser *p, void **array, size_t n, size_t *cap, size_t size)
{
    void  *bigger;
    size_t want;

    if (++p->entries > SV_HLS_ENTRIES_MAX) {
        return fail(p, "more than %d entries", SV_HLS_ENTRIES_MAX);
    }
    if (n < *cap) {
        return true;
    }
    want = *cap == 0 ? 16 : *cap * 2;
    bigger = realloc(*array, want * size);
    if (bigger == NULL) {
        return fail(p, "out of memory");
    }
    *array = bigger;
    *cap = want;
    return true;
}

/* --- tags ---------------------------------------------------------------- */

static const char *
resolve(struct parser *p, struct text ref)
{
    char in[SV_HLS_URI_MAX + 1], out[SV_HLS_URI_MAX + 1];

    if (ref.len == 0) {
        fail(p, "empty URI");
        return NULL;
    }
    if (ref.len > SV_HLS_URI_MAX) {
        fail(p, "URI over %d bytes", SV_HLS_URI_MAX);
        return NULL;
    }
    memcpy(in, ref.s, ref.len);
    in[ref.len] = '\0';
    if (!sv_url_resolve(p->url, in, out, sizeof(out))) {
        fail(p, "URI does not resolve (not printable ASCII, or too long)");
        return NULL;
    }
    return keep(p, out, strlen(out));
}

static void
stream_inf(struct parser *p, struct text list)
{
    struct sv_hls_variant *v = &p->variant;
    struct text            t;
    uint64_t               n, w, h;
    size_t                 i = 0;
    double                 fps;
    char                   derived[32] = "";

    *v = (struct sv_hls_variant) { .name = "" };
    p->stream_inf = true;
    p->ivs_source = attr(list, "IVS-VARIANT-SOURCE", &t) && same(t, "source");
    if (attr(list, "BANDWIDTH", &t) && integer(t, UINT64_MAX, &n)) {
        v->bandwidth = n;
    }
    if (attr(list, "RESOLUTION", &t) && digits(t, &i, 100000, &w)
        && sep(t, &i, 'x') && digits(t, &i, 100000, &h) && i == t.len) {
        v->width = (int) w;
        v->height = (int) h;
    }
    if (attr(list, "FRAME-RATE", &t) && decimal(t, 1000, &fps)) {
        v->frame_rate = fps;
    }
    v->codecs = keep_clean(p, attr(list, "CODECS", &t) ? t : (struct text) {
                           0 }, SV_HLS_NAME_MAX);
    v->video_group = keep_clean(p, attr(list, "VIDEO", &t) ? t
                                : (struct text) { 0 }, SV_HLS_NAME_MAX);
    if (attr(list, "IVS-NAME", &t) || attr(list, "STABLE-VARIANT-ID", &t)) {
        v->name = keep_clean(p, t, SV_HLS_NAME_MAX);
    } else if (v->height > 0) {
        /* As streamlink names them: the frame rate only above 30. */
        if (v->frame_rate > 30) {
            snprintf(derived, sizeof(derived), "%dp%d", v->height,
                     (int) (v->frame_rate + 0.5));
        } else {
            snprintf(derived, sizeof(derived), "%dp", v->height);
        }
        v->name = keep(p, derived, strlen(derived));
    }
}

static void
media(struct parser *p, struct text list)
{
    struct text type, group, name;

    if (!attr(list, "TYPE", &type) || !same(type, "VIDEO")
        || !attr(list, "GROUP-ID", &group) || !attr(list, "NAME", &name)) {
        return;
    }
    if (p->n_renditions == SV_HLS_GROUPS_MAX) {
        fail(p, "more than %d video renditions", SV_HLS_GROUPS_MAX);
        return;
    }
    if (!room(p, (void **) &p->renditions, p->n_renditions,
              &p->cap_renditions, sizeof(*p->renditions))) {
        return;
    }
    p->renditions[p->n_renditions++] = (struct rendition) {
        .group = keep_clean(p, group, SV_HLS_NAME_MAX),
        .name = keep_clean(p, name, SV_HLS_NAME_MAX),
    };
}

static void
date_range(struct parser *p, struct text list)
{
    struct text t, id = { 0 };
    int64_t     start, end = INT64_MAX, e;
    double      s;

    if (!room(p, (void **) &p->ads, p->n_ads, &p->cap_ads, sizeof(*p->ads))
        || (!(attr(list, "CLASS", &t) && same(t, AD_CLASS))
            && !(attr(list, "ID", &id) && starts(id, AD_ID)))
        || !attr(list, "START-DATE", &t)
        || (start = date_time(t)) == SV_HLS_NO_TIME) {
        return;
    }
    if (p->n_ads == SV_HLS_GROUPS_MAX) {
        fail(p, "more than %d ad date ranges", SV_HLS_GROUPS_MAX);
        return;
    }
    if (attr(list, "END-DATE", &t) && (e = date_time(t)) != SV_HLS_NO_TIME) {
        end = e;
    } else if ((attr(list, "DURATION", &t)
                || attr(list, "PLANNED-DURATION", &t))
               && decimal(t, SV_HLS_DURATION_MAX, &s)) {
        end = start + (int64_t) (s * 1000 + 0.5);
    }
    p->ads[p->n_ads++] = (struct ad_range) { .start = start, .end = end };
}

static void
extinf(struct parser *p, struct text v)
{
    const char *comma = memchr(v.s, ',', v.len);
    struct text d = { .s = v.s,
                      .len = comma ? (size_t) (comma - v.s) : v.len };
    struct text title = { 0 };

    if (!decimal(d, SV_HLS_DURATION_MAX, &p->inf_duration)) {
        fail(p, "EXTINF needs a duration of 0 to %.0f s",
             SV_HLS_DURATION_MAX);
        return;
    }
    if (comma != NULL) {
        title = (struct text) { .s = comma + 1,
                                .len = v.len - d.len - 1 };
    }
    p->inf_title = keep_clean(p, title, SV_HLS_TITLE_MAX);
    p->inf = true;
}

static bool
add_segment(struct parser *p, struct text ref, bool prefetch)
{
    struct sv_hls_playlist *pl = p->pl;
    struct sv_hls_segment  *s;
    const char             *uri = resolve(p, ref);

    if (uri == NULL || !room(p, (void **) &pl->segments, pl->n_segments,
                             &p->cap_segments, sizeof(*pl->segments))) {
        return false;
    }
    s = &pl->segments[pl->n_segments++];
    *s = (struct sv_hls_segment) {
        .duration_s = prefetch ? 0 : p->inf_duration, .uri = uri,
        .title = prefetch ? "" : p->inf_title, .pdt_ms = p->pdt_ms,
        .discontinuity = p->discontinuity, .prefetch = prefetch,
    };
    p->inf = p->discontinuity = false;
    p->pdt_ms = SV_HLS_NO_TIME;
    return true;
}

static void
uri_line(struct parser *p, struct text ref)
{
    struct sv_hls_playlist *pl = p->pl;

    if (p->stream_inf) {
        p->variant.uri = resolve(p, ref);
        if (p->variant.uri != NULL
            && room(p, (void **) &pl->variants, pl->n_variants,
                    &p->cap_variants, sizeof(*pl->variants))) {
            p->variant.source = p->ivs_source;
            pl->variants[pl->n_variants++] = p->variant;
        }
        p->stream_inf = false;
    } else if (p->inf) {
        if (pl->n_segments > 0 && pl->segments[pl->n_segments - 1].prefetch) {
            fail(p, "a segment after EXT-X-TWITCH-PREFETCH");
            return;
        }
        add_segment(p, ref, false);
    }
    /* A URI with no tag before it is no entry (as ffmpeg reads it). */
}

static void
number(struct parser *p, struct text v, const char *tag, int64_t *out)
{
    uint64_t n;

    if (!integer(v, SV_HLS_SEQUENCE_MAX, &n)) {
        fail(p, "%s needs an integer of 0 to 2^53", tag);
        return;
    }
    *out = (int64_t) n;
}

static void
tag(struct parser *p, struct text t)
{
    const char *colon = memchr(t.s, ':', t.len);
    struct text name = { .s = t.s, .len = colon ? (size_t) (colon - t.s)
                                                : t.len };
    struct text v = { .s = colon ? colon + 1 : t.s + t.len,
                      .len = colon ? t.len - name.len - 1 : 0 };
    struct sv_hls_playlist *pl = p->pl;

    if (same(name, "#EXTINF")) {
        p->media_tags = true;
        extinf(p, v);
    } else if (same(name, "#EXT-X-TARGETDURATION")) {
        p->media_tags = true;
        if (!decimal(v, SV_HLS_DURATION_MAX, &pl->target_duration_s)) {
            fail(p, "EXT-X-TARGETDURATION needs a duration");
        }
    } else if (same(name, "#EXT-X-MEDIA-SEQUENCE")) {
        p->media_tags = true;
        number(p, v, "EXT-X-MEDIA-SEQUENCE", &pl->media_sequence);
    } else if (same(name, "#EXT-X-DISCONTINUITY-SEQUENCE")) {
        p->media_tags = true;
        number(p, v, "EXT-X-DISCONTINUITY-SEQUENCE",
               &pl->discontinuity_sequence);
    } else if (same(name, "#EXT-X-DISCONTINUITY")) {
        p->media_tags = p->discontinuity = true;
    } else if (same(name, "#EXT-X-ENDLIST")) {
        p->media_tags = pl->endlist = true;
    } else if (same(name, "#EXT-X-PROGRAM-DATE-TIME")) {
        p->pdt_ms = date_time(v);
    } else if (same(name, "#EXT-X-DATERANGE")) {
        date_range(p, v);
    } else if (same(name, "#EXT-X-TWITCH-PREFETCH")) {
        p->media_tags = true;
        if (pl->n_segments > 0 && v.len > 0) {
            add_segment(p, v, true);
        }
    } else if (same(name, "#EXT-X-STREAM-INF")) {
        p->variant_tags = true;
        stream_inf(p, v);
    } else if (same(name, "#EXT-X-MEDIA")) {
        p->variant_tags = true;
        media(p, v);
    }
    /* Anything else (EXT-X-TWITCH-INFO, EXT-X-VERSION, ...) is not needed. */
}

/* --- the whole playlist -------------------------------------------------- */

static bool
in_ad(const struct parser *p, int64_t at)
{
    for (size_t i = 0; at != SV_HLS_NO_TIME && i < p->n_ads; i++) {
        if (at >= p->ads[i].start && at < p->ads[i].end) {
            return true;
        }
    }
    return false;
}

/* Sequence numbers, times and ads, once every tag is known. */
static void
finish_media(struct parser *p)
{
    struct sv_hls_playlist *pl = p->pl;
    double                  sum = 0;
    size_t                  regular = 0;

    for (size_t i = 0; i < pl->n_segments; i++) {
        struct sv_hls_segment *s = &pl->segments[i];
        struct sv_hls_segment *prev = i > 0 ? s - 1 : NULL;

        s->sequence = pl->media_sequence + (int64_t) i;
        if (s->prefetch) {
            s->duration_s = prev->prefetch ? prev->duration_s
                                           : sum / (double) regular;
        } else {
            sum += s->duration_s;
            regular++;
        }
        if (s->pdt_ms == SV_HLS_NO_TIME && prev != NULL
            && prev->pdt_ms != SV_HLS_NO_TIME
            && (!s->discontinuity || s->prefetch)) {
            s->pdt_ms = prev->pdt_ms + (int64_t) (prev->duration_s * 1000
                                                  + 0.5);
        }
        s->ad = strstr(s->title, AD_TITLE) != NULL || in_ad(p, s->pdt_ms)
                || (s->prefetch && s->discontinuity);
    }
}

static void
finish_variants(struct parser *p)
{
    struct sv_hls_playlist *pl = p->pl;
    static const char       suffix[] = " (source)";

    for (size_t i = 0; i < pl->n_variants; i++) {
        struct sv_hls_variant *v = &pl->variants[i];
        size_t                 len;

        for (size_t r = 0; v->video_group[0] != '\0'
                           && r < p->n_renditions; r++) {
            if (strcmp(p->renditions[r].group, v->video_group) == 0) {
                v->name = p->renditions[r].name;
                break;
            }
        }
        len = strlen(v->name);
        v->source = v->source || strcmp(v->video_group, "chunked") == 0
                    || (len >= sizeof(suffix) - 1
                        && strcasecmp(v->name + len - (sizeof(suffix) - 1),
                                      suffix) == 0);
    }
}

static void
line(struct parser *p, struct text t)
{
    while (t.len > 0 && (t.s[t.len - 1] == '\r' || t.s[t.len - 1] == ' '
                         || t.s[t.len - 1] == '\t')) {
        t.len--;
    }
    while (t.len > 0 && (t.s[0] == ' ' || t.s[0] == '\t')) {
        t.s++;
        t.len--;
    }
    if (p->line == 1 && !same(t, "#EXTM3U")) {
        fail(p, "not an HLS playlist (no #EXTM3U)");
    } else if (starts(t, "#EXT")) {
        tag(p, t);
    } else if (t.len > 0 && t.s[0] != '#') {
        uri_line(p, t);
    }
}

static void
free_strings(struct sv_hls_strings *c)
{
    while (c != NULL) {
        struct sv_hls_strings *next = c->next;

        free(c);
        c = next;
    }
}

bool
sv_hls_parse(const char *text, size_t len, const char *url,
             struct sv_hls_playlist *pl, char *err, size_t errlen)
{
    struct parser p = { .pl = pl, .url = url, .err = err, .errlen = errlen,
                        .pdt_ms = SV_HLS_NO_TIME };
    size_t        at = 0;

    *pl = (struct sv_hls_playlist) { .kind = SV_HLS_MEDIA };
    if (errlen > 0) {
        err[0] = '\0';
    }
    if (len > SV_HLS_TEXT_MAX) {
        fail(&p, "over %d bytes", SV_HLS_TEXT_MAX);
    } else if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        at = 3;
    }
    while (!p.failed && at < len) {
        const char *eol = memchr(text + at, '\n', len - at);
        struct text t = { .s = text + at,
                          .len = eol ? (size_t) (eol - text) - at : len - at };

        p.line++;
        if (t.len > SV_HLS_LINE_MAX) {
            fail(&p, "over %d bytes", SV_HLS_LINE_MAX);
        } else if (memchr(t.s, '\0', t.len) != NULL) {
            fail(&p, "a NUL byte");
        } else {
            line(&p, t);
        }
        at += t.len + 1;
    }
    if (!p.failed && p.line == 0) {
        fail(&p, "empty");
    }
    if (!p.failed && p.variant_tags && p.media_tags) {
        p.line = 0;
        fail(&p, "both variants and segments");
    }
    if (!p.failed) {
        pl->kind = p.variant_tags ? SV_HLS_MULTIVARIANT : SV_HLS_MEDIA;
        finish_media(&p);
        finish_variants(&p);
    }
    free(p.renditions);
    free(p.ads);
    if (p.failed) {
        sv_hls_free(pl);
    }
    return !p.failed;
}

void
sv_hls_free(struct sv_hls_playlist *pl)
{
    free(pl->variants);
    free(pl->segments);
    free_strings(pl->strings);
    *pl = (struct sv_hls_playlist) { .kind = SV_HLS_MEDIA };
}
