/*
 * The migration runner (see migrate.h; file naming rules in migrate_plan.h).
 */

#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "migrate_plan.h"
#include "pg.h"
#include "read_file.h"
#include "sha256.h"

/* pg_advisory_lock key shared by every worker: "SVMIGRAT" in ASCII. */
#define MIGRATION_LOCK_KEY  "6005072130269659476"

/* Beyond this many directory entries something is wrong with sql_dir. */
#define DIR_ENTRIES_MAX     10000

#define ERR_MAX             4096

struct listing {
    char    **names;
    size_t    count;
};

static void
listing_free(struct listing *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->names[i]);
    }
    free(l->names);
}

static int
list_dir(const char *dir, struct listing *l, char *err, size_t errlen)
{
    DIR            *d = opendir(dir);
    struct dirent  *e;
    int             rc = 0;

    *l = (struct listing) { NULL, 0 };

    if (d == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }

    l->names = calloc(DIR_ENTRIES_MAX, sizeof(l->names[0]));
    if (l->names == NULL) {
        snprintf(err, errlen, "out of memory");
        closedir(d);
        return -1;
    }

    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (l->count == DIR_ENTRIES_MAX) {
            snprintf(err, errlen, "%s has more than %d entries", dir,
                     DIR_ENTRIES_MAX);
            rc = -1;
        } else if ((l->names[l->count] = strdup(e->d_name)) == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            l->count++;
        }
    }

    if (rc == 0 && errno != 0) {
        snprintf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
        rc = -1;
    }

    closedir(d);
    if (rc != 0) {
        listing_free(l);
    }
    return rc;
}

/* Runs one statement that returns nothing of interest. */
static bool
run(PGconn *conn, const char *sql, int nparams, const char *const *params,
    char *err, size_t errlen)
{
    PGresult  *res = sv_pg_query(conn, sql, nparams, params, err, errlen);
    bool       ok = res != NULL;

    PQclear(res);
    return ok;
}

/* Runs the file's statements, records it, commits; rolls back on error. */
static bool
apply_in_transaction(PGconn *conn, const struct sv_migration_file *m,
                     const char *sql, const char *checksum, char *err,
                     size_t errlen)
{
    char              version[16];
    const char *const params[] = { version, m->name, checksum };
    PGresult         *res;
    bool              ok;

    snprintf(version, sizeof(version), "%u", m->version);

    if (!run(conn, "BEGIN", 0, NULL, err, errlen)) {
        return false;
    }

    /* PQexec, not PQexecParams: a file holds many statements. */
    res = PQexec(conn, sql);
    ok = sv_pg_result_ok(conn, res, err, errlen);
    PQclear(res);

    ok = ok && run(conn, "INSERT INTO schema_migrations (version, name, "
                   "checksum) VALUES ($1, $2, $3)", 3, params, err, errlen)
         && run(conn, "COMMIT", 0, NULL, err, errlen);

    if (!ok) {
        char ignored[256];

        run(conn, "ROLLBACK", 0, NULL, ignored, sizeof(ignored));
    }
    return ok;
}

/*
 * Compares with what schema_migrations recorded for this version.
 * 1: applied before and unchanged; 0: not applied yet; -1: refused (logged).
 */
static int
check_recorded(PGconn *conn, const struct sv_migration_file *m,
               const char *checksum)
{
    char               version[16], err[ERR_MAX], msg[1024];
    const char *const  params[] = { version };
    PGresult          *res;
    int                verdict = 0;

    snprintf(version, sizeof(version), "%u", m->version);

    res = sv_pg_query(conn, "SELECT name, checksum FROM schema_migrations "
                      "WHERE version = $1", 1, params, err, sizeof(err));
    if (res == NULL) {
        sv_log(SV_LOG_ERROR, "cannot read schema_migrations",
               SV_STR("error", err));
        return -1;
    }

    if (PQntuples(res) == 1) {
        const char *name = PQgetvalue(res, 0, 0);
        const char *recorded = PQgetvalue(res, 0, 1);

        verdict = -1;
        if (strcmp(name, m->name) != 0) {
            snprintf(msg, sizeof(msg), "migration version %u was applied as "
                     "%s but the file is now %s; an applied migration must "
                     "not be renamed", m->version, name, m->name);
            sv_log(SV_LOG_ERROR, msg, SV_STR("migration", m->name));
        } else if (strcmp(recorded, checksum) != 0) {
            snprintf(msg, sizeof(msg), "migration %s was edited after it was "
                     "applied (checksum mismatch: recorded %s, file %s); add "
                     "a new migration instead of editing an applied one",
                     m->name, recorded, checksum);
            sv_log(SV_LOG_ERROR, msg, SV_STR("migration", m->name));
        } else {
            verdict = 1;
        }
    }

    PQclear(res);
    return verdict;
}

/* 1: applied now; 0: applied before; -1: failed (logged). */
static int
apply_if_new(PGconn *conn, const struct sv_migration_file *m,
             const char *sql, size_t len)
{
    char     err[ERR_MAX], checksum[SV_SHA256_HEX_SIZE];
    int64_t  started;

    if (strlen(sql) != len) {
        sv_log(SV_LOG_ERROR, "migration file contains a NUL byte; it must be "
               "plain SQL text", SV_STR("migration", m->name));
        return -1;
    }

    if (sv_sha256_hex(sql, len, checksum) != 0) {
        sv_log(SV_LOG_ERROR, "cannot compute a migration checksum",
               SV_STR("migration", m->name));
        return -1;
    }

    switch (check_recorded(conn, m, checksum)) {
    case 1:
        return 0;
    case -1:
        return -1;
    }

    started = sv_monotonic_ms();
    if (!apply_in_transaction(conn, m, sql, checksum, err, sizeof(err))) {
        sv_log(SV_LOG_ERROR, "migration failed and was rolled back; fix the "
               "file and run again", SV_STR("migration", m->name),
               SV_STR("error", err));
        return -1;
    }

    sv_log(SV_LOG_INFO, "applied migration", SV_STR("migration", m->name),
           SV_INT("duration_ms", sv_monotonic_ms() - started));
    return 1;
}

/* As apply_if_new, for the file of m in dir. */
static int
migrate_one(PGconn *conn, const char *dir, const struct sv_migration_file *m)
{
    char     path[PATH_MAX], err[ERR_MAX];
    char    *sql;
    size_t   len;
    int      verdict;

    if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, m->name)
        >= sizeof(path)) {
        sv_log(SV_LOG_ERROR, "migration path is too long",
               SV_STR("migration", m->name));
        return -1;
    }

    sql = sv_read_file(path, SV_MIGRATION_FILE_MAX, &len, err, sizeof(err));
    if (sql == NULL) {
        sv_log(SV_LOG_ERROR, "cannot read a migration file",
               SV_STR("migration", m->name), SV_STR("error", err));
        return -1;
    }

    verdict = apply_if_new(conn, m, sql, len);
    free(sql);
    return verdict;
}

/* Every file in order, stopping at the first failure. */
static int
migrate_locked(PGconn *conn, const char *dir,
               const struct sv_migration_file *files, size_t count)
{
    char      err[ERR_MAX];
    unsigned  applied = 0;

    if (!run(conn, "CREATE TABLE IF NOT EXISTS schema_migrations ("
             "version integer PRIMARY KEY, name text NOT NULL, "
             "checksum text NOT NULL, "
             "applied_at timestamptz NOT NULL DEFAULT now())",
             0, NULL, err, sizeof(err))) {
        sv_log(SV_LOG_ERROR, "cannot create schema_migrations",
               SV_STR("error", err));
        return -1;
    }

    for (size_t i = 0; i < count; i++) {
        int r = migrate_one(conn, dir, &files[i]);

        if (r < 0) {
            return -1;
        }
        applied += (unsigned) r;
    }

    sv_log(SV_LOG_INFO, "migrations up to date", SV_INT("applied", applied),
           SV_INT("files", (long long) count));
    return 0;
}

int
sv_migrate(PGconn *conn, const char *sql_dir)
{
    struct listing             listing;
    struct sv_migration_file  *files;
    size_t                     count = 0;
    char                       err[ERR_MAX];
    int                        rc = -1;

    if (list_dir(sql_dir, &listing, err, sizeof(err)) != 0) {
        sv_log(SV_LOG_ERROR, "cannot list the migrations; check sql_dir in "
               "the config", SV_STR("error", err));
        return -1;
    }

    files = calloc(listing.count + 1, sizeof(files[0]));
    if (files == NULL) {
        sv_log(SV_LOG_ERROR, "cannot list the migrations: out of memory");
    } else if (sv_migration_plan((const char *const *) listing.names,
                                 listing.count, files, &count, err,
                                 sizeof(err)) != 0) {
        sv_log(SV_LOG_ERROR, "cannot apply the migrations",
               SV_STR("error", err), SV_STR("sql_dir", sql_dir));
    } else if (!run(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")",
                    0, NULL, err, sizeof(err))) {
        sv_log(SV_LOG_ERROR, "cannot take the migration lock",
               SV_STR("error", err));
    } else {
        rc = migrate_locked(conn, sql_dir, files, count);

        /* Ending the session would release it too; a failure is harmless. */
        if (!run(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")",
                 0, NULL, err, sizeof(err))) {
            sv_log(SV_LOG_WARN, "cannot release the migration lock",
                   SV_STR("error", err));
        }
    }

    free(files);
    listing_free(&listing);
    return rc;
}
