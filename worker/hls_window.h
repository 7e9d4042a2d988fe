/*
 * Which segments of a freshly fetched media playlist are new to a
 * recording that polls it. Pure.
 *
 * The cursor remembers the last sequence number taken and the previous
 * playlist's MEDIA-SEQUENCE. New are the segments numbered after the last
 * taken (prefetch ones only when asked for: they come last and carry the
 * numbers their regular segments will have, so they are never taken
 * twice). A first poll takes the whole playlist. When the first new
 * segment is further on than the next expected, the numbers between were
 * lost (the window moved past them between two polls): skipped says how
 * many. When MEDIA-SEQUENCE went lower than before, it is a new stream
 * instance (the encoder restarted): the whole playlist is new and reset is
 * set, so the recorder starts a discontinuity; nothing is counted as lost.
 * Otherwise a playlist that has not moved yields nothing.
 *
 * A cursor primed with a last number but no playlist (a recording resumed,
 * or a playlist found again after a reconnect) judges the first playlist
 * by its numbers: the segments after that number, the ones before the
 * window counted skipped; a newest number below it is a new instance.
 *
 * File numbers: a segment's file is its sequence number plus an offset
 * that only grows, just enough to put it after the last file, so files
 * never collide and sort in recording order.
 */

#ifndef SV_HLS_WINDOW_H
#define SV_HLS_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hls_playlist.h"

struct sv_hls_cursor {
    int64_t last_taken;         /* -1 before the first */
    int64_t media_sequence;     /* of the previous playlist, -1 before */
};

#define SV_HLS_CURSOR_INIT  { .last_taken = -1, .media_sequence = -1 }

/* Forgets the playlist seen, keeping the last number taken (-1: none). */
void sv_hls_cursor_prime(struct sv_hls_cursor *cursor, int64_t last_taken);

struct sv_hls_new {
    size_t  first, count;       /* pl->segments[first .. first + count) */
    int64_t skipped;            /* sequence numbers lost before first */
    bool    reset;              /* a new stream instance */
};

/* The new segments of media playlist pl (prefetch ones when prefetch);
 * moves the cursor past them: they are the caller's now. */
struct sv_hls_new sv_hls_window_next(struct sv_hls_cursor *cursor,
                                     const struct sv_hls_playlist *pl,
                                     bool prefetch);

/* The file number of segment seq after file last_file (-1: none yet),
 * growing *offset when seq + *offset would not be above it. */
int64_t sv_hls_file_number(int64_t *offset, int64_t last_file, int64_t seq);

#endif /* SV_HLS_WINDOW_H */
