/*
 * A byte buffer that grows up to a hard limit, for bodies read from the
 * network: an append that would pass the limit is refused, not cut, so an
 * endless body stops at the limit rather than at a timeout.
 */

#ifndef SV_BOUNDED_BUF_H
#define SV_BOUNDED_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct sv_bounded_buf {
    char    *data;
    size_t   len, cap;
    size_t   max;           /* set before the first append */
    bool     too_big;       /* an append was refused for the limit */
};

/* False when the limit (too_big set) or memory ran out. */
bool sv_bounded_buf_append(struct sv_bounded_buf *b, const void *p, size_t n);

#endif /* SV_BOUNDED_BUF_H */
