/*
 * New segments between two polls (see hls_window.h).
 */

#include "hls_window.h"

void
sv_hls_cursor_prime(struct sv_hls_cursor *cursor, int64_t last_taken)
{
    cursor->last_taken = last_taken < 0 ? -1 : last_taken;
    cursor->media_sequence = -1;
}

struct sv_hls_new
sv_hls_window_next(struct sv_hls_cursor *cursor,
                   const struct sv_hls_playlist *pl, bool prefetch)
{
    struct sv_hls_new new = { .first = 0 };
    size_t            n = pl->n_segments;
    int64_t           after = cursor->last_taken;

    while (!prefetch && n > 0 && pl->segments[n - 1].prefetch) {
        n--;
    }
    if (cursor->media_sequence >= 0
        ? pl->media_sequence < cursor->media_sequence
        : after >= 0 && n > 0 && pl->segments[n - 1].sequence < after) {
        new.reset = true;
        after = -1;
    }
    cursor->media_sequence = pl->media_sequence;
    while (new.first < n && pl->segments[new.first].sequence <= after) {
        new.first++;
    }
    new.count = n - new.first;
    if (new.count == 0) {
        return new;
    }
    if (after >= 0 && pl->segments[new.first].sequence > after + 1) {
        new.skipped = pl->segments[new.first].sequence - after - 1;
    }
    cursor->last_taken = pl->segments[n - 1].sequence;
    return new;
}

int64_t
sv_hls_file_number(int64_t *offset, int64_t last_file, int64_t seq)
{
    if (seq + *offset <= last_file) {
        *offset = last_file + 1 - seq;
    }
    return seq + *offset;
}
