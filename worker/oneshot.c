/*
 * One-shot commands (see oneshot.h).
 */

#include "oneshot.h"

#include <stdio.h>

#include "admin.h"
#include "log.h"
#include "migrate.h"
#include "pg.h"

/* Connected and migrated, or NULL (logged). */
static PGconn *
migrated_connection(const struct sv_config *cfg)
{
    PGconn *conn = sv_pg_connect_within(cfg->database, SV_ONESHOT_PG_WAIT_MS);

    if (conn == NULL) {
        return NULL;
    }

    if (sv_migrate(conn, cfg->sql_dir) != 0) {
        PQfinish(conn);
        return NULL;
    }

    return conn;
}

int
sv_run_migrate_only(const struct sv_config *cfg)
{
    PGconn *conn = migrated_connection(cfg);

    if (conn == NULL) {
        return 1;
    }

    PQfinish(conn);
    return 0;
}

int
sv_run_create_admin(const struct sv_config *cfg, const char *password_file)
{
    PGconn                *conn = migrated_connection(cfg);
    enum sv_admin_result   result;

    if (conn == NULL) {
        return 1;
    }

    result = sv_admin_create(conn, password_file);
    PQfinish(conn);

    switch (result) {
    case SV_ADMIN_CREATED:
        printf("created admin user '" SV_ADMIN_USERNAME "'; password written "
               "to %s\n", password_file);
        return 0;
    case SV_ADMIN_EXISTS:
        printf("an admin user already exists; nothing to do\n");
        return 0;
    case SV_ADMIN_FAILED:
        break;
    }

    return 1;
}
