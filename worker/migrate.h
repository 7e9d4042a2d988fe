/*
 * The migration runner: applies the numbered SQL files of sql_dir that the
 * database has not seen yet, in order, each in its own transaction, under an
 * advisory lock so that concurrent workers never race. Applied files are
 * recorded in schema_migrations with their SHA-256; an applied file that
 * was edited since is refused (add a new migration instead).
 *
 * A migration file must not contain BEGIN/COMMIT: the runner wraps it in
 * its own transaction together with its schema_migrations row, so a file
 * is applied completely or not at all.
 */

#ifndef SV_MIGRATE_H
#define SV_MIGRATE_H

#include <libpq-fe.h>

/* A migration file is read whole, up to this size. */
#define SV_MIGRATION_FILE_MAX  (4 * 1024 * 1024)

/* Logs every step and any failure; 0 when all are applied, else -1. */
int sv_migrate(PGconn *conn, const char *sql_dir);

#endif /* SV_MIGRATE_H */
