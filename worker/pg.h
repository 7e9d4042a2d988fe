/*
 * PostgreSQL connections for the worker (libpq, blocking queries).
 */

#ifndef SV_PG_H
#define SV_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backoff.h"

/* One connection attempt gives up after this long. */
#define SV_PG_CONNECT_TIMEOUT_MS  10000

/*
 * One connection attempt with application_name=streamvault-worker. The
 * handshake waits in sv_wait_fd, so a stop signal cuts it short. Server
 * notices go to the log at debug level instead of stderr.
 * NULL with the reason in err on failure.
 */
PGconn *sv_pg_connect(const char *conninfo, char *err, size_t errlen);

/*
 * An attempt paced by r: on failure logs "cannot connect to PostgreSQL,
 * retrying" with the delay r now imposes; on success logs "connected to
 * PostgreSQL" and resets r.
 */
PGconn *sv_pg_connect_paced(const char *conninfo, struct sv_retry *r);

/*
 * Keeps trying (paced) until connected; after a stop signal or once wait_ms
 * have passed, logs why it gave up and returns NULL.
 */
PGconn *sv_pg_connect_within(const char *conninfo, int64_t wait_ms);

/* Whether res (from PQexec or PQexecParams on conn) succeeded; if not,
 * PostgreSQL's message (or the connection's) goes to err. */
bool sv_pg_result_ok(PGconn *conn, const PGresult *res, char *err,
                     size_t errlen);

/* Runs one statement with text parameters. The result if it succeeded (the
 * caller PQclear()s it), else NULL with the reason in err. */
PGresult *sv_pg_query(PGconn *conn, const char *sql, int nparams,
                      const char *const *params, char *err, size_t errlen);

/* Runs SELECT 1; false with the reason in err if the connection is gone. */
bool sv_pg_alive(PGconn *conn, char *err, size_t errlen);

/* Copies a libpq message without its trailing newline. */
void sv_pg_message(const char *libpq_message, char *out, size_t cap);

#endif /* SV_PG_H */
