/*
 * Signal flags and the signal-aware wait (see signals.h).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* ppoll */
#endif

#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t reload_requested;
static volatile sig_atomic_t reopen_requested;

/* The signal mask while waiting: the original one, our signals unblocked. */
static sigset_t wait_mask;

/* Readable while one of our signals is pending (never read: ppoll delivers
 * the signal to its handler, which clears it). */
static int signal_fd = -1;

static sv_wait_driver  driver;
static void           *driver_ctx;
static bool            driving;

static const int handled_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
#define HANDLED_COUNT  (sizeof(handled_signals) / sizeof(handled_signals[0]))

static void
on_signal(int signo)
{
    switch (signo) {
    case SIGHUP:
        reload_requested = 1;
        break;
    case SIGUSR1:
        reopen_requested = 1;
        break;
    default:
        stop_signal = signo;
        break;
    }
}

int
sv_signals_install(void)
{
    struct sigaction  sa = { .sa_handler = on_signal };
    struct sigaction  ignore = { .sa_handler = SIG_IGN };
    sigset_t          handled;

    sigemptyset(&handled);
    for (size_t i = 0; i < HANDLED_COUNT; i++) {
        sigaddset(&handled, handled_signals[i]);
    }

    if (sigprocmask(SIG_BLOCK, &handled, &wait_mask) != 0) {
        return -1;
    }
    for (size_t i = 0; i < HANDLED_COUNT; i++) {
        sigdelset(&wait_mask, handled_signals[i]);
    }

    /* Handlers do not nest: each runs with all our signals blocked. */
    sa.sa_mask = handled;
    for (size_t i = 0; i < HANDLED_COUNT; i++) {
        if (sigaction(handled_signals[i], &sa, NULL) != 0) {
            return -1;
        }
    }

    if (signal_fd < 0) {
        signal_fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
        if (signal_fd < 0) {
            return -1;
        }
    }

    return sigaction(SIGPIPE, &ignore, NULL);
}

int
sv_signal_fd(void)
{
    return signal_fd;
}

void
sv_wait_set_driver(sv_wait_driver fn, void *ctx)
{
    driver = fn;
    driver_ctx = ctx;
}

int
sv_stop_signal(void)
{
    return stop_signal;
}

/* Safe without a race: outside ppoll the handlers cannot run. */
static bool
take(volatile sig_atomic_t *flag)
{
    bool was_set = *flag != 0;

    *flag = 0;
    return was_set;
}

bool
sv_take_reload_request(void)
{
    return take(&reload_requested);
}

bool
sv_take_reopen_request(void)
{
    return take(&reopen_requested);
}

int
sv_wait_fd(int fd, short events, int64_t timeout_ms)
{
    struct pollfd    pfd = { .fd = fd, .events = events };
    struct timespec  timeout;
    int              n;

    if (timeout_ms < 0) {
        timeout_ms = 0;
    }
    if (driver != NULL && !driving) {
        int driven;

        driving = true;
        driven = driver(driver_ctx, fd, events, timeout_ms);
        driving = false;
        /* What the driver's wait saw pending reaches the handlers now. */
        timeout.tv_sec = 0;
        timeout.tv_nsec = 0;
        ppoll(NULL, 0, &timeout, &wait_mask);
        return driven;
    }
    timeout.tv_sec = timeout_ms / 1000;
    timeout.tv_nsec = (timeout_ms % 1000) * 1000000;

    n = ppoll(fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0, &timeout, &wait_mask);
    if (n < 0) {
        return errno == EINTR ? 0 : -1;
    }

    return n > 0;
}

bool
sv_sleep_until(int64_t deadline_ms)
{
    for (;;) {
        int64_t now = sv_monotonic_ms();

        if (sv_stop_signal() != 0) {
            return false;
        }
        if (now >= deadline_ms) {
            return true;
        }
        if (sv_wait_fd(-1, 0, deadline_ms - now) < 0) {
            /* ppoll without descriptors cannot fail in practice; do not
             * spin if it somehow does. */
            return sv_stop_signal() == 0;
        }
    }
}
