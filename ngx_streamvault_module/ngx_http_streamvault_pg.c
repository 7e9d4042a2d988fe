
/*
 * StreamVault nginx module: the non-blocking PostgreSQL client, one pool
 * per worker process (the pool itself is ngx_http_streamvault_pool.c).
 *
 * libpq owns the socket; nginx watches it: PQconnectStartParams(),
 * PQconnectPoll() driven by the socket's events (the socket is looked up
 * again after every poll, as libpq may replace it), PQsendPrepare() the
 * first time a connection runs a statement, PQsendQueryPrepared(), the
 * PQflush() loop, PQconsumeInput()/PQisBusy()/PQgetResult().  Events are
 * edge-triggered with epoll while libpq reads only part of what is there,
 * so a read is repeated as long as the socket has data.
 *
 * Directives (http, server; defaults in parentheses):
 *
 *   streamvault_postgres_pool_size N         connections per worker (8)
 *   streamvault_postgres_queue N             ops waiting for one (256)
 *   streamvault_postgres_queue_timeout T     how long they wait (3s)
 *   streamvault_postgres_connect_timeout T   connect + authentication (3s)
 *   streamvault_postgres_timeout T           statement_timeout of the
 *                                            sessions (10s); the client
 *                                            gives up a second later
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include "ngx_http_streamvault.h"
#include "ngx_http_streamvault_pool.h"


/* the client-side timeout is statement_timeout plus this */
#define NGX_HTTP_STREAMVAULT_PG_TIMEOUT_MARGIN   1000

/* PQconnectPoll() calls in a row before waiting for an event anyway */
#define NGX_HTTP_STREAMVAULT_PG_POLLS            32

#define NGX_HTTP_STREAMVAULT_PG_APP_NAME         "streamvault-nginx"


typedef struct {
    ngx_http_streamvault_pool_conn_t     conn;      /* the core's, first */
    PGconn                              *pgconn;
    PGresult                            *res;       /* the first result */

    /* the socket registered with nginx, to notice libpq replacing it */
    dev_t                                dev;
    ino_t                                ino;

    u_char                              *prepared;  /* per statement */

    /* the server's last word before it closes the connection */
    u_char                               fatal[128];

    unsigned                             prepare:1;
    unsigned                             flushing:1;
    unsigned                             setup:1;      /* LISTEN sent */
    unsigned                             listening:1;
} ngx_http_streamvault_pg_conn_t;


struct ngx_http_streamvault_pg_op_s {
    ngx_http_streamvault_pool_op_t       op;        /* the core's, first */
    ngx_http_streamvault_pg_handler_pt   handler;
    ngx_uint_t                           stmt;
    u_char                              *param;     /* NUL-terminated */
};


typedef struct {
    ngx_uint_t                           nstatements;
    char                               **sql;
    const char                          *keywords[4];
    const char                          *values[4];
} ngx_http_streamvault_pg_t;


static void ngx_http_streamvault_pg_connect(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_pg_connect_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pg_connect_poll(
    ngx_http_streamvault_pg_conn_t *pgc);
static ngx_int_t ngx_http_streamvault_pg_socket(
    ngx_http_streamvault_pg_conn_t *pgc);
static ngx_int_t ngx_http_streamvault_pg_wait(
    ngx_http_streamvault_pg_conn_t *pgc, ngx_uint_t write);
static ngx_int_t ngx_http_streamvault_pg_peek(
    ngx_http_streamvault_pg_conn_t *pgc);
static void ngx_http_streamvault_pg_send_op(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_pg_query(
    ngx_http_streamvault_pg_conn_t *pgc);
static void ngx_http_streamvault_pg_listen(ngx_http_streamvault_pg_conn_t *pgc);
static ngx_int_t ngx_http_streamvault_pg_listened(
    ngx_http_streamvault_pg_conn_t *pgc, PGresult *res);
static void ngx_http_streamvault_pg_notifies(
    ngx_http_streamvault_pg_conn_t *pgc);
static void ngx_http_streamvault_pg_write_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pg_read_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pg_flush(
    ngx_http_streamvault_pg_conn_t *pgc);
static void ngx_http_streamvault_pg_read(ngx_http_streamvault_pg_conn_t *pgc);
static void ngx_http_streamvault_pg_result(
    ngx_http_streamvault_pg_conn_t *pgc);
static ngx_int_t ngx_http_streamvault_pg_idle(
    ngx_http_streamvault_pool_conn_t *pc, char **reason);
static void ngx_http_streamvault_pg_close(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_pg_finish(ngx_http_streamvault_pool_op_t *op);
static void ngx_http_streamvault_pg_free(ngx_http_streamvault_pool_op_t *op);
static void ngx_http_streamvault_pg_notice(void *arg, const PGresult *res);
static ngx_int_t ngx_http_streamvault_pg_conninfo(ngx_cycle_t *cycle,
    ngx_http_streamvault_main_conf_t *smcf, ngx_http_streamvault_pg_t *pg);


static ngx_http_streamvault_pool_backend_t  ngx_http_streamvault_pg_backend = {
    "postgres",
    ngx_http_streamvault_pg_connect,
    ngx_http_streamvault_pg_send_op,
    ngx_http_streamvault_pg_idle,
    ngx_http_streamvault_pg_close,
    ngx_http_streamvault_pg_finish,
    ngx_http_streamvault_pg_free
};


static ngx_http_streamvault_pool_t  *ngx_http_streamvault_pg_pool;

/* connections that LISTEN for changes: the API cache needs at least one */
static ngx_uint_t  ngx_http_streamvault_pg_listeners;


ngx_int_t
ngx_http_streamvault_pg_add_statement(ngx_conf_t *cf, ngx_str_t *sql)
{
    ngx_str_t                         *s;
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_streamvault_module);

    if (smcf->statements == NULL) {
        smcf->statements = ngx_array_create(cf->pool, 16, sizeof(ngx_str_t));
        if (smcf->statements == NULL) {
            return NGX_ERROR;
        }
    }

    s = ngx_array_push(smcf->statements);
    if (s == NULL) {
        return NGX_ERROR;
    }

    /* libpq wants a C string */

    s->data = ngx_pnalloc(cf->pool, sql->len + 1);
    if (s->data == NULL) {
        return NGX_ERROR;
    }

    s->len = sql->len;
    *ngx_cpymem(s->data, sql->data, sql->len) = '\0';

    return smcf->statements->nelts - 1;
}


ngx_int_t
ngx_http_streamvault_pg_init_process(ngx_cycle_t *cycle)
{
    size_t                             size;
    ngx_str_t                         *sql;
    ngx_uint_t                         i, n;
    ngx_http_streamvault_pg_t         *pg;
    ngx_http_streamvault_pool_t       *pool;
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_streamvault_module);

    n = smcf->statements ? smcf->statements->nelts : 0;

    /* the connection and a flag per statement: prepared there or not */

    size = sizeof(ngx_http_streamvault_pg_conn_t) + n;

    pool = ngx_http_streamvault_pool_create(cycle,
                                            &ngx_http_streamvault_pg_backend,
                                            &smcf->postgres_pool, size);
    if (pool == NULL) {
        return NGX_ERROR;
    }

    pool->timeout = smcf->postgres_pool.timeout
                    + NGX_HTTP_STREAMVAULT_PG_TIMEOUT_MARGIN;

    ngx_http_streamvault_pg_pool = pool;

    if (smcf->postgres.data == NULL) {
        return NGX_OK;
    }

    pg = ngx_pcalloc(cycle->pool, sizeof(ngx_http_streamvault_pg_t));
    if (pg == NULL) {
        return NGX_ERROR;
    }

    pg->nstatements = n;

    if (n) {
        pg->sql = ngx_palloc(cycle->pool, n * sizeof(char *));
        if (pg->sql == NULL) {
            return NGX_ERROR;
        }

        sql = smcf->statements->elts;

        for (i = 0; i < n; i++) {
            pg->sql[i] = ngx_pnalloc(cycle->pool, sql[i].len + 1);
            if (pg->sql[i] == NULL) {
                return NGX_ERROR;
            }

            *ngx_cpymem(pg->sql[i], sql[i].data, sql[i].len) = '\0';
        }
    }

    if (ngx_http_streamvault_pg_conninfo(cycle, smcf, pg) != NGX_OK) {
        return NGX_ERROR;
    }

    pool->data = pg;
    pool->configured = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_pg_conninfo(ngx_cycle_t *cycle,
    ngx_http_streamvault_main_conf_t *smcf, ngx_http_streamvault_pg_t *pg)
{
    u_char            *p;
    size_t             len;
    char              *options;
    PQconninfoOption  *opts, *opt;

    /*
     * the conninfo as "dbname" with expand_dbname, then the keywords added
     * here, which win: the application name, and statement_timeout added
     * to the options the conninfo may have
     */

    opts = PQconninfoParse((char *) smcf->postgres.data, NULL);
    if (opts == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "streamvault: PQconninfoParse() failed");
        return NGX_ERROR;
    }

    options = NULL;

    for (opt = opts; opt->keyword; opt++) {
        if (opt->val && ngx_strcmp(opt->keyword, "options") == 0) {
            options = opt->val;
            break;
        }
    }

    len = (options ? ngx_strlen(options) + 1 : 0)
          + sizeof("-c TimeZone=UTC -c statement_timeout=") - 1
          + NGX_INT_T_LEN + 1;

    p = ngx_pnalloc(cycle->pool, len);
    if (p == NULL) {
        PQconninfoFree(opts);
        return NGX_ERROR;
    }

    pg->keywords[0] = "dbname";
    pg->values[0] = (char *) smcf->postgres.data;

    pg->keywords[1] = "application_name";
    pg->values[1] = NGX_HTTP_STREAMVAULT_PG_APP_NAME;

    pg->keywords[2] = "options";
    pg->values[2] = (char *) p;

    if (options) {
        p = ngx_sprintf(p, "%s ", options);
    }

    /* the API's time stamps are UTC whatever the server's zone */

    ngx_sprintf(p, "-c TimeZone=UTC -c statement_timeout=%M%Z",
                smcf->postgres_pool.timeout);

    pg->keywords[3] = NULL;
    pg->values[3] = NULL;

    PQconninfoFree(opts);

    return NGX_OK;
}


void
ngx_http_streamvault_pg_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_http_streamvault_pg_pool) {
        ngx_http_streamvault_pool_destroy(ngx_http_streamvault_pg_pool);
        ngx_http_streamvault_pg_pool = NULL;
    }
}


ngx_http_streamvault_pg_op_t *
ngx_http_streamvault_pg_send(ngx_log_t *log, ngx_uint_t stmt, u_char *param,
    size_t len, ngx_http_streamvault_pg_handler_pt handler, void *data)
{
    ngx_http_streamvault_pg_t     *pg;
    ngx_http_streamvault_pg_op_t  *op;
    ngx_http_streamvault_pool_t   *pool;

    pool = ngx_http_streamvault_pg_pool;

    if (pool == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "streamvault: postgres used outside a worker");
        return NULL;
    }

    op = ngx_alloc(sizeof(ngx_http_streamvault_pg_op_t) + len + 1, log);
    if (op == NULL) {
        return NULL;
    }

    ngx_http_streamvault_pool_op_init(pool, &op->op, log, data);

    op->handler = handler;
    op->stmt = stmt;
    op->param = (u_char *) &op[1];

    *ngx_cpymem(op->param, param, len) = '\0';

    pg = pool->data;

    if (pg && stmt >= pg->nstatements) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "streamvault: no postgres statement %ui", stmt);
        ngx_http_streamvault_pool_fail_op(&op->op, NGX_ERROR);
        return op;
    }

    /* the text format would cut the parameter at a NUL */

    if (ngx_strlchr(param, param + len, '\0')) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "streamvault: postgres parameter with a NUL byte");
        ngx_http_streamvault_pool_fail_op(&op->op, NGX_ERROR);
        return op;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "streamvault postgres: send statement %ui, %uz bytes",
                   stmt, len);

    ngx_http_streamvault_pool_submit(&op->op);

    return op;
}


void
ngx_http_streamvault_pg_detach(ngx_http_streamvault_pg_op_t *op)
{
    if (op) {
        ngx_http_streamvault_pool_detach(&op->op);
    }
}


ngx_int_t
ngx_http_streamvault_pg_status(void)
{
    if (ngx_http_streamvault_pg_pool == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_streamvault_pg_pool->status;
}


static void
ngx_http_streamvault_pg_connect(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_http_streamvault_pg_t       *pg;
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *) pc;
    pg = pc->pool->data;

    pgc->prepared = (u_char *) &pgc[1];

    /* the conninfo was checked to need no DNS lookup, which would block */

    pgc->pgconn = PQconnectStartParams(pg->keywords, pg->values, 1);

    if (pgc->pgconn == NULL) {
        ngx_http_streamvault_pool_failed(pc, 0, "out of memory");
        return;
    }

    PQsetNoticeReceiver(pgc->pgconn, ngx_http_streamvault_pg_notice, pgc);

    if (PQstatus(pgc->pgconn) == CONNECTION_BAD) {
        ngx_http_streamvault_pool_failed(pc, 0, PQerrorMessage(pgc->pgconn));
        return;
    }

    if (PQsetnonblocking(pgc->pgconn, 1) == -1) {
        ngx_http_streamvault_pool_failed(pc, 0, PQerrorMessage(pgc->pgconn));
        return;
    }

    if (ngx_http_streamvault_pg_socket(pgc) != NGX_OK) {
        ngx_http_streamvault_pool_failed(pc, 0, "no socket");
        return;
    }

    /* as if PQconnectPoll() had returned PGRES_POLLING_WRITING */

    if (ngx_http_streamvault_pg_wait(pgc, 1) != NGX_OK) {
        ngx_http_streamvault_pool_failed(pc, 0, "cannot wait for events");
    }
}


static void
ngx_http_streamvault_pg_connect_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *)
              ngx_http_streamvault_pool_event(ev);
    if (pgc == NULL) {
        return;
    }

    ngx_http_streamvault_pg_connect_poll(pgc);
}


static void
ngx_http_streamvault_pg_connect_poll(ngx_http_streamvault_pg_conn_t *pgc)
{
    ngx_int_t                 rc;
    ngx_uint_t                i;
    PostgresPollingStatusType  status;

    status = PGRES_POLLING_READING;

    for (i = 0; i < NGX_HTTP_STREAMVAULT_PG_POLLS; i++) {

        status = PQconnectPoll(pgc->pgconn);

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, pgc->conn.timer.log, 0,
                       "streamvault postgres: PQconnectPoll(): %d, "
                       "status:%d", status, PQstatus(pgc->pgconn));

        /* libpq may have closed the socket, and opened another */

        rc = ngx_http_streamvault_pg_socket(pgc);

        if (status == PGRES_POLLING_FAILED || rc == NGX_DECLINED) {
            ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                             PQerrorMessage(pgc->pgconn));
            return;
        }

        if (rc != NGX_OK) {
            ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                             "cannot register the socket");
            return;
        }

        if (status == PGRES_POLLING_OK) {
            ngx_http_streamvault_pg_listen(pgc);
            return;
        }

        if (status == PGRES_POLLING_WRITING) {

            /*
             * connected: libpq is to write the startup packet, and the
             * edge-triggered write event that said so has been used up
             */

            if (PQstatus(pgc->pgconn) == CONNECTION_MADE) {
                continue;
            }

            break;
        }

        /* PGRES_POLLING_READING: only part of what came may have been read */

        if (ngx_http_streamvault_pg_peek(pgc) == NGX_AGAIN) {
            break;
        }
    }

    if (ngx_http_streamvault_pg_wait(pgc, status == PGRES_POLLING_WRITING)
        != NGX_OK)
    {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                         "cannot wait for events");
    }
}


static ngx_int_t
ngx_http_streamvault_pg_socket(ngx_http_streamvault_pg_conn_t *pgc)
{
    ngx_socket_t                  fd;
    ngx_connection_t             *c;
    ngx_file_info_t               fi;
    ngx_http_streamvault_pool_t  *pool;

    /*
     * registers libpq's current socket with nginx if it is not registered
     * yet; the number alone cannot tell: a new socket opened right after
     * the old one was closed gets the same number, hence the inode
     */

    pool = pgc->conn.pool;
    c = pgc->conn.connection;

    fd = PQsocket(pgc->pgconn);

    if (fd != (ngx_socket_t) -1) {

        if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_CRIT, &pool->log, ngx_errno,
                          ngx_fd_info_n " of the postgres socket failed");
            return NGX_ERROR;
        }

        if (c
            && c->fd == fd
            && pgc->dev == fi.st_dev
            && pgc->ino == fi.st_ino)
        {
            return NGX_OK;
        }
    }

    if (c) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &pool->log, 0,
                       "streamvault postgres: socket %d replaced by %d",
                       c->fd, fd);

        ngx_http_streamvault_pool_free_connection(c);
        pgc->conn.connection = NULL;
    }

    if (fd == (ngx_socket_t) -1) {
        return NGX_DECLINED;
    }

    c = ngx_get_connection(fd, &pool->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    pgc->conn.connection = c;
    pgc->dev = fi.st_dev;
    pgc->ino = fi.st_ino;

    c->data = pgc;
    c->log_error = NGX_ERROR_ERR;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);
    c->start_time = ngx_current_msec;

    c->read->log = c->log;
    c->write->log = c->log;
    c->read->handler = ngx_http_streamvault_pg_connect_handler;
    c->write->handler = ngx_http_streamvault_pg_connect_handler;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &pool->log, 0,
                   "streamvault postgres: socket %d is *%uA", fd, c->number);

    if (ngx_add_conn) {
        if (ngx_add_conn(c) == NGX_ERROR) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_pg_wait(ngx_http_streamvault_pg_conn_t *pgc,
    ngx_uint_t write)
{
    ngx_connection_t  *c;

    /*
     * libpq read what there was, and wants to write or not: with level-
     * triggered events the write event is active only while it does
     */

    c = pgc->conn.connection;

    c->read->ready = 0;
    c->write->ready = !write;

    if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_pg_peek(ngx_http_streamvault_pg_conn_t *pgc)
{
#if (NGX_OPENSSL)
    SSL  *ssl;

    /* decrypted data libpq has not taken yet is no longer in the socket */

    if (PQsslInUse(pgc->pgconn)) {
        ssl = PQsslStruct(pgc->pgconn, "OpenSSL");

        if (ssl && SSL_pending(ssl) > 0) {
            return NGX_OK;
        }
    }
#endif

    return ngx_http_streamvault_pool_peek(pgc->conn.connection);
}


static void
ngx_http_streamvault_pg_send_op(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_connection_t                *c;
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *) pc;
    c = pc->connection;

    c->read->handler = ngx_http_streamvault_pg_read_handler;
    c->write->handler = ngx_http_streamvault_pg_write_handler;

    ngx_http_streamvault_pg_query(pgc);
}


static void
ngx_http_streamvault_pg_query(ngx_http_streamvault_pg_conn_t *pgc)
{
    int                            ok;
    const char                    *values[1];
    ngx_http_streamvault_pg_t     *pg;
    ngx_http_streamvault_pg_op_t  *op;
    u_char                         name[sizeof("sv") + NGX_INT_T_LEN];

    pg = pgc->conn.pool->data;
    op = (ngx_http_streamvault_pg_op_t *) pgc->conn.op;

    ngx_sprintf(name, "sv%ui%Z", op->stmt);

    /* each connection prepares a statement the first time it runs it */

    if (!pgc->prepared[op->stmt]) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->op.log, 0,
                       "streamvault postgres: prepare %s on *%uA",
                       name, pgc->conn.connection->number);

        pgc->prepare = 1;
        ok = PQsendPrepare(pgc->pgconn, (char *) name, pg->sql[op->stmt],
                           0, NULL);

    } else {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->op.log, 0,
                       "streamvault postgres: execute %s on *%uA",
                       name, pgc->conn.connection->number);

        pgc->prepare = 0;
        values[0] = (char *) op->param;
        ok = PQsendQueryPrepared(pgc->pgconn, (char *) name, 1, values,
                                 NULL, NULL, 0);
    }

    if (!ok) {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                         PQerrorMessage(pgc->pgconn));
        return;
    }

    pgc->flushing = 1;

    ngx_http_streamvault_pg_flush(pgc);
}


static void
ngx_http_streamvault_pg_write_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *)
              ngx_http_streamvault_pool_event(ev);
    if (pgc == NULL) {
        return;
    }

    if (!pgc->flushing) {
        return;
    }

    ngx_http_streamvault_pg_flush(pgc);
}


static void
ngx_http_streamvault_pg_read_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *)
              ngx_http_streamvault_pool_event(ev);
    if (pgc == NULL) {
        return;
    }

    ngx_http_streamvault_pg_read(pgc);
}


static void
ngx_http_streamvault_pg_flush(ngx_http_streamvault_pg_conn_t *pgc)
{
    int  rc;

    rc = PQflush(pgc->pgconn);

    if (rc == -1) {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                         PQerrorMessage(pgc->pgconn));
        return;
    }

    if (rc == 0) {
        pgc->flushing = 0;
    }

    /*
     * while flushing, libpq may have read the answer already, and no read
     * event would tell
     */

    ngx_http_streamvault_pg_read(pgc);
}


static void
ngx_http_streamvault_pg_read(ngx_http_streamvault_pg_conn_t *pgc)
{
    int        rc;
    PGresult  *res;

    for ( ;; ) {

        if (!PQconsumeInput(pgc->pgconn)) {
            ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                             PQerrorMessage(pgc->pgconn));
            return;
        }

        if (pgc->flushing) {
            rc = PQflush(pgc->pgconn);

            if (rc == -1) {
                ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                                 PQerrorMessage(pgc->pgconn));
                return;
            }

            if (rc == 0) {
                pgc->flushing = 0;
            }
        }

        while (!PQisBusy(pgc->pgconn)) {

            res = PQgetResult(pgc->pgconn);

            if (res == NULL) {
                ngx_http_streamvault_pg_notifies(pgc);
                ngx_http_streamvault_pg_result(pgc);
                return;
            }

            switch (PQresultStatus(res)) {

            case PGRES_COPY_IN:
            case PGRES_COPY_OUT:
            case PGRES_COPY_BOTH:
                PQclear(res);
                ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                                 "a statement started COPY");
                return;

            default:
                break;
            }

            /* the requester gets the first result, the rest is dropped */

            if (pgc->res == NULL) {
                pgc->res = res;

            } else {
                PQclear(res);
            }
        }

        /* more may be there: with edge-triggered events, nothing would say */

        if (ngx_http_streamvault_pg_peek(pgc) == NGX_AGAIN) {
            break;
        }
    }

    if (ngx_http_streamvault_pg_wait(pgc, pgc->flushing) != NGX_OK) {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                         "cannot wait for events");
    }
}


static void
ngx_http_streamvault_pg_result(ngx_http_streamvault_pg_conn_t *pgc)
{
    PGresult                      *res;
    ngx_uint_t                     keep;
    ngx_http_streamvault_pg_op_t  *op;

    /* PQgetResult() returned NULL: the command is complete */

    op = (ngx_http_streamvault_pg_op_t *) pgc->conn.op;

    res = pgc->res;
    pgc->res = NULL;

    if (PQstatus(pgc->pgconn) != CONNECTION_OK) {

        /* e.g. "terminating connection due to administrator command" */

        if (res) {
            PQclear(res);
        }

        ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                         PQerrorMessage(pgc->pgconn));
        return;
    }

    if (pgc->setup) {
        if (ngx_http_streamvault_pg_listened(pgc, res) == NGX_OK) {
            ngx_http_streamvault_pool_connected(&pgc->conn);
        }

        return;
    }

    if (pgc->prepare) {

        if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
            PQclear(res);

            pgc->prepared[op->stmt] = 1;

            ngx_http_streamvault_pg_query(pgc);
            return;
        }

        /* the statement could not be prepared: the requester gets why */
    }

    if (res == NULL) {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0, "no result");
        return;
    }

    keep = 1;

    if (PQtransactionStatus(pgc->pgconn) != PQTRANS_IDLE) {
        ngx_log_error(NGX_LOG_ALERT, op->op.log, 0,
                      "streamvault: postgres statement %ui left a "
                      "transaction open, connection closed", op->stmt);
        keep = 0;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, op->op.log, 0,
                   "streamvault postgres: %s, %d rows, %d fields",
                   PQresStatus(PQresultStatus(res)), PQntuples(res),
                   PQnfields(res));

    ngx_http_streamvault_pool_done(&pgc->conn, NGX_OK, res, keep);
}


/*
 * A new connection first LISTENs for changes (the API cache), and counts
 * as connected once the server confirmed it.
 */

static void
ngx_http_streamvault_pg_listen(ngx_http_streamvault_pg_conn_t *pgc)
{
    ngx_connection_t  *c;

    c = pgc->conn.connection;

    c->read->handler = ngx_http_streamvault_pg_read_handler;
    c->write->handler = ngx_http_streamvault_pg_write_handler;

    if (!PQsendQuery(pgc->pgconn, "LISTEN streamvault_changes")) {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0,
                                         PQerrorMessage(pgc->pgconn));
        return;
    }

    pgc->setup = 1;
    pgc->flushing = 1;

    ngx_http_streamvault_pg_flush(pgc);
}


static ngx_int_t
ngx_http_streamvault_pg_listened(ngx_http_streamvault_pg_conn_t *pgc,
    PGresult *res)
{
    ngx_int_t  rc;

    pgc->setup = 0;

    rc = (res && PQresultStatus(res) == PGRES_COMMAND_OK) ? NGX_OK
                                                          : NGX_ERROR;
    if (res) {
        PQclear(res);
    }

    if (rc != NGX_OK) {
        ngx_http_streamvault_pool_failed(&pgc->conn, 0, "LISTEN failed");
        return NGX_ERROR;
    }

    /* the changes before it were heard by nobody */

    pgc->listening = 1;
    ngx_http_streamvault_pg_listeners++;
    ngx_http_streamvault_cache_invalidate();

    return NGX_OK;
}


static void
ngx_http_streamvault_pg_notifies(ngx_http_streamvault_pg_conn_t *pgc)
{
    PGnotify  *notify;

    for ( ;; ) {
        notify = PQnotifies(pgc->pgconn);

        if (notify == NULL) {
            return;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pgc->conn.timer.log, 0,
                       "streamvault postgres: %s changed", notify->extra);

        PQfreemem(notify);
        ngx_http_streamvault_cache_invalidate();
    }
}


ngx_uint_t
ngx_http_streamvault_pg_listening(void)
{
    return ngx_http_streamvault_pg_listeners;
}


static ngx_int_t
ngx_http_streamvault_pg_idle(ngx_http_streamvault_pool_conn_t *pc,
    char **reason)
{
    ngx_int_t                        rc;
    ngx_connection_t                *c;
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *) pc;
    c = pc->connection;

    /*
     * an idle connection gets only what the server sends on its own:
     * notifications, parameter changes, notices, and the error before it
     * closes it
     */

    for ( ;; ) {

        rc = ngx_http_streamvault_pg_peek(pgc);

        if (rc == NGX_AGAIN) {
            c->read->ready = 0;

            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                *reason = "cannot wait for events";
                return NGX_ERROR;
            }

            return NGX_OK;
        }

        if (!PQconsumeInput(pgc->pgconn)
            || PQstatus(pgc->pgconn) != CONNECTION_OK)
        {
            *reason = pgc->fatal[0] ? (char *) pgc->fatal
                                    : PQerrorMessage(pgc->pgconn);
            return NGX_ERROR;
        }

        ngx_http_streamvault_pg_notifies(pgc);

        if (rc != NGX_OK) {
            *reason = "closed by the server";
            return NGX_ERROR;
        }
    }
}


static void
ngx_http_streamvault_pg_close(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_http_streamvault_pg_conn_t  *pgc;

    pgc = (ngx_http_streamvault_pg_conn_t *) pc;

    /* what it would have heard is heard by nobody now */

    if (pgc->listening) {
        pgc->listening = 0;
        ngx_http_streamvault_pg_listeners--;
        ngx_http_streamvault_cache_invalidate();
    }

    if (pgc->res) {
        PQclear(pgc->res);
        pgc->res = NULL;
    }

    if (pc->connection) {
        ngx_http_streamvault_pool_free_connection(pc->connection);
        pc->connection = NULL;
    }

    /* closes the socket; on a non-blocking connection it does not wait */

    if (pgc->pgconn) {
        PQfinish(pgc->pgconn);
        pgc->pgconn = NULL;
    }
}


static void
ngx_http_streamvault_pg_finish(ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_pg_op_t  *pgop;

    pgop = (ngx_http_streamvault_pg_op_t *) op;

    if (!op->detached) {
        pgop->handler(op->data, op->rc, op->result);
    }
}


static void
ngx_http_streamvault_pg_free(ngx_http_streamvault_pool_op_t *op)
{
    if (op->result) {
        PQclear(op->result);
    }

    ngx_free(op);
}


static void
ngx_http_streamvault_pg_notice(void *arg, const PGresult *res)
{
    ngx_http_streamvault_pg_conn_t *pgc = arg;

    size_t       len;
    char        *message, *severity;
    ngx_uint_t   level;

    /*
     * RAISE NOTICE and WARNING in the API's functions and the like; and
     * the FATAL error an idle connection gets before the server closes it,
     * which is kept as the reason for the close
     */

    message = PQresultErrorMessage(res);
    severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);

    len = ngx_strlen(message);

    while (len && (message[len - 1] == LF || message[len - 1] == CR)) {
        len--;
    }

    if (severity
        && (ngx_strcmp(severity, "FATAL") == 0
            || ngx_strcmp(severity, "PANIC") == 0))
    {
        len = ngx_min(len, sizeof(pgc->fatal) - 1);
        *ngx_cpymem(pgc->fatal, message, len) = '\0';
        return;
    }

    level = (severity && ngx_strcmp(severity, "WARNING") == 0)
            ? NGX_LOG_WARN : NGX_LOG_INFO;

    ngx_log_error(level, &pgc->conn.pool->log, 0,
                  "streamvault: postgres: %*s", len, message);
}
