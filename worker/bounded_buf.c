/*
 * A byte buffer with a hard limit (see bounded_buf.h).
 */

#include "bounded_buf.h"

#include <stdlib.h>
#include <string.h>

/* Most playlists and images fit; larger bodies double from here. */
#define FIRST_CAP  (16 * 1024)

bool
sv_bounded_buf_append(struct sv_bounded_buf *b, const void *p, size_t n)
{
    if (n > b->max - b->len) {
        b->too_big = true;
        return false;
    }
    if (b->len + n > b->cap) {
        size_t  cap = b->cap == 0 ? FIRST_CAP : b->cap;
        char   *grown;

        while (cap < b->len + n) {
            cap *= 2;
        }
        cap = cap > b->max ? b->max : cap;
        grown = realloc(b->data, cap);
        if (grown == NULL) {
            return false;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}
