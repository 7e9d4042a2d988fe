/*
 * Signals: handlers only record what arrived; the main loop acts on it.
 *
 * The handled signals stay blocked except while the process waits in
 * sv_wait_fd() (ppoll with the signals unblocked), so a signal can neither
 * slip in between "check the flags" and "go to sleep", nor interrupt a
 * blocking libpq or hiredis call half-way.
 *
 *   TERM, INT  stop gracefully
 *   HUP        reload the configuration
 *   USR1       reopen the log file
 *   PIPE       ignored (a peer closing a socket is an I/O error, not death)
 */

#ifndef SV_SIGNALS_H
#define SV_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

/* Blocks and installs the handlers; -1 with errno on failure. */
int sv_signals_install(void);

/* The stop signal received (SIGTERM or SIGINT), 0 if none. */
int sv_stop_signal(void);

/* Whether SIGHUP / SIGUSR1 arrived since the last call (test and clear). */
bool sv_take_reload_request(void);
bool sv_take_reopen_request(void);

/*
 * Waits up to timeout_ms for poll events on fd (fd < 0: just sleeps), and
 * returns early when a signal arrives. 1: fd ready; 0: timeout or signal;
 * -1: poll failed (errno). With a driver set, the driver does the waiting.
 */
int sv_wait_fd(int fd, short events, int64_t timeout_ms);

/* A descriptor readable while one of the handled signals is pending, for
 * waits outside sv_wait_fd (libcurl's); after such a wait sv_wait_fd(-1, 0,
 * 0) lets the signal reach its handler. -1 before sv_signals_install. */
int sv_signal_fd(void);

/*
 * Who waits in sv_wait_fd instead of ppoll: the worker's recorder, so that
 * every wait of the process (idle, or for an isolated job's child) keeps
 * the recordings moving. The driver waits up to timeout_ms for fd (fd < 0:
 * none) or sv_signal_fd() and returns as sv_wait_fd does; it is not called
 * again from inside itself. NULL: ppoll. A forked child clears it.
 */
typedef int (*sv_wait_driver)(void *ctx, int fd, short events,
                              int64_t timeout_ms);

void sv_wait_set_driver(sv_wait_driver fn, void *ctx);

/* Sleeps until the monotonic deadline; false if a stop signal came first. */
bool sv_sleep_until(int64_t deadline_ms);

#endif /* SV_SIGNALS_H */
