
/*
 * StreamVault nginx module: the pool core shared by the PostgreSQL and the
 * Redis clients (see ngx_http_streamvault_pool.h).
 *
 * An op is served by an idle connection, else by a new connection opened
 * for it while the pool has fewer than "size" connections, else it waits in
 * a FIFO queue of at most "queue" ops for "queue_timeout" (then NGX_BUSY);
 * a full queue answers NGX_BUSY at once.  A failed connect puts the pool in
 * backoff (100 ms doubling to 5 s, reset by a successful connect): while it
 * lasts and no connection is open, ops fail at once with NGX_ERROR; after
 * it, the next op tries to connect, alone until the backend answers again.
 *
 * Results reach the requester through an event posted per op, so handlers
 * always run from the event loop, never from inside a _send() call, and
 * never while the pool is in the middle of changing its state.
 *
 * Timers of connections with an op in flight and of waiting ops are not
 * cancelable, so a worker that shuts down gracefully lets them finish;
 * idle connections (c->idle) are closed at shutdown, and a connection that
 * becomes idle while the worker exits is closed.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_streamvault_pool.h"


#define NGX_HTTP_STREAMVAULT_BACKOFF_MIN    100
#define NGX_HTTP_STREAMVAULT_BACKOFF_MAX    5000

/* within one outage, at most one ERR line per this many milliseconds */
#define NGX_HTTP_STREAMVAULT_LOG_INTERVAL   5000

#define NGX_HTTP_STREAMVAULT_REASON_LEN     384


static ngx_http_streamvault_pool_conn_t *ngx_http_streamvault_pool_take_idle(
    ngx_http_streamvault_pool_t *pool);
static void ngx_http_streamvault_pool_connect(
    ngx_http_streamvault_pool_t *pool, ngx_http_streamvault_pool_op_t *op);
static void ngx_http_streamvault_pool_start(
    ngx_http_streamvault_pool_conn_t *pc, ngx_http_streamvault_pool_op_t *op);
static void ngx_http_streamvault_pool_release(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_pool_close(
    ngx_http_streamvault_pool_conn_t *pc);
static void ngx_http_streamvault_pool_process_queue(
    ngx_http_streamvault_pool_t *pool);
static void ngx_http_streamvault_pool_complete(
    ngx_http_streamvault_pool_op_t *op, ngx_int_t rc, void *result);
static void ngx_http_streamvault_pool_up(ngx_http_streamvault_pool_t *pool);
static void ngx_http_streamvault_pool_fault(
    ngx_http_streamvault_pool_conn_t *pc, ngx_err_t err, char *reason);
static ngx_uint_t ngx_http_streamvault_pool_can_connect(
    ngx_http_streamvault_pool_t *pool);
static ngx_uint_t ngx_http_streamvault_pool_backing_off(
    ngx_http_streamvault_pool_t *pool);

static void ngx_http_streamvault_pool_wait_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pool_done_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pool_timer_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pool_idle_handler(ngx_event_t *ev);
static void ngx_http_streamvault_pool_dummy_handler(ngx_event_t *ev);


ngx_http_streamvault_pool_t *
ngx_http_streamvault_pool_create(ngx_cycle_t *cycle,
    ngx_http_streamvault_pool_backend_t *backend,
    ngx_http_streamvault_pool_conf_t *conf, size_t conn_size)
{
    ngx_http_streamvault_pool_t  *pool;

    pool = ngx_pcalloc(cycle->pool, sizeof(ngx_http_streamvault_pool_t));
    if (pool == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     pool->data = NULL;
     *     pool->nconns = 0;
     *     pool->nconnecting = 0;
     *     pool->nwaiting = 0;
     *     pool->backoff = 0;
     *     pool->retry = 0;
     *     pool->log_next = 0;
     *     pool->suppressed = 0;
     *     pool->configured = 0;
     */

    pool->backend = backend;
    pool->conf = conf;
    pool->conn_size = conn_size;
    pool->timeout = conf->timeout;
    pool->status = NGX_DECLINED;

    pool->log = *cycle->log;

    ngx_queue_init(&pool->idle);
    ngx_queue_init(&pool->busy);
    ngx_queue_init(&pool->waiting);
    ngx_queue_init(&pool->done);

    return pool;
}


void
ngx_http_streamvault_pool_destroy(ngx_http_streamvault_pool_t *pool)
{
    ngx_queue_t                       *q;
    ngx_http_streamvault_pool_op_t    *op;
    ngx_http_streamvault_pool_conn_t  *pc;

    /* the worker exits: requests are not finished, handlers are not called */

    while (!ngx_queue_empty(&pool->idle)) {
        q = ngx_queue_head(&pool->idle);
        pc = ngx_queue_data(q, ngx_http_streamvault_pool_conn_t, queue);

        ngx_http_streamvault_pool_close(pc);
    }

    while (!ngx_queue_empty(&pool->busy)) {
        q = ngx_queue_head(&pool->busy);
        pc = ngx_queue_data(q, ngx_http_streamvault_pool_conn_t, queue);

        op = pc->op;

        if (op) {
            pc->op = NULL;
            pool->backend->free(op);
        }

        ngx_http_streamvault_pool_close(pc);
    }

    while (!ngx_queue_empty(&pool->waiting)) {
        q = ngx_queue_head(&pool->waiting);
        op = ngx_queue_data(q, ngx_http_streamvault_pool_op_t, queue);

        ngx_queue_remove(q);
        pool->nwaiting--;

        if (op->event.timer_set) {
            ngx_del_timer(&op->event);
        }

        pool->backend->free(op);
    }

    while (!ngx_queue_empty(&pool->done)) {
        q = ngx_queue_head(&pool->done);
        op = ngx_queue_data(q, ngx_http_streamvault_pool_op_t, queue);

        ngx_queue_remove(q);

        if (op->event.posted) {
            ngx_delete_posted_event(&op->event);
        }

        pool->backend->free(op);
    }
}


void
ngx_http_streamvault_pool_op_init(ngx_http_streamvault_pool_t *pool,
    ngx_http_streamvault_pool_op_t *op, ngx_log_t *log, void *data)
{
    ngx_memzero(op, sizeof(ngx_http_streamvault_pool_op_t));

    /*
     * set by ngx_memzero():
     *
     *     op->conn = NULL;
     *     op->result = NULL;
     *     op->rc = 0;
     *     op->state = NGX_HTTP_STREAMVAULT_OP_NEW;
     *     op->detached = 0;
     */

    op->pool = pool;
    op->log = log;
    op->data = data;

    op->event.data = op;
    op->event.log = log;
}


void
ngx_http_streamvault_pool_submit(ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_pool_t       *pool;
    ngx_http_streamvault_pool_conn_t  *pc;

    pool = op->pool;

    if (!pool->configured) {
        ngx_log_error(NGX_LOG_ALERT, op->log, 0,
                      "streamvault: %s is not configured",
                      pool->backend->name);
        ngx_http_streamvault_pool_complete(op, NGX_ERROR, NULL);
        return;
    }

    pc = ngx_http_streamvault_pool_take_idle(pool);

    if (pc) {
        ngx_http_streamvault_pool_start(pc, op);
        return;
    }

    if (ngx_http_streamvault_pool_can_connect(pool)) {
        ngx_http_streamvault_pool_connect(pool, op);
        return;
    }

    if (pool->nconns == 0) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, op->log, 0,
                       "streamvault %s: backing off, op failed",
                       pool->backend->name);

        ngx_http_streamvault_pool_complete(op, NGX_ERROR, NULL);
        return;
    }

    if (pool->nwaiting >= pool->conf->queue) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->log, 0,
                       "streamvault %s: %ui ops wait, op refused",
                       pool->backend->name, pool->nwaiting);

        ngx_http_streamvault_pool_complete(op, NGX_BUSY, NULL);
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->log, 0,
                   "streamvault %s: op waits, %ui before it",
                   pool->backend->name, pool->nwaiting);

    op->state = NGX_HTTP_STREAMVAULT_OP_WAITING;

    ngx_queue_insert_tail(&pool->waiting, &op->queue);
    pool->nwaiting++;

    op->event.handler = ngx_http_streamvault_pool_wait_handler;
    ngx_add_timer(&op->event, pool->conf->queue_timeout);
}


void
ngx_http_streamvault_pool_fail_op(ngx_http_streamvault_pool_op_t *op,
    ngx_int_t rc)
{
    ngx_http_streamvault_pool_complete(op, rc, NULL);
}


void
ngx_http_streamvault_pool_detach(ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_pool_t       *pool;
    ngx_http_streamvault_pool_conn_t  *pc;

    pool = op->pool;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->log, 0,
                   "streamvault %s: detach op in state %d",
                   pool->backend->name, op->state);

    switch (op->state) {

    case NGX_HTTP_STREAMVAULT_OP_WAITING:
        ngx_queue_remove(&op->queue);
        pool->nwaiting--;

        if (op->event.timer_set) {
            ngx_del_timer(&op->event);
        }

        pool->backend->free(op);
        return;

    case NGX_HTTP_STREAMVAULT_OP_CONNECTING:

        /* the connection goes on, and serves the queue or idles */

        pc = op->conn;
        pc->op = NULL;
        pc->timer.cancelable = 1;

        pool->backend->free(op);
        return;

    case NGX_HTTP_STREAMVAULT_OP_ACTIVE:

        /* the connection drains the answer, then frees the op */

        op->detached = 1;
        op->data = NULL;
        op->log = &pool->log;
        op->event.log = &pool->log;

        op->conn->timer.cancelable = 1;
        return;

    case NGX_HTTP_STREAMVAULT_OP_DONE:
        ngx_queue_remove(&op->queue);

        if (op->event.posted) {
            ngx_delete_posted_event(&op->event);
        }

        pool->backend->free(op);
        return;

    case NGX_HTTP_STREAMVAULT_OP_FINISHING:

        /* from inside its own handler: freed when the handler returns */

        op->detached = 1;
        return;

    default: /* NGX_HTTP_STREAMVAULT_OP_NEW */
        ngx_log_error(NGX_LOG_ALERT, op->log, 0,
                      "streamvault: %s op detached before it was sent",
                      pool->backend->name);
        return;
    }
}


static ngx_http_streamvault_pool_conn_t *
ngx_http_streamvault_pool_take_idle(ngx_http_streamvault_pool_t *pool)
{
    char                              *reason;
    ngx_queue_t                       *q;
    ngx_http_streamvault_pool_conn_t  *pc;

    /* the most recently used first; each is checked for a close first */

    while (!ngx_queue_empty(&pool->idle)) {
        q = ngx_queue_head(&pool->idle);
        pc = ngx_queue_data(q, ngx_http_streamvault_pool_conn_t, queue);

        reason = NULL;

        if (pool->backend->idle(pc, &reason) == NGX_OK) {
            ngx_queue_remove(q);
            pc->connection->idle = 0;
            return pc;
        }

        ngx_http_streamvault_pool_fault(pc, 0, reason);
        ngx_http_streamvault_pool_close(pc);
    }

    return NULL;
}


static void
ngx_http_streamvault_pool_connect(ngx_http_streamvault_pool_t *pool,
    ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_pool_conn_t  *pc;

    pc = ngx_calloc(pool->conn_size, &pool->log);
    if (pc == NULL) {
        ngx_http_streamvault_pool_complete(op, NGX_ERROR, NULL);
        return;
    }

    pc->pool = pool;
    pc->state = NGX_HTTP_STREAMVAULT_CONN_CONNECTING;

    pc->timer.handler = ngx_http_streamvault_pool_timer_handler;
    pc->timer.data = pc;
    pc->timer.log = &pool->log;

    pc->op = op;
    op->conn = pc;
    op->state = NGX_HTTP_STREAMVAULT_OP_CONNECTING;

    ngx_queue_insert_tail(&pool->busy, &pc->queue);
    pool->nconns++;
    pool->nconnecting++;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, op->log, 0,
                   "streamvault %s: connecting, %ui of %ui",
                   pool->backend->name, pool->nconns, pool->conf->size);

    ngx_add_timer(&pc->timer, pool->conf->connect_timeout);

    pool->backend->connect(pc);
}


static void
ngx_http_streamvault_pool_start(ngx_http_streamvault_pool_conn_t *pc,
    ngx_http_streamvault_pool_op_t *op)
{
    ngx_http_streamvault_pool_t  *pool;

    pool = pc->pool;

    if (pc->state == NGX_HTTP_STREAMVAULT_CONN_IDLE) {
        ngx_queue_insert_tail(&pool->busy, &pc->queue);
    }

    pc->state = NGX_HTTP_STREAMVAULT_CONN_BUSY;
    pc->op = op;
    pc->connection->idle = 0;

    op->conn = pc;
    op->state = NGX_HTTP_STREAMVAULT_OP_ACTIVE;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->log, 0,
                   "streamvault %s: op on connection *%uA",
                   pool->backend->name, pc->connection->number);

    pc->timer.cancelable = op->detached;

    if (pc->timer.timer_set) {
        ngx_del_timer(&pc->timer);
    }

    ngx_add_timer(&pc->timer, pool->timeout);

    pool->backend->send(pc);
}


void
ngx_http_streamvault_pool_connected(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_http_streamvault_pool_t  *pool;

    pool = pc->pool;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &pool->log, 0,
                   "streamvault %s: connected *%uA",
                   pool->backend->name, pc->connection->number);

    if (pc->timer.timer_set) {
        ngx_del_timer(&pc->timer);
    }

    pool->nconnecting--;
    pc->state = NGX_HTTP_STREAMVAULT_CONN_BUSY;

    ngx_http_streamvault_pool_up(pool);

    if (pc->op) {
        ngx_http_streamvault_pool_start(pc, pc->op);
        return;
    }

    ngx_http_streamvault_pool_release(pc);
}


void
ngx_http_streamvault_pool_done(ngx_http_streamvault_pool_conn_t *pc,
    ngx_int_t rc, void *result, ngx_uint_t keep)
{
    ngx_http_streamvault_pool_t     *pool;
    ngx_http_streamvault_pool_op_t  *op;

    pool = pc->pool;
    op = pc->op;

    pc->op = NULL;

    if (pc->timer.timer_set) {
        ngx_del_timer(&pc->timer);
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, op->log, 0,
                   "streamvault %s: op done on *%uA, keep:%ui",
                   pool->backend->name, pc->connection->number, keep);

    ngx_http_streamvault_pool_up(pool);

    ngx_http_streamvault_pool_complete(op, rc, result);

    if (keep) {
        ngx_http_streamvault_pool_release(pc);
        return;
    }

    ngx_http_streamvault_pool_close(pc);
    ngx_http_streamvault_pool_process_queue(pool);
}


void
ngx_http_streamvault_pool_failed(ngx_http_streamvault_pool_conn_t *pc,
    ngx_err_t err, char *reason)
{
    ngx_http_streamvault_pool_t     *pool;
    ngx_http_streamvault_pool_op_t  *op;

    /* a NULL reason: closed at worker shutdown, not a fault of the backend */

    pool = pc->pool;
    op = pc->op;

    pc->op = NULL;

    if (reason) {
        ngx_http_streamvault_pool_fault(pc, err, reason);

    } else {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &pool->log, 0,
                       "streamvault %s: connection closed at shutdown",
                       pool->backend->name);
    }

    ngx_http_streamvault_pool_close(pc);

    if (op) {
        ngx_http_streamvault_pool_complete(op, NGX_ERROR, NULL);
    }

    ngx_http_streamvault_pool_process_queue(pool);
}


static void
ngx_http_streamvault_pool_release(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_queue_t                     *q;
    ngx_connection_t                *c;
    ngx_http_streamvault_pool_t     *pool;
    ngx_http_streamvault_pool_op_t  *op;

    pool = pc->pool;

    if (!ngx_queue_empty(&pool->waiting)) {
        q = ngx_queue_head(&pool->waiting);
        op = ngx_queue_data(q, ngx_http_streamvault_pool_op_t, queue);

        ngx_queue_remove(q);
        pool->nwaiting--;

        if (op->event.timer_set) {
            ngx_del_timer(&op->event);
        }

        ngx_http_streamvault_pool_start(pc, op);
        return;
    }

    if (ngx_terminate || ngx_exiting) {
        ngx_http_streamvault_pool_close(pc);
        return;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &pool->log, 0,
                   "streamvault %s: connection *%uA idles",
                   pool->backend->name, pc->connection->number);

    ngx_queue_remove(&pc->queue);
    ngx_queue_insert_head(&pool->idle, &pc->queue);

    pc->state = NGX_HTTP_STREAMVAULT_CONN_IDLE;

    c = pc->connection;

    c->idle = 1;
    c->read->handler = ngx_http_streamvault_pool_idle_handler;
    c->write->handler = ngx_http_streamvault_pool_dummy_handler;

    if (c->read->ready) {
        ngx_http_streamvault_pool_idle_handler(c->read);
    }
}


static void
ngx_http_streamvault_pool_close(ngx_http_streamvault_pool_conn_t *pc)
{
    ngx_http_streamvault_pool_t  *pool;

    /* pc->op is NULL or taken care of by the caller */

    pool = pc->pool;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, &pool->log, 0,
                   "streamvault %s: close connection *%uA",
                   pool->backend->name,
                   pc->connection ? pc->connection->number : 0);

    ngx_queue_remove(&pc->queue);
    pool->nconns--;

    if (pc->state == NGX_HTTP_STREAMVAULT_CONN_CONNECTING) {
        pool->nconnecting--;
    }

    if (pc->timer.timer_set) {
        ngx_del_timer(&pc->timer);
    }

    pool->backend->close(pc);

    ngx_free(pc);
}


static void
ngx_http_streamvault_pool_process_queue(ngx_http_streamvault_pool_t *pool)
{
    ngx_queue_t                       *q;
    ngx_http_streamvault_pool_op_t    *op;
    ngx_http_streamvault_pool_conn_t  *pc;

    while (!ngx_queue_empty(&pool->waiting)) {

        pc = ngx_http_streamvault_pool_take_idle(pool);

        if (pc == NULL && !ngx_http_streamvault_pool_can_connect(pool)) {

            if (pool->nconns) {
                /* the queue waits for one of them */
                return;
            }

            /* backing off with nothing open: the waiting ops fail now */

            while (!ngx_queue_empty(&pool->waiting)) {
                q = ngx_queue_head(&pool->waiting);
                op = ngx_queue_data(q, ngx_http_streamvault_pool_op_t, queue);

                ngx_queue_remove(q);
                pool->nwaiting--;

                ngx_http_streamvault_pool_complete(op, NGX_ERROR, NULL);
            }

            return;
        }

        q = ngx_queue_head(&pool->waiting);
        op = ngx_queue_data(q, ngx_http_streamvault_pool_op_t, queue);

        ngx_queue_remove(q);
        pool->nwaiting--;

        if (op->event.timer_set) {
            ngx_del_timer(&op->event);
        }

        if (pc) {
            ngx_http_streamvault_pool_start(pc, op);

        } else {
            ngx_http_streamvault_pool_connect(pool, op);
        }
    }
}


static void
ngx_http_streamvault_pool_complete(ngx_http_streamvault_pool_op_t *op,
    ngx_int_t rc, void *result)
{
    ngx_http_streamvault_pool_t  *pool;

    pool = op->pool;

    if (op->event.timer_set) {
        ngx_del_timer(&op->event);
    }

    op->rc = rc;
    op->result = result;
    op->conn = NULL;

    if (op->detached) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, op->log, 0,
                       "streamvault %s: detached op done, rc:%i",
                       pool->backend->name, rc);

        pool->backend->free(op);
        return;
    }

    op->state = NGX_HTTP_STREAMVAULT_OP_DONE;

    ngx_queue_insert_tail(&pool->done, &op->queue);

    op->event.handler = ngx_http_streamvault_pool_done_handler;
    ngx_post_event(&op->event, &ngx_posted_events);
}


static void
ngx_http_streamvault_pool_wait_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_pool_op_t  *op;

    op = ev->data;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "streamvault %s: op waited too long",
                   op->pool->backend->name);

    ngx_queue_remove(&op->queue);
    op->pool->nwaiting--;

    ev->timedout = 0;

    ngx_http_streamvault_pool_complete(op, NGX_BUSY, NULL);
}


static void
ngx_http_streamvault_pool_done_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_pool_t     *pool;
    ngx_http_streamvault_pool_op_t  *op;

    op = ev->data;
    pool = op->pool;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "streamvault %s: op handler, rc:%i",
                   pool->backend->name, op->rc);

    ngx_queue_remove(&op->queue);

    op->state = NGX_HTTP_STREAMVAULT_OP_FINISHING;

    pool->backend->finish(op);
    pool->backend->free(op);
}


static void
ngx_http_streamvault_pool_timer_handler(ngx_event_t *ev)
{
    ngx_http_streamvault_pool_conn_t  *pc;

    pc = ev->data;

    ev->timedout = 0;

    ngx_http_streamvault_pool_failed(pc, 0, "timed out");
}


ngx_http_streamvault_pool_conn_t *
ngx_http_streamvault_pool_event(ngx_event_t *ev)
{
    ngx_connection_t                  *c;
    ngx_http_streamvault_pool_conn_t  *pc;

    c = ev->data;
    pc = c->data;

    if (c->close) {
        ngx_http_streamvault_pool_failed(pc, 0, NULL);
        return NULL;
    }

    return pc;
}


static void
ngx_http_streamvault_pool_idle_handler(ngx_event_t *ev)
{
    char                              *reason;
    ngx_connection_t                  *c;
    ngx_http_streamvault_pool_conn_t  *pc;

    c = ev->data;
    pc = c->data;

    if (c->close) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                       "streamvault %s: idle connection closed at shutdown",
                       pc->pool->backend->name);

        ngx_http_streamvault_pool_close(pc);
        return;
    }

    reason = NULL;

    if (pc->pool->backend->idle(pc, &reason) == NGX_OK) {
        return;
    }

    /* no op waits while a connection idles */

    ngx_http_streamvault_pool_fault(pc, 0, reason);
    ngx_http_streamvault_pool_close(pc);
}


static void
ngx_http_streamvault_pool_dummy_handler(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "streamvault idle dummy handler");
}


ngx_int_t
ngx_http_streamvault_pool_peek(ngx_connection_t *c)
{
    u_char     buf[1];
    ssize_t    n;
    ngx_err_t  err;

    /*
     * what a read would find, without reading it: NGX_OK data, NGX_DONE
     * the end of the stream, NGX_AGAIN nothing yet, NGX_ERROR an error
     */

    n = recv(c->fd, buf, 1, MSG_PEEK);

    if (n > 0) {
        return NGX_OK;
    }

    if (n == 0) {
        return NGX_DONE;
    }

    err = ngx_socket_errno;

    if (err == NGX_EAGAIN) {
        return NGX_AGAIN;
    }

    if (err == NGX_EINTR) {
        return NGX_OK;
    }

    return NGX_ERROR;
}


ngx_uint_t
ngx_http_streamvault_pool_quiet(ngx_http_streamvault_pool_t *pool)
{
    /* whether a fault now would only be counted, not logged */

    return pool->status == NGX_ERROR
           && (ngx_msec_int_t) (pool->log_next - ngx_current_msec) > 0;
}


void
ngx_http_streamvault_pool_free_connection(ngx_connection_t *c)
{
    /*
     * ngx_close_connection() without closing the socket, which its owner
     * (libpq) closes or has closed already; c->fd = -1 makes the events of
     * the socket still queued in this event loop iteration stale
     */

    if (c->read->timer_set) {
        ngx_del_timer(c->read);
    }

    if (c->write->timer_set) {
        ngx_del_timer(c->write);
    }

    if (ngx_del_conn) {
        ngx_del_conn(c, NGX_CLOSE_EVENT);

    } else {
        if (c->read->active || c->read->disabled) {
            ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->write->active || c->write->disabled) {
            ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
        }
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    c->read->closed = 1;
    c->write->closed = 1;

    ngx_reusable_connection(c, 0);

    ngx_free_connection(c);

    c->fd = (ngx_socket_t) -1;
}


static void
ngx_http_streamvault_pool_up(ngx_http_streamvault_pool_t *pool)
{
    if (pool->status == NGX_ERROR) {
        if (pool->suppressed) {
            ngx_log_error(NGX_LOG_NOTICE, &pool->log, 0,
                          "streamvault: %s is available again "
                          "(%ui more faults not logged)",
                          pool->backend->name, pool->suppressed);

        } else {
            ngx_log_error(NGX_LOG_NOTICE, &pool->log, 0,
                          "streamvault: %s is available again",
                          pool->backend->name);
        }
    }

    pool->status = NGX_OK;
    pool->backoff = 0;
    pool->suppressed = 0;
}


static void
ngx_http_streamvault_pool_fault(ngx_http_streamvault_pool_conn_t *pc,
    ngx_err_t err, char *reason)
{
    u_char                       *p, *last;
    ngx_uint_t                    level;
    ngx_http_streamvault_pool_t  *pool;
    u_char                        text[NGX_HTTP_STREAMVAULT_REASON_LEN];
    u_char                        more[sizeof("; more not logged")
                                       + NGX_INT_T_LEN];

    pool = pc->pool;

    if (pc->state == NGX_HTTP_STREAMVAULT_CONN_CONNECTING) {

        /* connects started before an earlier failure do not double it */

        if (pool->backoff == 0) {
            pool->backoff = NGX_HTTP_STREAMVAULT_BACKOFF_MIN;

        } else if (!ngx_http_streamvault_pool_backing_off(pool)) {
            pool->backoff = ngx_min(pool->backoff * 2,
                                    NGX_HTTP_STREAMVAULT_BACKOFF_MAX);
        }

        pool->retry = ngx_current_msec + pool->backoff;
    }

    /* the first fault of an outage is an ERR, then one per interval */

    if (ngx_http_streamvault_pool_quiet(pool)) {
        level = NGX_LOG_DEBUG;
        pool->suppressed++;

    } else {
        level = NGX_LOG_ERR;
        pool->log_next = ngx_current_msec + NGX_HTTP_STREAMVAULT_LOG_INTERVAL;
    }

    pool->status = NGX_ERROR;

    if (pool->log.log_level < level) {
        return;
    }

    /* libpq's messages span lines: one line, control characters as spaces */

    p = text;
    last = text + sizeof(text) - 1;

    while (reason && *reason && p < last) {

        if (*reason >= 0 && *reason < 0x20) {
            if (p > text && p[-1] != ' ') {
                *p++ = ' ';
            }

        } else {
            *p++ = *reason;
        }

        reason++;
    }

    while (p > text && p[-1] == ' ') {
        p--;
    }

    if (err) {
        p = ngx_slprintf(p, last, " (%d: ", err);
        p = ngx_strerror(err, p, last - p);

        if (p < last) {
            *p++ = ')';
        }
    }

    *p = '\0';

    more[0] = '\0';

    if (level == NGX_LOG_ERR && pool->suppressed) {
        ngx_sprintf(more, "; %ui more not logged%Z", pool->suppressed);
        pool->suppressed = 0;
    }

    switch (pc->state) {

    case NGX_HTTP_STREAMVAULT_CONN_CONNECTING:
        ngx_log_error(level, &pool->log, 0,
                      "streamvault: %s connect failed: %s; "
                      "next attempt in %Mms%s",
                      pool->backend->name, text, pool->backoff, more);
        break;

    case NGX_HTTP_STREAMVAULT_CONN_IDLE:
        ngx_log_error(level, &pool->log, 0,
                      "streamvault: %s idle connection closed: %s%s",
                      pool->backend->name, text, more);
        break;

    default: /* NGX_HTTP_STREAMVAULT_CONN_BUSY */
        ngx_log_error(level, &pool->log, 0,
                      "streamvault: %s connection failed: %s%s",
                      pool->backend->name, text, more);
        break;
    }
}


static ngx_uint_t
ngx_http_streamvault_pool_can_connect(ngx_http_streamvault_pool_t *pool)
{
    if (pool->nconns >= pool->conf->size) {
        return 0;
    }

    if (ngx_http_streamvault_pool_backing_off(pool)) {
        return 0;
    }

    /* while the backend is down, one connect at a time finds out */

    if (pool->status == NGX_ERROR && pool->nconnecting) {
        return 0;
    }

    return 1;
}


static ngx_uint_t
ngx_http_streamvault_pool_backing_off(ngx_http_streamvault_pool_t *pool)
{
    return pool->backoff
           && (ngx_msec_int_t) (pool->retry - ngx_current_msec) > 0;
}
