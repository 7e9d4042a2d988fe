/*
 * The commands that do one job and exit: --migrate-only, --create-admin.
 * Each returns the process exit status.
 */

#ifndef SV_ONESHOT_H
#define SV_ONESHOT_H

#include "config.h"

/* How long a one-shot command waits for PostgreSQL to come up. */
#define SV_ONESHOT_PG_WAIT_MS  30000

int sv_run_migrate_only(const struct sv_config *cfg);

int sv_run_create_admin(const struct sv_config *cfg, const char *password_file);

#endif /* SV_ONESHOT_H */
