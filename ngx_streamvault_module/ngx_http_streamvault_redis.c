
/*
 * StreamVault nginx module: the non-blocking Redis client, one pool per
 * worker process (the pool itself is ngx_http_streamvault_pool.c).
 *
 * nginx owns the socket (ngx_event_connect_peer(), c->send, c->recv, its
 * timers); hiredis only formats commands (redisFormatCommandArgv()) and
 * parses replies (redisReader).  One command in flight per connection.
 *
 * Directives (http, server; defaults in parentheses):
 *
 *   streamvault_redis_pool_size N         connections per worker (4)
 *   streamvault_redis_queue N             commands waiting for one (256)
 *   streamvault_redis_queue_timeout T     how long they wait (2s)
 *   streamvault_redis_connect_timeout T   (2s)
 *   streamvault_redis_timeout T           for the reply to a command (2s)
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>
#include <ngx_http.h>

#include "ngx_http_streamvault.h"
#include "ngx_http_streamvault_pool.h"


#define NGX_HTTP_STREAMVAULT_REDIS_BUFSIZE   4096


typedef struct {
    ngx_http_streamvault_pool_conn_t        conn;     /* the core's, first */
    ngx_peer_connection_t                   peer;
    redisReader                            *reader;
    size_t                                  sent;
} ngx_http_streamvault_redis_conn_t;


struct ngx_http_streamvault_redis_op_s {
    ngx_http_streamvault_pool_op_t          op;       /* the core's, first */
    ngx_http_streamvault_redis_handler_pt   handler;
    char                                   *cmd;
    size_t                                  len;
};


static void ngx_http_streamvault_redis_connect(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_redis_connect_handler(ngx_event_t *ev);
static void ngx_http_streamvault_redis_send_op(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_redis_write_handler(ngx_event_t *ev);
static void ngx_http_streamvault_redis_read_handler(ngx_event_t *ev);
static void ngx_http_streamvault_redis_write(
    ngx_http_streamvault_redis_conn_t *rd);
static void ngx_http_streamvault_redis_read(
    ngx_http_streamvault_redis_conn_t *rd);
static ngx_int_t ngx_http_streamvault_redis_idle(
    ngx_http_streamvault_pool_conn_t *pc, char **reason);
static void ngx_http_streamvault_redis_close(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_redis_finish(
    ngx_http_streamvault_pool_op_t *op);
static void ngx_http_streamvault_redis_free(
    ngx_http_streamvault_pool_op_t *op);
static void ngx_http_streamvault_redis_dummy_handler(ngx_event_t *ev);


static ngx_http_streamvault_pool_backend_t
    ngx_http_streamvault_redis_backend =
{
    "redis",
    ngx_http_streamvault_redis_connect,
    ngx_http_streamvault_redis_send_op,
    ngx_http_streamvault_redis_idle,
    ngx_http_streamvault_redis_close,
    ngx_http_streamvault_redis_finish,
    ngx_http_streamvault_redis_free
};


static ngx_http_streamvault_pool_t  *ngx_http_streamvault_redis_pool;


ngx_int_t
ngx_http_streamvault_redis_init_process(ngx_cycle_t *cycle)
{
    ngx_http_streamvault_pool_t       *pool;
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_streamvault_module);

    pool = ngx_http_streamvault_pool_create(cycle,
                               &ngx_http_streamvault_redis_backend,
                               &smcf->redis_pool,
                               sizeof(ngx_http_streamvault_redis_conn_t));
    if (pool == NULL) {
        return NGX_ERROR;
    }

    ngx_http_streamvault_redis_pool = pool;

    if (smcf->redis == NULL) {
        return NGX_OK;
    }

    pool->data = smcf->redis;
    pool->configured = 1;

    return NGX_OK;
}


void
ngx_http_streamvault_redis_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_http_streamvault_redis_pool) {
        ngx_http_streamvault_pool_destroy(ngx_http_streamvault_redis_pool);
        ngx_http_streamvault_redis_pool = NULL;
    }
}


ngx_http_streamvault_redis_op_t *
ngx_http_streamvault_redis_send(ngx_log_t *log, int argc, const char **argv,
    const size_t *argvlen, ngx_http_streamvault_redis_handler_pt handler,
    void *data)
{
    int                               len;
    ngx_http_streamvault_pool_t      *pool;
    ngx_http_streamvault_redis_op_t  *op;

    pool = ngx_http_streamvault_redis_pool;

    if (pool == NULL) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "streamvault: redis used outside a worker");
        return NULL;
    }

    op = ngx_alloc(sizeof(ngx_http_streamvault_redis_op_t), log);
    if (op == NULL) {
        return NULL;
    }

    ngx_http_streamvault_pool_op_init(pool, &op->op, log, data);

    op->handler = handler;
    op->cmd = NULL;

    len = redisFormatCommandArgv(&op->cmd, argc, argv, argvlen);

    if (len < 0) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "streamvault: redisFormatCommandArgv() failed");
        ngx_free(op);
        return NULL;
    }

    op->len = len;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "streamvault redis: send %*s",
                   argc ? argvlen[0] : 0, argc ? argv[0] : "");

    ngx_http_streamvault_pool_submit(&op->op);

    return op;
}


void
ngx_http_streamvault_redis_detach(ngx_http_streamvault_redis_op_t *op)
{
    if (op) {
        ngx_http_streamvault_pool_detach(&op->op);
    }
}


ngx_int_t
ngx_http_streamvault_redis_status(void)
{
    if (ngx_http_streamvault_redis_pool == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_streamvault_redis_pool->status;
}


/*
 * ngx_event_connect_peer() to the first address of u; a failure is the
 * caller's to log (with *err), so nginx's own message (ERR, or CRIT for
 * e.g. a missing unix socket) is quietened.
 */

ngx_int_t
ngx_http_streamvault_redis_connect_peer(ngx_peer_connection_t *peer,
    ngx_url_t *u, ngx_log_t *log, ngx_err_t *err)
{
    ngx_int_t    rc;
    ngx_uint_t   level;
    ngx_addr_t  *addr;

    addr = &u->addrs[0];

    ngx_memzero(peer, sizeof(ngx_peer_connection_t));
    peer->sockaddr = addr->sockaddr;
    peer->socklen = addr->socklen;
    peer->name = &addr->name;
    peer->get = ngx_event_get_peer;
    peer->log = log;
    peer->log_error = NGX_ERROR_INFO;

    level = log->log_level;
    log->log_level = ngx_min(level, NGX_LOG_ALERT);

    rc = ngx_event_connect_peer(peer);
    *err = ngx_socket_errno;

    log->log_level = level;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, log, 0,
                   "streamvault redis: connect to %V: %i", &addr->name, rc);

    if (rc == NGX_ERROR || rc == NGX_DECLINED || rc == NGX_BUSY) {
        peer->connection = NULL;
    }

    return rc;
}


static void
ngx_http_streamvault_redis_connect(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_int_t                           rc;
    ngx_err_t                           err;
    ngx_url_t                          *u;
    ngx_connection_t                   *c;
    ngx_http_streamvault_pool_t        *pool;
    ngx_http_streamvault_redis_conn_t  *rd;

    rd = (ngx_http_streamvault_redis_conn_t *) pc;
    pool = pc->pool;
    u = pool->data;

    rd->reader = redisReaderCreate();
    if (rd->reader == NULL) {
        ngx_http_streamvault_pool_failed(pc, 0, "out of memory");
        return;
    }

    /* the pool logs a failed connect, rate-limited, with its errno */

    rc = ngx_http_streamvault_redis_connect_peer(&rd->peer, u, &pool->log,
                                                 &err);

    if (rc == NGX_ERROR || rc == NGX_DECLINED || rc == NGX_BUSY) {
        ngx_http_streamvault_pool_failed(pc, rc == NGX_DECLINED ? err : 0,
                                         "connect() failed");
        return;
    }

    c = rd->peer.connection;
    pc->connection = c;

    c->data = rd;
    c->read->handler = ngx_http_streamvault_redis_connect_handler;
    c->write->handler = ngx_http_streamvault_redis_connect_handler;

    if (rc == NGX_AGAIN) {
        return;
    }

    ngx_http_streamvault_pool_connected(pc);
}


static void
ngx_http_streamvault_redis_connect_handler(ngx_event_t *ev)
{
    int                                 err;
    socklen_t                           len;
    ngx_connection_t                   *c;
    ngx_http_streamvault_redis_conn_t  *rd;

    rd = (ngx_http_streamvault_redis_conn_t *)
             ngx_http_streamvault_pool_event(ev);
    if (rd == NULL) {
        return;
    }

    c = rd->conn.connection;

#if (NGX_HAVE_KQUEUE)

    if (ngx_event_flags & NGX_USE_KQUEUE_EVENT) {

        if (c->write->pending_eof || c->read->pending_eof) {
            err = c->write->pending_eof ? c->write->kq_errno
                                        : c->read->kq_errno;

            ngx_http_streamvault_pool_failed(&rd->conn, err,
                                             "connect() failed");
            return;
        }

    } else
#endif
    {
        err = 0;
        len = sizeof(int);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len)
            == -1)
        {
            err = ngx_socket_errno;
        }

        if (err) {
            ngx_http_streamvault_pool_failed(&rd->conn, err,
                                             "connect() failed");
            return;
        }
    }

    ngx_http_streamvault_pool_connected(&rd->conn);
}


static void
ngx_http_streamvault_redis_send_op(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_connection_t                   *c;
    ngx_http_streamvault_redis_conn_t  *rd;

    rd = (ngx_http_streamvault_redis_conn_t *) pc;
    c = pc->connection;

    c->read->handler = ngx_http_streamvault_redis_read_handler;
    c->write->handler = ngx_http_streamvault_redis_write_handler;

    rd->sent = 0;

    ngx_http_streamvault_redis_write(rd);
}


static void
ngx_http_streamvault_redis_write_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_redis_conn_t  *rd;

    rd = (ngx_http_streamvault_redis_conn_t *)
             ngx_http_streamvault_pool_event(ev);
    if (rd == NULL) {
        return;
    }

    ngx_http_streamvault_redis_write(rd);
}


static void
ngx_http_streamvault_redis_read_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_redis_conn_t  *rd;

    rd = (ngx_http_streamvault_redis_conn_t *)
             ngx_http_streamvault_pool_event(ev);
    if (rd == NULL) {
        return;
    }

    ngx_http_streamvault_redis_read(rd);
}


static void
ngx_http_streamvault_redis_write(ngx_http_streamvault_redis_conn_t *rd)
{
    ssize_t                           n;
    ngx_connection_t                 *c;
    ngx_http_streamvault_redis_op_t  *op;

    c = rd->conn.connection;
    op = (ngx_http_streamvault_redis_op_t *) rd->conn.op;

    while (rd->sent < op->len) {

        n = c->send(c, (u_char *) op->cmd + rd->sent, op->len - rd->sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                ngx_http_streamvault_pool_failed(&rd->conn, 0,
                                                 "cannot wait for events");
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_streamvault_pool_failed(&rd->conn, 0, "send() failed");
            return;
        }

        rd->sent += n;
    }

    c->write->handler = ngx_http_streamvault_redis_dummy_handler;

    if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
        ngx_http_streamvault_pool_failed(&rd->conn, 0,
                                         "cannot wait for events");
        return;
    }

    ngx_http_streamvault_redis_read(rd);
}


static void
ngx_http_streamvault_redis_read(ngx_http_streamvault_redis_conn_t *rd)
{
    void              *reply;
    ssize_t            n;
    ngx_uint_t         keep;
    ngx_connection_t  *c;
    u_char             buf[NGX_HTTP_STREAMVAULT_REDIS_BUFSIZE];

    c = rd->conn.connection;

    for ( ;; ) {

        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ngx_http_streamvault_pool_failed(&rd->conn, 0,
                                                 "cannot wait for events");
            }

            return;
        }

        if (n == 0) {
            ngx_http_streamvault_pool_failed(&rd->conn, 0,
                                             "closed by the server");
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_streamvault_pool_failed(&rd->conn, 0, "recv() failed");
            return;
        }

        if (redisReaderFeed(rd->reader, (char *) buf, n) != REDIS_OK) {
            ngx_http_streamvault_pool_failed(&rd->conn, 0,
                                             rd->reader->errstr);
            return;
        }

        reply = NULL;

        if (redisReaderGetReply(rd->reader, &reply) != REDIS_OK) {
            ngx_http_streamvault_pool_failed(&rd->conn, 0,
                                             rd->reader->errstr);
            return;
        }

        if (reply) {
            break;
        }
    }

    /* one command in flight: more bytes after its reply cannot be right */

    keep = (rd->reader->pos == rd->reader->len);

    if (!keep) {
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "streamvault: redis sent more than one reply, "
                      "connection closed");
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->conn.op->log, 0,
                   "streamvault redis: reply type %d",
                   ((redisReply *) reply)->type);

    ngx_http_streamvault_pool_done(&rd->conn, NGX_OK, reply, keep);
}


static ngx_int_t
ngx_http_streamvault_redis_idle(ngx_http_streamvault_pool_conn_t *pc,
    char **reason)
{
    ngx_int_t          rc;
    ngx_connection_t  *c;

    c = pc->connection;

    rc = ngx_http_streamvault_pool_peek(c);

    switch (rc) {

    case NGX_AGAIN:
        c->read->ready = 0;

        if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
            *reason = "cannot wait for events";
            return NGX_ERROR;
        }

        return NGX_OK;

    case NGX_OK:
        *reason = "unexpected data";
        return NGX_ERROR;

    case NGX_DONE:
        *reason = "closed by the server";
        return NGX_ERROR;

    default: /* NGX_ERROR */
        *reason = "recv() failed";
        return NGX_ERROR;
    }
}


static void
ngx_http_streamvault_redis_close(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_http_streamvault_redis_conn_t  *rd;

    rd = (ngx_http_streamvault_redis_conn_t *) pc;

    if (pc->connection) {
        ngx_close_connection(pc->connection);
        pc->connection = NULL;
    }

    if (rd->reader) {
        redisReaderFree(rd->reader);
        rd->reader = NULL;
    }
}


static void
ngx_http_streamvault_redis_finish(ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_redis_op_t  *rop;

    rop = (ngx_http_streamvault_redis_op_t *) op;

    if (!op->detached) {
        rop->handler(op->data, op->rc, op->result);
    }
}


static void
ngx_http_streamvault_redis_free(ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_redis_op_t  *rop;

    rop = (ngx_http_streamvault_redis_op_t *) op;

    if (op->result) {
        freeReplyObject(op->result);
    }

    if (rop->cmd) {
        redisFreeCommand(rop->cmd);
    }

    ngx_free(op);
}


static void
ngx_http_streamvault_redis_dummy_handler(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "streamvault redis dummy handler");
}
