/*
 * The fragment index of a fragmented MP4: where the init segment (ftyp+moov)
 * ends and where each fragment (moof+mdat) lies, with its duration. nginx
 * turns it into an HLS playlist (EXT-X-MAP + one EXT-X-BYTERANGE per
 * fragment), so every segment is a byte range of the one file.
 *
 * The scanner reads through a callback and never trusts a box size: sizes of
 * 0, 1 (64-bit), too small, past the end or truncated are errors, never a
 * crash or a loop. Unit-tested on synthetic buffers.
 *
 * Written as JSON:
 *   {"version":1, "timescale":T, "init":{"offset":0,"size":N},
 *    "fragments":[{"offset":O,"size":S,"duration":D}, ...],
 *    "duration":<seconds>}
 * D is in timescale units (exact; seconds = D / T) of the reference track:
 * the first video track, else the first track.
 */

#ifndef SV_MEDIA_INDEX_H
#define SV_MEDIA_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A box read at most this big into memory (moov, moof). */
#define SV_MP4_BOX_READ_MAX  (64u << 20)

struct sv_mp4_fragment {
    uint64_t offset;            /* of its moof */
    uint64_t size;              /* moof + mdat */
    uint64_t duration;          /* timescale units */
};

struct sv_mp4_index {
    uint32_t                timescale;
    uint32_t                track_id;
    uint32_t                trex_duration;  /* default sample duration */
    uint64_t                init_size;
    struct sv_mp4_fragment *fragments;
    size_t                  count, cap;
    uint64_t                duration;       /* timescale units */
};

/* Reads len bytes at off into buf; false on a short read or an error. */
typedef bool (*sv_mp4_read_fn)(void *ctx, uint64_t off, void *buf,
                               size_t len);

/* Scans a file of file_size bytes. On success fills idx (free it with
 * sv_mp4_index_free); else false with the reason. */
bool sv_mp4_index_scan(sv_mp4_read_fn read, void *ctx, uint64_t file_size,
                       struct sv_mp4_index *idx, char *err, size_t errlen);

void sv_mp4_index_free(struct sv_mp4_index *idx);

/* Writes idx as the JSON above; false on a write error. */
bool sv_mp4_index_write_json(const struct sv_mp4_index *idx, FILE *f);

#endif /* SV_MEDIA_INDEX_H */
