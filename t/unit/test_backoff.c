/*
 * Exponential backoff with full jitter (worker/backoff.c).
 */

#include <stdint.h>

#include "backoff.h"
#include "tap.h"

static void
test_ceilings(void)
{
    static const uint32_t expected[] = {
        250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000
    };

    for (unsigned i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        tap_is_int(sv_backoff_ceiling_ms(i), expected[i],
                   "ceiling after failure %u", i + 1);
    }

    tap_is_int(sv_backoff_ceiling_ms(31), 30000, "no overflow at 2^31");
    tap_is_int(sv_backoff_ceiling_ms(4000000000u), 30000,
               "no overflow for absurd attempt counts");
}

static void
test_jitter(void)
{
    uint32_t  seen_max = 0, seen_min = UINT32_MAX, x = 2463534242u;
    bool      in_range = true;

    tap_is_int(sv_backoff_delay_ms(0, 0), 0, "random 0 gives no delay");
    tap_is_int(sv_backoff_delay_ms(0, 250), 250, "the ceiling is reachable");
    tap_is_int(sv_backoff_delay_ms(0, 251), 0, "and wraps after it");
    tap_ok(sv_backoff_delay_ms(20, UINT32_MAX) <= 30000,
           "the largest random stays under the cap");

    /* Full jitter spreads over the whole range, not just near the top. */
    for (int i = 0; i < 10000; i++) {
        uint32_t d;

        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d = sv_backoff_delay_ms(3, x);
        in_range = in_range && d <= 2000;
        seen_max = d > seen_max ? d : seen_max;
        seen_min = d < seen_min ? d : seen_min;
    }
    tap_ok(in_range, "10000 delays at attempt 4 are within [0, 2000]");
    tap_ok(seen_min < 100 && seen_max > 1900, "and cover the range "
           "(min %u, max %u)", seen_min, seen_max);
}

static void
test_retry_schedule(void)
{
    struct sv_retry  r;
    uint32_t         delay;

    sv_retry_reset(&r);
    tap_ok(sv_retry_due(&r, 0), "a fresh schedule is due at once");

    delay = sv_retry_failed(&r, 1000, 100);
    tap_is_int(delay, 100, "the first failure waits up to 250 ms");
    tap_is_int(r.next_at_ms, 1100, "the next try is scheduled");
    tap_ok(!sv_retry_due(&r, 1099), "not due before");
    tap_ok(sv_retry_due(&r, 1100), "due at the time");

    sv_retry_failed(&r, 2000, 0);
    tap_is_int(sv_retry_failed(&r, 3000, 999), 999,
               "the third failure may wait up to 1000 ms");
    tap_is_int(r.failures, 3, "failures are counted");

    sv_retry_reset(&r);
    tap_ok(r.failures == 0 && sv_retry_due(&r, 0),
           "a reset forgets the failures");
}

int
main(void)
{
    test_ceilings();
    test_jitter();
    test_retry_schedule();
    return tap_done();
}
