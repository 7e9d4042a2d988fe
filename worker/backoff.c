/*
 * Exponential backoff with full jitter (see backoff.h).
 */

#include "backoff.h"

#include <limits.h>

uint32_t
sv_backoff_ceiling(uint32_t base_ms, uint32_t cap_ms, unsigned doublings)
{
    uint32_t ceiling = base_ms;

    /* Doubling stops at the cap, so nothing can overflow. */
    while (doublings-- > 0 && ceiling < cap_ms) {
        ceiling *= 2;
    }
    return ceiling < cap_ms ? ceiling : cap_ms;
}

uint32_t
sv_backoff_ceiling_ms(unsigned attempt)
{
    return sv_backoff_ceiling(SV_BACKOFF_BASE_MS, SV_BACKOFF_CAP_MS, attempt);
}

uint32_t
sv_backoff_delay_ms(unsigned attempt, uint32_t random)
{
    return random % (sv_backoff_ceiling_ms(attempt) + 1);
}

void
sv_retry_reset(struct sv_retry *r)
{
    r->failures = 0;
    r->next_at_ms = 0;
}

bool
sv_retry_due(const struct sv_retry *r, int64_t now_ms)
{
    return now_ms >= r->next_at_ms;
}

uint32_t
sv_retry_failed(struct sv_retry *r, int64_t now_ms, uint32_t random)
{
    uint32_t delay = sv_backoff_delay_ms(r->failures, random);

    if (r->failures < UINT_MAX) {
        r->failures++;
    }
    r->next_at_ms = now_ms + delay;
    return delay;
}
