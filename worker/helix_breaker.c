/*
 * The circuit breaker in front of Twitch (see helix_breaker.h).
 */

#include "helix_breaker.h"

bool
sv_breaker_allow(struct sv_breaker *b, int64_t now)
{
    if (b->state == SV_BREAKER_OPEN) {
        if (now < b->until_ms) {
            return false;
        }
        b->state = SV_BREAKER_HALF_OPEN;
    }
    return true;
}

void
sv_breaker_success(struct sv_breaker *b)
{
    b->state = SV_BREAKER_CLOSED;
    b->failures = 0;
    b->pause_ms = 0;
}

void
sv_breaker_failure(struct sv_breaker *b, int64_t now)
{
    if (b->failures < SV_BREAKER_FAILURES * 1000) {
        b->failures++;
    }
    if (b->state == SV_BREAKER_HALF_OPEN) {
        b->pause_ms = b->pause_ms * 2 > SV_BREAKER_MAX_MS ? SV_BREAKER_MAX_MS
                      : b->pause_ms * 2;
    } else if (b->state == SV_BREAKER_CLOSED
               && b->failures >= SV_BREAKER_FAILURES) {
        b->pause_ms = SV_BREAKER_FIRST_MS;
    } else {
        return;
    }
    b->state = SV_BREAKER_OPEN;
    b->until_ms = now + b->pause_ms;
}

const char *
sv_breaker_name(enum sv_breaker_state state)
{
    switch (state) {
    case SV_BREAKER_OPEN:
        return "open";
    case SV_BREAKER_HALF_OPEN:
        return "half_open";
    default:
        return "closed";
    }
}
