/*
 * Kernel randomness (see random.h).
 */

#include "random.h"

#include <errno.h>
#include <sys/random.h>

#include "clock.h"

int
sv_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);

        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }

        p += got;
        n -= (size_t) got;
    }

    return 0;
}

uint32_t
sv_random_u32(void)
{
    uint32_t value;

    if (sv_random_bytes(&value, sizeof(value)) != 0) {
        /* getrandom only fails on ancient kernels; any spread will do. */
        value = (uint32_t) sv_monotonic_ms() * 2654435761u;
    }

    return value;
}
