/*
 * Signal flags and the signal-aware wait (worker/signals.c).
 */

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "clock.h"
#include "signals.h"
#include "tap.h"

int
main(void)
{
    int      fds[2];
    int64_t  started;
    int      r;

    if (pipe(fds) != 0 || sv_signals_install() != 0) {
        perror("setup");
        return 1;
    }

    started = sv_monotonic_ms();
    r = sv_wait_fd(-1, 0, 50);
    tap_ok(r == 0 && sv_monotonic_ms() - started >= 50,
           "a plain wait lasts its timeout");

    if (write(fds[1], "x", 1) != 1) {
        perror("write");
    }
    tap_is_int(sv_wait_fd(fds[0], POLLIN, 5000), 1, "a readable fd ends the "
               "wait with 1");

    /* Blocked until the wait: the signal must not be lost meanwhile. */
    raise(SIGHUP);
    tap_ok(!sv_take_reload_request(), "outside the wait a signal stays "
           "pending");
    started = sv_monotonic_ms();
    r = sv_wait_fd(-1, 0, 5000);
    tap_ok(r == 0 && sv_monotonic_ms() - started < 1000,
           "a pending SIGHUP ends the wait at once");
    tap_ok(sv_take_reload_request(), "and is reported as a reload request");
    tap_ok(!sv_take_reload_request(), "once");

    raise(SIGUSR1);
    sv_wait_fd(-1, 0, 5000);
    tap_ok(sv_take_reopen_request() && sv_stop_signal() == 0,
           "SIGUSR1 asks for a log reopen, not a stop");

    raise(SIGPIPE);
    tap_ok(1, "the process survives SIGPIPE (ignored)");

    tap_ok(sv_sleep_until(sv_monotonic_ms() + 20), "sleep_until returns "
           "true when the time has come");

    raise(SIGTERM);
    started = sv_monotonic_ms();
    tap_ok(!sv_sleep_until(sv_monotonic_ms() + 5000)
           && sv_monotonic_ms() - started < 1000,
           "SIGTERM ends sleep_until early with false");
    tap_is_int(sv_stop_signal(), SIGTERM, "and is the stop signal");

    return tap_done();
}
