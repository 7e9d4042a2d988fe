/*
 * The fragment index scanner (worker/media_index.c) on synthetic MP4s:
 * a well-formed file, then hostile box sizes, truncation at every length
 * and random corruption, none of which may crash or loop.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media_index.h"
#include "tap.h"

/* A buffer that boxes are built in; open boxes get their size on close. */
struct mp4 {
    uint8_t buf[4096];
    size_t  len;
    size_t  open[8];
    int     depth;
};

static void
put32(struct mp4 *m, uint32_t v)
{
    for (int i = 3; i >= 0; i--) {
        m->buf[m->len++] = (uint8_t) (v >> (8 * i));
    }
}

static void
open_box(struct mp4 *m, const char *type)
{
    m->open[m->depth++] = m->len;
    put32(m, 0);
    memcpy(m->buf + m->len, type, 4);
    m->len += 4;
}

static void
close_box(struct mp4 *m)
{
    size_t   at = m->open[--m->depth];
    uint32_t size = (uint32_t) (m->len - at);

    for (int i = 0; i < 4; i++) {
        m->buf[at + i] = (uint8_t) (size >> (8 * (3 - i)));
    }
}

static void
full_box(struct mp4 *m, const char *type, const uint32_t *words, size_t n)
{
    open_box(m, type);
    for (size_t i = 0; i < n; i++) {
        put32(m, words[i]);
    }
    close_box(m);
}

static void
fragment(struct mp4 *m, const uint32_t *tfhd, size_t tfhd_n,
         const uint32_t *trun, size_t trun_n)
{
    open_box(m, "moof");
    full_box(m, "mfhd", (const uint32_t[]) { 0, 1 }, 2);
    open_box(m, "traf");
    full_box(m, "tfhd", tfhd, tfhd_n);
    full_box(m, "trun", trun, trun_n);
    close_box(m);
    close_box(m);
    full_box(m, "mdat", (const uint32_t[]) { 0xdeadbeef, 0 }, 2);
}

/* ftyp, moov (an audio track 2 first, then video track 1 at 90 kHz with
 * trex default duration 3000), two fragments, mfra. */
static size_t
build(struct mp4 *m, size_t *init_size)
{
    memset(m, 0, sizeof(*m));
    full_box(m, "ftyp", (const uint32_t[]) { 0x69736f35, 0 }, 2);
    open_box(m, "moov");
    for (uint32_t id = 2; id >= 1; id--) {
        open_box(m, "trak");
        full_box(m, "tkhd", (const uint32_t[]) { 0, 0, 0, id, 0, 0 }, 6);
        open_box(m, "mdia");
        full_box(m, "mdhd", (const uint32_t[]) { 0, 0, 0,
                                                 id == 1 ? 90000 : 48000,
                                                 0, 0 }, 6);
        full_box(m, "hdlr", (const uint32_t[]) { 0, 0, id == 1 ? 0x76696465
                                                              : 0x736f756e },
                 3);
        close_box(m);
        close_box(m);
    }
    open_box(m, "mvex");
    full_box(m, "trex", (const uint32_t[]) { 0, 1, 1, 3000, 0, 0 }, 6);
    close_box(m);
    close_box(m);
    *init_size = m->len;
    /* per-sample durations 1000 + 2000, with a data offset */
    fragment(m, (const uint32_t[]) { 0x020000, 1 }, 2,
             (const uint32_t[]) { 0x000301, 2, 0, 1000, 10, 2000, 10 }, 7);
    /* tfhd default duration 1500, 4 samples; the audio traf is skipped */
    fragment(m, (const uint32_t[]) { 0x000008, 1, 1500 }, 3,
             (const uint32_t[]) { 0, 4 }, 2);
    full_box(m, "mfra", (const uint32_t[]) { 0 }, 1);
    return m->len;
}

struct mem {
    const uint8_t *p;
    size_t         len;
};

static bool
mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const struct mem *m = ctx;

    if (off > m->len || len > m->len - off) {
        return false;
    }
    memcpy(buf, m->p + off, len);
    return true;
}

static bool
scan(const uint8_t *p, size_t len, struct sv_mp4_index *idx, char *err)
{
    struct mem m = { p, len };

    return sv_mp4_index_scan(mem_read, &m, len, idx, err, 256);
}

static void
test_good(void)
{
    struct mp4          m;
    struct sv_mp4_index idx;
    size_t              init, len = build(&m, &init);
    char                err[256] = "";
    bool                ok = scan(m.buf, len, &idx, err);

    tap_ok(ok, "a well-formed file scans (%s)", err);
    if (!ok) {
        return;
    }
    tap_is_int((long) idx.timescale, 90000, "the video track's timescale");
    tap_is_int((long) idx.init_size, (long) init, "init = ftyp + moov");
    tap_is_int((long) idx.count, 2, "two fragments (mfra left out)");
    tap_is_int((long) idx.fragments[0].offset, (long) init,
               "the first fragment starts after the init");
    tap_is_int((long) (idx.fragments[0].offset + idx.fragments[0].size),
               (long) idx.fragments[1].offset, "fragments are contiguous");
    tap_ok(memcmp(m.buf + idx.fragments[1].offset + 4, "moof", 4) == 0,
           "each offset points at a moof");
    tap_is_int((long) idx.fragments[0].duration, 3000,
               "trun per-sample durations add up");
    tap_is_int((long) idx.fragments[1].duration, 6000,
               "tfhd default duration x sample count");
    tap_is_int((long) idx.duration, 9000, "the total");

    char  *text = NULL;
    size_t text_len = 0;
    FILE  *f = open_memstream(&text, &text_len);

    tap_ok(sv_mp4_index_write_json(&idx, f) && fclose(f) == 0
           && strstr(text, "\"timescale\":90000") != NULL
           && strstr(text, "\"duration\":3000}") != NULL
           && strstr(text, "\"duration\":0.100000}") != NULL,
           "the JSON has the timescale, durations and seconds");
    free(text);
    sv_mp4_index_free(&idx);
}

static void
refused(const uint8_t *p, size_t len, const char *what)
{
    struct sv_mp4_index idx;
    char                err[256] = "";

    bool                ok = scan(p, len, &idx, err);

    if (ok) {
        sv_mp4_index_free(&idx);
    }
    tap_ok(!ok && err[0] != '\0', "%s: refused (%s)", what, err);
}

static void
test_hostile(void)
{
    struct mp4 m;
    size_t     init, len = build(&m, &init);
    uint8_t    bad[4096];
    size_t     clean = 0;

    refused(m.buf, 0, "an empty file");
    refused((const uint8_t *) "\0\0\0\4ftyp", 8, "a box size below 8");
    refused((const uint8_t *) "\0\0\0\1ftyp\xff\xff\xff\xff\xff\xff\xff\xff",
            16, "a 64-bit size past the end");
    refused((const uint8_t *) "\0\0\0\1ftyp\0\0\0\0\0\0\0\4", 16,
            "a 64-bit size below its header");
    refused((const uint8_t *) "\0\0\0\x10" "ftyp", 8, "a size past the end");
    refused(m.buf, init, "no fragments");

    memcpy(bad, m.buf, len);
    memcpy(memmem(bad + init, len - init, "mdat", 4), "free", 4);
    refused(bad, len, "a moof without its mdat");

    /* the first trun's sample count made huge */
    memcpy(bad, m.buf, len);
    for (size_t i = init; i + 8 < len; i++) {
        if (memcmp(bad + i, "trun", 4) == 0) {
            memcpy(bad + i + 8, "\x7f\xff\xff\xff", 4);
            break;
        }
    }
    refused(bad, len, "a trun claiming more samples than it holds");

    /* Every truncation fails cleanly or (past the mfra) still scans. */
    for (size_t cut = 0; cut < len; cut++) {
        struct sv_mp4_index idx;
        char                err[256];

        if (scan(m.buf, cut, &idx, err)) {
            sv_mp4_index_free(&idx);
        }
        clean++;
    }
    tap_is_int((long) clean, (long) len, "all %zu truncations end", len);

    /* Random corruption: ASan/UBSan watch each scan. */
    srand(7);
    for (int round = 0; round < 20000; round++) {
        struct sv_mp4_index idx;
        char                err[256];

        memcpy(bad, m.buf, len);
        for (int k = 0; k < 1 + rand() % 4; k++) {
            bad[(size_t) rand() % len] = (uint8_t) rand();
        }
        if (scan(bad, len, &idx, err)) {
            sv_mp4_index_free(&idx);
        }
    }
    tap_ok(true, "20000 corrupted files scanned without a fault");
}

int
main(void)
{
    test_good();
    test_hostile();
    return tap_done();
}
