/*
 * The fragment index scanner (see media_index.h).
 */

#include "media_index.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FOURCC(a, b, c, d)  ((uint32_t) (a) << 24 | (uint32_t) (b) << 16 \
                             | (uint32_t) (c) << 8 | (uint32_t) (d))

/* tfhd and trun flags (ISO/IEC 14496-12). */
#define TFHD_BASE_DATA_OFFSET   0x000001
#define TFHD_SAMPLE_DESC_INDEX  0x000002
#define TFHD_DEFAULT_DURATION   0x000008
#define TRUN_DATA_OFFSET        0x000001
#define TRUN_FIRST_FLAGS        0x000004
#define TRUN_SAMPLE_DURATION    0x000100
#define TRUN_PER_SAMPLE_FIELDS  0x000f00

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

static uint64_t
be64(const uint8_t *p)
{
    return (uint64_t) be32(p) << 32 | be32(p + 4);
}

struct box {
    uint32_t type;
    uint64_t size;              /* header included */
    unsigned header;            /* 8 or 16 */
};

/* The header of a box starting at p (avail bytes readable) that must end
 * within limit bytes. Size 0 means "up to limit". */
static bool
box_header(const uint8_t *p, size_t avail, uint64_t limit, struct box *b)
{
    uint64_t size;

    if (avail < 8 || limit < 8) {
        return false;
    }
    size = be32(p);
    b->type = be32(p + 4);
    b->header = 8;
    if (size == 1) {
        if (avail < 16 || limit < 16) {
            return false;
        }
        size = be64(p + 8);
        b->header = 16;
    } else if (size == 0) {
        size = limit;
    }
    if (size < b->header || size > limit) {
        return false;
    }
    b->size = size;
    return true;
}

/* Walks the boxes inside an in-memory container body. */
struct boxes {
    const uint8_t *p;
    size_t         len, pos;
};

/* 1 with the next child's type and body, 0 at the end, -1 if malformed. */
static int
next_box(struct boxes *it, uint32_t *type, const uint8_t **body,
         size_t *blen)
{
    struct box b;
    size_t     left = it->len - it->pos;

    if (left == 0) {
        return 0;
    }
    if (!box_header(it->p + it->pos, left, left, &b)) {
        return -1;
    }
    *type = b.type;
    *body = it->p + it->pos + b.header;
    *blen = (size_t) b.size - b.header;
    it->pos += (size_t) b.size;
    return 1;
}

/* The first child of type in a body; false if none or malformed. */
static bool
find_child(const uint8_t *p, size_t len, uint32_t type,
           const uint8_t **body, size_t *blen)
{
    struct boxes it = { p, len, 0 };
    uint32_t     t;

    while (next_box(&it, &t, body, blen) == 1) {
        if (t == type) {
            return true;
        }
    }
    return false;
}

/* The track id (tkhd), timescale (mdhd) and handler type (hdlr) of a trak.
 * tkhd's track_id and mdhd's timescale sit at body offset 12 in version 0
 * and 20 in version 1. */
static bool
trak_info(const uint8_t *trak, size_t len, uint32_t *id, uint32_t *timescale,
          uint32_t *handler)
{
    const uint8_t *tkhd, *mdia, *mdhd, *hdlr;
    size_t         tkhd_len, mdia_len, mdhd_len, hdlr_len;
    size_t         at;

    if (!find_child(trak, len, FOURCC('t', 'k', 'h', 'd'), &tkhd, &tkhd_len)
        || !find_child(trak, len, FOURCC('m', 'd', 'i', 'a'), &mdia,
                       &mdia_len)
        || !find_child(mdia, mdia_len, FOURCC('m', 'd', 'h', 'd'), &mdhd,
                       &mdhd_len)
        || !find_child(mdia, mdia_len, FOURCC('h', 'd', 'l', 'r'), &hdlr,
                       &hdlr_len)
        || tkhd_len < 24 || mdhd_len < 24 || hdlr_len < 12) {
        return false;
    }
    at = tkhd[0] == 1 ? 20 : 12;
    *id = be32(tkhd + at);
    at = mdhd[0] == 1 ? 20 : 12;
    *timescale = be32(mdhd + at);
    *handler = be32(hdlr + 8);
    return *timescale != 0;
}

/* Picks the reference track from moov's body: the first video trak, else
 * the first trak; and its trex default sample duration. */
static bool
parse_moov(const uint8_t *moov, size_t len, struct sv_mp4_index *idx)
{
    struct boxes   it = { moov, len, 0 };
    const uint8_t *body, *mvex;
    size_t         blen, mvex_len;
    uint32_t       type, id, ts, handler;
    bool           have = false, have_video = false;
    int            r;

    while ((r = next_box(&it, &type, &body, &blen)) == 1) {
        if (type != FOURCC('t', 'r', 'a', 'k')
            || !trak_info(body, blen, &id, &ts, &handler) || have_video) {
            continue;
        }
        if (!have || handler == FOURCC('v', 'i', 'd', 'e')) {
            idx->track_id = id;
            idx->timescale = ts;
            have = true;
            have_video = handler == FOURCC('v', 'i', 'd', 'e');
        }
    }
    if (r < 0 || !have) {
        return false;
    }
    if (find_child(moov, len, FOURCC('m', 'v', 'e', 'x'), &mvex, &mvex_len)) {
        struct boxes mv = { mvex, mvex_len, 0 };

        while (next_box(&mv, &type, &body, &blen) == 1) {
            if (type == FOURCC('t', 'r', 'e', 'x') && blen >= 16
                && be32(body + 4) == idx->track_id) {
                idx->trex_duration = be32(body + 12);
            }
        }
    }
    return true;
}

/* The duration of one trun, given the traf's default sample duration. */
static bool
trun_duration(const uint8_t *p, size_t len, uint32_t default_duration,
              uint64_t *out)
{
    uint32_t flags, count;
    size_t   at = 8, per_sample = 0;

    if (len < 8) {
        return false;
    }
    flags = be32(p) & 0xffffff;
    count = be32(p + 4);
    at += (flags & TRUN_DATA_OFFSET) ? 4 : 0;
    at += (flags & TRUN_FIRST_FLAGS) ? 4 : 0;
    for (uint32_t bit = 0x100; bit <= 0x800; bit <<= 1) {
        per_sample += (flags & bit) ? 4 : 0;
    }
    if (at > len || (per_sample > 0 && count > (len - at) / per_sample)) {
        return false;
    }
    if (!(flags & TRUN_SAMPLE_DURATION)) {
        *out += (uint64_t) count * default_duration;
        return true;
    }
    for (uint32_t i = 0; i < count; i++, at += per_sample) {
        *out += be32(p + at);
    }
    return true;
}

/* The reference track's duration in one moof's body. */
static bool
moof_duration(const uint8_t *moof, size_t len, const struct sv_mp4_index *idx,
              uint64_t *out)
{
    struct boxes   it = { moof, len, 0 };
    const uint8_t *traf, *body, *tfhd;
    size_t         traf_len, blen, tfhd_len;
    uint32_t       type;
    int            r;

    *out = 0;
    while ((r = next_box(&it, &type, &traf, &traf_len)) == 1) {
        if (type != FOURCC('t', 'r', 'a', 'f')) {
            continue;
        }
        if (!find_child(traf, traf_len, FOURCC('t', 'f', 'h', 'd'), &tfhd,
                        &tfhd_len) || tfhd_len < 8) {
            return false;
        }
        if (be32(tfhd + 4) != idx->track_id) {
            continue;
        }

        uint32_t flags = be32(tfhd) & 0xffffff;
        size_t   at = 8 + ((flags & TFHD_BASE_DATA_OFFSET) ? 8 : 0)
                      + ((flags & TFHD_SAMPLE_DESC_INDEX) ? 4 : 0);
        uint32_t def = idx->trex_duration;

        if (flags & TFHD_DEFAULT_DURATION) {
            if (at + 4 > tfhd_len) {
                return false;
            }
            def = be32(tfhd + at);
        }

        struct boxes runs = { traf, traf_len, 0 };

        while ((r = next_box(&runs, &type, &body, &blen)) == 1) {
            if (type == FOURCC('t', 'r', 'u', 'n')
                && !trun_duration(body, blen, def, out)) {
                return false;
            }
        }
        if (r < 0) {
            return false;
        }
    }
    return r == 0;
}

/* Reads a whole box's body (bounded) into a fresh buffer. */
static uint8_t *
read_body(sv_mp4_read_fn read, void *ctx, uint64_t off, const struct box *b)
{
    uint64_t len = b->size - b->header;
    uint8_t *buf;

    if (len > SV_MP4_BOX_READ_MAX) {
        return NULL;
    }
    buf = malloc(len > 0 ? (size_t) len : 1);
    if (buf != NULL && !read(ctx, off + b->header, buf, (size_t) len)) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* The header of the box at off, which must end by file_size. */
static bool
read_header(sv_mp4_read_fn read, void *ctx, uint64_t off, uint64_t file_size,
            struct box *b)
{
    uint8_t hdr[16];
    size_t  n = file_size - off < sizeof(hdr) ? (size_t) (file_size - off)
                                              : sizeof(hdr);

    return read(ctx, off, hdr, n) && box_header(hdr, n, file_size - off, b);
}

static bool
add_fragment(struct sv_mp4_index *idx, uint64_t offset, uint64_t size,
             uint64_t duration)
{
    if (idx->count == idx->cap) {
        size_t                  cap = idx->cap ? idx->cap * 2 : 64;
        struct sv_mp4_fragment *f = realloc(idx->fragments,
                                            cap * sizeof(*f));

        if (f == NULL) {
            return false;
        }
        idx->fragments = f;
        idx->cap = cap;
    }
    idx->fragments[idx->count++] = (struct sv_mp4_fragment) {
        offset, size, duration
    };
    idx->duration += duration;
    return true;
}

/* A moof at off and the mdat that must follow it: one fragment. */
static bool
scan_fragment(sv_mp4_read_fn read, void *ctx, uint64_t file_size,
              uint64_t off, const struct box *moof, struct sv_mp4_index *idx,
              uint64_t *next, char *err, size_t errlen)
{
    uint64_t   mdat_off = off + moof->size, duration;
    struct box mdat;
    uint8_t   *body;
    bool       ok;

    if (mdat_off >= file_size
        || !read_header(read, ctx, mdat_off, file_size, &mdat)
        || mdat.type != FOURCC('m', 'd', 'a', 't')) {
        snprintf(err, errlen, "the moof at %" PRIu64 " is not followed by "
                 "an mdat", off);
        return false;
    }
    body = read_body(read, ctx, off, moof);
    ok = body != NULL && moof_duration(body, (size_t) (moof->size
                                                       - moof->header),
                                       idx, &duration);
    free(body);
    if (!ok) {
        snprintf(err, errlen, "malformed moof at %" PRIu64, off);
        return false;
    }
    if (!add_fragment(idx, off, moof->size + mdat.size, duration)) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    *next = mdat_off + mdat.size;
    return true;
}

bool
sv_mp4_index_scan(sv_mp4_read_fn read, void *ctx, uint64_t file_size,
                  struct sv_mp4_index *idx, char *err, size_t errlen)
{
    uint64_t   off = 0;
    struct box b;
    bool       have_moov = false;

    memset(idx, 0, sizeof(*idx));
    while (off < file_size) {
        if (!read_header(read, ctx, off, file_size, &b)) {
            snprintf(err, errlen, "malformed or truncated box at %" PRIu64,
                     off);
            goto fail;
        }
        if (b.type == FOURCC('m', 'f', 'r', 'a')) {
            break;              /* the random access index: not media */
        }
        if (b.type == FOURCC('m', 'o', 'o', 'v') && idx->count == 0) {
            uint8_t *body = read_body(read, ctx, off, &b);

            have_moov = body != NULL
                        && parse_moov(body, (size_t) (b.size - b.header),
                                      idx);
            free(body);
            if (!have_moov) {
                snprintf(err, errlen, "malformed moov at %" PRIu64, off);
                goto fail;
            }
        } else if (b.type == FOURCC('m', 'o', 'o', 'f')) {
            if (!have_moov) {
                snprintf(err, errlen, "a moof before the moov");
                goto fail;
            }
            if (idx->count == 0) {
                idx->init_size = off;
            }
            if (!scan_fragment(read, ctx, file_size, off, &b, idx, &off, err,
                               errlen)) {
                goto fail;
            }
            continue;
        }
        off += b.size;
    }
    if (idx->count == 0) {
        snprintf(err, errlen, "no fragments (not a fragmented MP4?)");
        goto fail;
    }
    return true;

fail:
    sv_mp4_index_free(idx);
    return false;
}

void
sv_mp4_index_free(struct sv_mp4_index *idx)
{
    free(idx->fragments);
    idx->fragments = NULL;
    idx->count = idx->cap = 0;
}

bool
sv_mp4_index_write_json(const struct sv_mp4_index *idx, FILE *f)
{
    fprintf(f, "{\"version\":1,\"timescale\":%" PRIu32 ",\"init\":"
            "{\"offset\":0,\"size\":%" PRIu64 "},\"fragments\":[",
            idx->timescale, idx->init_size);
    for (size_t i = 0; i < idx->count; i++) {
        const struct sv_mp4_fragment *fr = &idx->fragments[i];

        fprintf(f, "%s{\"offset\":%" PRIu64 ",\"size\":%" PRIu64
                ",\"duration\":%" PRIu64 "}", i > 0 ? ",\n" : "\n",
                fr->offset, fr->size, fr->duration);
    }
    fprintf(f, "],\n\"duration\":%.6f}\n",
            (double) idx->duration / idx->timescale);
    return !ferror(f);
}
