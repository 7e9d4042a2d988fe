/*
 * The first admin account (--create-admin).
 */

#ifndef SV_ADMIN_H
#define SV_ADMIN_H

#include <libpq-fe.h>

#define SV_ADMIN_USERNAME        "admin"
#define SV_ADMIN_PASSWORD_LENGTH 20

enum sv_admin_result {
    SV_ADMIN_CREATED,
    SV_ADMIN_EXISTS,
    SV_ADMIN_FAILED         /* logged */
};

/*
 * Unless some user already has role 'admin', creates user "admin" with a
 * random password, hashed with yescrypt, and writes "admin <password>\n" to
 * password_file (mode 0600). The file is in place before the user is
 * committed, so a created admin's password is never lost; the password
 * itself is never logged.
 */
enum sv_admin_result sv_admin_create(PGconn *conn, const char *password_file);

#endif /* SV_ADMIN_H */
