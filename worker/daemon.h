/*
 * The worker's normal run: a foreground loop that keeps PostgreSQL and Redis
 * connected (reconnecting with backoff, never giving up), applies the
 * migrations once PostgreSQL is reachable, then writes a heartbeat to Redis
 * every heartbeat_interval seconds, until SIGTERM or SIGINT.
 */

#ifndef SV_DAEMON_H
#define SV_DAEMON_H

#include "config.h"

/* cfg is updated by SIGHUP reloads. Returns the exit status: 0 after a
 * stop signal, 1 if the migrations failed. */
int sv_daemon_run(struct sv_config *cfg, const char *config_path);

#endif /* SV_DAEMON_H */
