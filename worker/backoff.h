/*
 * Reconnect pacing: exponential backoff with full jitter (a delay drawn
 * uniformly from [0, min(cap, base * 2^attempt)]), so a fleet of workers
 * does not reconnect in lock-step after an outage. Pure: the caller passes
 * the clock and the random number.
 */

#ifndef SV_BACKOFF_H
#define SV_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

#define SV_BACKOFF_BASE_MS  250u
#define SV_BACKOFF_CAP_MS   30000u

/* min(cap, base * 2^doublings), without overflow: the one exponential
 * schedule, shared with job retries (job_backoff.h). */
uint32_t sv_backoff_ceiling(uint32_t base_ms, uint32_t cap_ms,
                            unsigned doublings);

/* Upper bound of the delay after failure number attempt (0 = first). */
uint32_t sv_backoff_ceiling_ms(unsigned attempt);

/* The jittered delay: random scaled into [0, ceiling]. */
uint32_t sv_backoff_delay_ms(unsigned attempt, uint32_t random);

/* When a connection may next be tried. */
struct sv_retry {
    unsigned  failures;
    int64_t   next_at_ms;
};

/* Forgets past failures; the next try is due at once. */
void sv_retry_reset(struct sv_retry *r);

bool sv_retry_due(const struct sv_retry *r, int64_t now_ms);

/* Records a failure at now_ms and returns the delay until the next try. */
uint32_t sv_retry_failed(struct sv_retry *r, int64_t now_ms, uint32_t random);

#endif /* SV_BACKOFF_H */
