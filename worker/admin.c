/*
 * First admin creation (see admin.h).
 */

#include "admin.h"

#include <crypt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "password.h"
#include "pg.h"
#include "random.h"
#include "secret_file.h"

#define ERR_MAX  1024

/* Runs sql; on failure logs `what` as an error with PostgreSQL's reason. */
static PGresult *
run(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params)
{
    char       err[ERR_MAX];
    PGresult  *res = sv_pg_query(conn, sql, nparams, params, err, sizeof(err));

    if (res == NULL) {
        sv_log(SV_LOG_ERROR, what, SV_STR("error", err));
    }
    return res;
}

/* As run, for statements whose result does not matter. */
static bool
command(PGconn *conn, const char *what, const char *sql)
{
    PGresult  *res = run(conn, what, sql, 0, NULL);
    bool       ok = res != NULL;

    PQclear(res);
    return ok;
}

static bool
admin_exists(PGconn *conn, bool *exists)
{
    PGresult *res = run(conn, "cannot look for an admin user",
                        "SELECT 1 FROM users WHERE role = 'admin' LIMIT 1",
                        0, NULL);

    if (res == NULL) {
        return false;
    }

    *exists = PQntuples(res) > 0;
    PQclear(res);
    return true;
}

/* yescrypt with libxcrypt's default cost; hash: CRYPT_OUTPUT_SIZE bytes. */
static bool
hash_password(const char *password, char *hash)
{
    char                setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data  *scratch;
    const char         *result;
    bool                ok;

    if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting))
        == NULL) {
        sv_log(SV_LOG_ERROR, "cannot make a password salt");
        return false;
    }

    /* About 32 KiB: too much for the stack of a small thread. */
    scratch = calloc(1, sizeof(*scratch));
    if (scratch == NULL) {
        sv_log(SV_LOG_ERROR, "cannot hash the password: out of memory");
        return false;
    }

    result = crypt_r(password, setting, scratch);
    /* Failures return NULL or a string starting with '*'. */
    ok = result != NULL && result[0] != '*';
    if (ok) {
        snprintf(hash, CRYPT_OUTPUT_SIZE, "%s", result);
    } else {
        sv_log(SV_LOG_ERROR, "cannot hash the password with yescrypt");
    }

    explicit_bzero(scratch, sizeof(*scratch));
    free(scratch);
    return ok;
}

/* Inserts the user, writes the file, commits; false if anything failed. */
static bool
insert_and_save(PGconn *conn, const char *hash, const char *password,
                const char *password_file, bool *raced)
{
    const char *const  params[] = { hash };
    char               line[sizeof(SV_ADMIN_USERNAME) + 1
                            + SV_ADMIN_PASSWORD_LENGTH + 2];
    char               err[ERR_MAX];
    PGresult          *res;
    bool               inserted;

    if (!command(conn, "cannot start a transaction", "BEGIN")) {
        return false;
    }

    /* Another --create-admin may have won since admin_exists(). */
    res = run(conn, "cannot create the admin user",
              "INSERT INTO users (username, password_hash, role) "
              "SELECT '" SV_ADMIN_USERNAME "', $1, 'admin' "
              "WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin')",
              1, params);
    inserted = res != NULL && strcmp(PQcmdTuples(res), "1") == 0;
    *raced = res != NULL && !inserted;
    PQclear(res);

    if (inserted) {
        snprintf(line, sizeof(line), SV_ADMIN_USERNAME " %s\n", password);
        if (sv_secret_file_write(password_file, line, strlen(line), err,
                                 sizeof(err)) != 0) {
            sv_log(SV_LOG_ERROR, "cannot write the admin password file; the "
                   "admin user was not created", SV_STR("error", err));
            inserted = false;
        }
        explicit_bzero(line, sizeof(line));
    }

    if (!inserted) {
        command(conn, "cannot roll back", "ROLLBACK");
        return false;
    }

    if (!command(conn, "cannot commit the admin user; it was not created",
                 "COMMIT")) {
        unlink(password_file);
        return false;
    }
    return true;
}

enum sv_admin_result
sv_admin_create(PGconn *conn, const char *password_file)
{
    char   password[SV_ADMIN_PASSWORD_LENGTH + 1];
    char   hash[CRYPT_OUTPUT_SIZE];
    bool   exists = false, raced = false, created;

    if (!admin_exists(conn, &exists)) {
        return SV_ADMIN_FAILED;
    }
    if (exists) {
        return SV_ADMIN_EXISTS;
    }

    if (sv_password_generate(password, SV_ADMIN_PASSWORD_LENGTH,
                             sv_random_bytes) != 0) {
        sv_log(SV_LOG_ERROR, "cannot generate a password: no randomness "
               "from the kernel");
        return SV_ADMIN_FAILED;
    }

    created = hash_password(password, hash)
              && insert_and_save(conn, hash, password, password_file, &raced);
    explicit_bzero(password, sizeof(password));

    if (created) {
        sv_log(SV_LOG_INFO, "created the admin user",
               SV_STR("username", SV_ADMIN_USERNAME),
               SV_STR("password_file", password_file));
        return SV_ADMIN_CREATED;
    }
    return raced ? SV_ADMIN_EXISTS : SV_ADMIN_FAILED;
}
