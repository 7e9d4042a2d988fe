/*
 * The circuit breaker in front of Twitch (worker/helix_breaker.c).
 */

#include "helix_breaker.h"
#include "tap.h"

int
main(void)
{
    struct sv_breaker b = { 0 };

    for (int i = 0; i < SV_BREAKER_FAILURES - 1; i++) {
        sv_breaker_failure(&b, 1000);
    }
    tap_is_str(sv_breaker_name(b.state), "closed", "4 failures: closed");
    sv_breaker_success(&b);
    for (int i = 0; i < SV_BREAKER_FAILURES - 1; i++) {
        sv_breaker_failure(&b, 1000);
    }
    tap_is_str(sv_breaker_name(b.state), "closed",
               "a success in between starts the count again");
    sv_breaker_failure(&b, 1000);
    tap_is_str(sv_breaker_name(b.state), "open", "5 in a row: open");
    tap_is_int(b.until_ms, 31000, "for 30 s");
    tap_ok(!sv_breaker_allow(&b, 30999), "no call while open");
    tap_ok(sv_breaker_allow(&b, 31000), "a trial call after the pause");
    tap_is_str(sv_breaker_name(b.state), "half_open", "half open");
    sv_breaker_failure(&b, 31000);
    tap_is_str(sv_breaker_name(b.state), "open", "a failed trial opens it");
    tap_is_int(b.until_ms, 91000, "for twice as long");
    for (int i = 0; i < 10; i++) {
        tap_ok(sv_breaker_allow(&b, b.until_ms), "trial %d", i);
        sv_breaker_failure(&b, b.until_ms);
    }
    tap_is_int(b.pause_ms, SV_BREAKER_MAX_MS, "the pause stops at 10 min");
    tap_ok(sv_breaker_allow(&b, b.until_ms), "a last trial");
    sv_breaker_success(&b);
    tap_is_str(sv_breaker_name(b.state), "closed", "a success closes it");
    tap_is_int(b.failures, 0, "and forgets the failures");
    sv_breaker_failure(&b, 0);
    tap_is_str(sv_breaker_name(b.state), "closed",
               "one failure after that does not open it");
    return tap_done();
}
