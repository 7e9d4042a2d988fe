/*
 * PostgreSQL connecting and health checks (see pg.h).
 */

#include "pg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "retry_log.h"
#include "signals.h"

void
sv_pg_message(const char *libpq_message, char *out, size_t cap)
{
    size_t len;

    snprintf(out, cap, "%s", libpq_message != NULL ? libpq_message : "");
    len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' ')) {
        out[--len] = '\0';
    }
}

static void
log_notice(void *arg, const PGresult *res)
{
    char text[1024];

    (void) arg;
    sv_pg_message(PQresultErrorMessage(res), text, sizeof(text));
    sv_log(SV_LOG_DEBUG, "PostgreSQL notice", SV_STR("notice", text));
}

/* Drives PQconnectPoll until done, waiting on the socket signal-aware. */
static bool
finish_handshake(PGconn *conn, char *err, size_t errlen)
{
    PostgresPollingStatusType  status = PGRES_POLLING_WRITING;
    int64_t                    deadline;

    deadline = sv_monotonic_ms() + SV_PG_CONNECT_TIMEOUT_MS;

    while (status != PGRES_POLLING_OK) {
        int64_t  left = deadline - sv_monotonic_ms();
        int      ready;

        if (status == PGRES_POLLING_FAILED) {
            sv_pg_message(PQerrorMessage(conn), err, errlen);
            return false;
        }
        if (sv_stop_signal() != 0) {
            snprintf(err, errlen, "interrupted by a stop signal");
            return false;
        }
        if (left <= 0) {
            snprintf(err, errlen, "timed out after %d ms",
                     SV_PG_CONNECT_TIMEOUT_MS);
            return false;
        }

        ready = sv_wait_fd(PQsocket(conn), status == PGRES_POLLING_READING
                                           ? POLLIN : POLLOUT, left);
        if (ready < 0) {
            snprintf(err, errlen, "poll failed: %s", strerror(errno));
            return false;
        }
        if (ready > 0) {
            status = PQconnectPoll(conn);
        }
    }

    return true;
}

PGconn *
sv_pg_connect(const char *conninfo, char *err, size_t errlen)
{
    /* application_name after the expanded conninfo, so ours wins. */
    static const char *const keywords[] = {
        "dbname", "application_name", NULL
    };
    const char *values[] = { conninfo, "streamvault-worker", NULL };
    PGconn     *conn;

    conn = PQconnectStartParams(keywords, values, 1);
    if (conn == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    if (PQstatus(conn) == CONNECTION_BAD) {
        sv_pg_message(PQerrorMessage(conn), err, errlen);
        PQfinish(conn);
        return NULL;
    }

    if (!finish_handshake(conn, err, errlen)) {
        PQfinish(conn);
        return NULL;
    }

    PQsetNoticeReceiver(conn, log_notice, NULL);
    return conn;
}

PGconn *
sv_pg_connect_paced(const char *conninfo, struct sv_retry *r)
{
    char     err[1024];
    PGconn  *conn = sv_pg_connect(conninfo, err, sizeof(err));

    if (conn == NULL) {
        sv_retry_failed_logged(r, "cannot connect to PostgreSQL, retrying; "
                               "check that it runs and that 'database' in "
                               "the config is right", err);
        return NULL;
    }

    sv_retry_reset(r);
    sv_log(SV_LOG_INFO, "connected to PostgreSQL",
           SV_INT("server_version", PQserverVersion(conn)));
    return conn;
}

PGconn *
sv_pg_connect_within(const char *conninfo, int64_t wait_ms)
{
    struct sv_retry  r;
    int64_t          started = sv_monotonic_ms();
    int64_t          give_up_at = started + wait_ms;

    sv_retry_reset(&r);

    for (;;) {
        PGconn *conn = sv_pg_connect_paced(conninfo, &r);

        if (conn != NULL) {
            return conn;
        }
        if (sv_monotonic_ms() >= give_up_at) {
            sv_log(SV_LOG_ERROR, "cannot connect to PostgreSQL, giving up",
                   SV_INT("waited_ms", sv_monotonic_ms() - started));
            return NULL;
        }
        /* The last try falls on the deadline rather than past it. */
        if (!sv_sleep_until(r.next_at_ms < give_up_at ? r.next_at_ms
                                                      : give_up_at)) {
            sv_log(SV_LOG_ERROR, "stopped by a signal while waiting for "
                   "PostgreSQL");
            return NULL;
        }
    }
}

bool
sv_pg_result_ok(PGconn *conn, const PGresult *res, char *err, size_t errlen)
{
    ExecStatusType status = PQresultStatus(res);

    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        return true;
    }

    sv_pg_message(res != NULL ? PQresultErrorMessage(res)
                              : PQerrorMessage(conn), err, errlen);
    if (err[0] == '\0') {
        /* e.g. a COPY in a migration: a state, not an error message. */
        snprintf(err, errlen, "unexpected result %s", PQresStatus(status));
    }
    return false;
}

PGresult *
sv_pg_query(PGconn *conn, const char *sql, int nparams,
            const char *const *params, char *err, size_t errlen)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL,
                                 0);

    if (!sv_pg_result_ok(conn, res, err, errlen)) {
        PQclear(res);
        return NULL;
    }
    return res;
}

bool
sv_pg_alive(PGconn *conn, char *err, size_t errlen)
{
    PGresult  *res;
    bool       ok;

    if (PQstatus(conn) != CONNECTION_OK) {
        sv_pg_message(PQerrorMessage(conn), err, errlen);
        return false;
    }

    res = sv_pg_query(conn, "SELECT 1", 0, NULL, err, errlen);
    ok = res != NULL;
    PQclear(res);
    return ok;
}
