/*
 * The circuit breaker in front of Twitch: after SV_BREAKER_FAILURES
 * failures in a row no call is made for 30 s, then one trial call decides;
 * each failed trial doubles the pause, up to 10 minutes. Pure: the caller
 * gives the time.
 */

#ifndef SV_HELIX_BREAKER_H
#define SV_HELIX_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#define SV_BREAKER_FAILURES   5
#define SV_BREAKER_FIRST_MS   30000
#define SV_BREAKER_MAX_MS     600000

enum sv_breaker_state {
    SV_BREAKER_CLOSED,
    SV_BREAKER_OPEN,
    SV_BREAKER_HALF_OPEN
};

struct sv_breaker {
    enum sv_breaker_state  state;
    unsigned               failures;    /* in a row */
    int64_t                until_ms;    /* open: no call before this */
    int64_t                pause_ms;    /* of the last opening */
};

/* Whether a call may go out at now; an open breaker whose pause is over
 * becomes half open (the call is the trial). */
bool sv_breaker_allow(struct sv_breaker *b, int64_t now);

void sv_breaker_success(struct sv_breaker *b);

void sv_breaker_failure(struct sv_breaker *b, int64_t now);

/* "closed", "open" or "half_open". */
const char *sv_breaker_name(enum sv_breaker_state state);

#endif /* SV_HELIX_BREAKER_H */
