/*
 * PostgreSQL helpers that need no server (worker/pg.c).
 */

#include <string.h>

#include "clock.h"
#include "pg.h"
#include "tap.h"

int
main(void)
{
    char      out[64];
    char      err[512];
    PGconn   *conn;
    int64_t   started;

    sv_pg_message("ERROR:  boom\n", out, sizeof(out));
    tap_is_str(out, "ERROR:  boom", "libpq's trailing newline is removed");
    sv_pg_message(NULL, out, sizeof(out));
    tap_is_str(out, "", "no message is empty");

    started = sv_monotonic_ms();
    conn = sv_pg_connect("host=/nonexistent/dir dbname=x", err, sizeof(err));
    tap_ok(conn == NULL, "connecting to a missing socket fails");
    tap_ok(strstr(err, "No such file or directory") != NULL,
           "with libpq's reason");
    tap_ok(sv_monotonic_ms() - started < 2000, "and fails fast");

    return tap_done();
}
