/*
 * SIGHUP and SIGUSR1 for a running worker.
 */

#ifndef SV_RELOAD_H
#define SV_RELOAD_H

#include <stdbool.h>

#include "config.h"

/*
 * Reads the config file (and environment) again. If it is valid, applies
 * log_level, log_file and heartbeat_interval to *running and logs
 * "configuration reloaded" (naming changed settings that need a restart);
 * if not, logs each problem and keeps *running. True if applied.
 */
bool sv_reload_config(const char *path, struct sv_config *running);

/* Reopens the log file (after rotation) and logs the outcome. */
void sv_reopen_log(void);

#endif /* SV_RELOAD_H */
