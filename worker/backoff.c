/*
 * Exponential backoff with full jitter (see backoff.h).
 */

#include "backoff.h"

#include <limits.h>

uint32_t
sv_backoff_ceiling_ms(unsigned attempt)
{
    /* 250 << 7 already exceeds the cap; checking first avoids overflow. */
    if (attempt >= 7) {
        return SV_BACKOFF_CAP_MS;
    }

    uint32_t ceiling = SV_BACKOFF_BASE_MS << attempt;
    return ceiling < SV_BACKOFF_CAP_MS ? ceiling : SV_BACKOFF_CAP_MS;
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
