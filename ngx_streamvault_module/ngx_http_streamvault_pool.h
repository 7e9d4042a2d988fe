
/*
 * StreamVault nginx module: what the PostgreSQL and the Redis pools have in
 * common (ngx_http_streamvault_pool.c): connections opened on demand up to
 * the pool size, a bounded FIFO wait queue, ops that outlive requests,
 * timers per phase, reconnects with backoff, rate-limited fault logging,
 * idle connections watched for their close and closed at worker shutdown.
 *
 * A backend (ngx_http_streamvault_pg.c, ngx_http_streamvault_redis.c)
 * embeds the core's connection and op structures as the first member of
 * its own, and drives its sockets; it reports to the core with
 * _pool_connected(), _pool_done() and _pool_failed().  These end what the
 * backend was doing with the connection: nothing of it is touched after.
 */


#ifndef _NGX_HTTP_STREAMVAULT_POOL_H_INCLUDED_
#define _NGX_HTTP_STREAMVAULT_POOL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_http_streamvault_backend.h"


typedef struct ngx_http_streamvault_pool_s  ngx_http_streamvault_pool_t;
typedef struct ngx_http_streamvault_pool_conn_s
    ngx_http_streamvault_pool_conn_t;
typedef struct ngx_http_streamvault_pool_op_s
    ngx_http_streamvault_pool_op_t;


typedef enum {
    NGX_HTTP_STREAMVAULT_CONN_CONNECTING = 0,
    NGX_HTTP_STREAMVAULT_CONN_IDLE,
    NGX_HTTP_STREAMVAULT_CONN_BUSY
} ngx_http_streamvault_conn_state_e;


typedef enum {
    NGX_HTTP_STREAMVAULT_OP_NEW = 0,
    NGX_HTTP_STREAMVAULT_OP_WAITING,      /* in the wait queue */
    NGX_HTTP_STREAMVAULT_OP_CONNECTING,   /* waits for its own connection */
    NGX_HTTP_STREAMVAULT_OP_ACTIVE,       /* in flight */
    NGX_HTTP_STREAMVAULT_OP_DONE,         /* its handler is posted */
    NGX_HTTP_STREAMVAULT_OP_FINISHING     /* its handler runs */
} ngx_http_streamvault_op_state_e;


typedef struct {
    char        *name;                    /* "postgres", "redis" */

    /* starts connecting; ends with _connected() or _failed() */
    void       (*connect)(ngx_http_streamvault_pool_conn_t *pc);

    /* sends pc->op; ends with _done() or _failed() */
    void       (*send)(ngx_http_streamvault_pool_conn_t *pc);

    /*
     * checks an idle connection without blocking, reading what the server
     * sent; NGX_OK if it can be used, else NGX_ERROR and why in *reason
     */
    ngx_int_t  (*idle)(ngx_http_streamvault_pool_conn_t *pc, char **reason);

    /* frees the backend's part of a connection and its socket */
    void       (*close)(ngx_http_streamvault_pool_conn_t *pc);

    /* calls the requester's handler with op->rc and op->result */
    void       (*finish)(ngx_http_streamvault_pool_op_t *op);

    /* frees op->result and the op */
    void       (*free)(ngx_http_streamvault_pool_op_t *op);
} ngx_http_streamvault_pool_backend_t;


struct ngx_http_streamvault_pool_conn_s {
    ngx_queue_t                           queue;     /* idle or busy */
    ngx_http_streamvault_pool_t          *pool;
    ngx_connection_t                     *connection;
    ngx_http_streamvault_pool_op_t       *op;
    ngx_event_t                           timer;     /* connect, op */
    ngx_http_streamvault_conn_state_e     state;
};


struct ngx_http_streamvault_pool_op_s {
    ngx_queue_t                           queue;     /* waiting or done */
    ngx_event_t                           event;     /* wait timer, posted */
    ngx_http_streamvault_pool_t          *pool;
    ngx_http_streamvault_pool_conn_t     *conn;
    ngx_log_t                            *log;
    void                                 *data;      /* the requester's */
    void                                 *result;
    ngx_int_t                             rc;
    ngx_http_streamvault_op_state_e       state;
    unsigned                              detached:1;
};


struct ngx_http_streamvault_pool_s {
    ngx_http_streamvault_pool_backend_t  *backend;
    ngx_http_streamvault_pool_conf_t     *conf;
    void                                 *data;      /* the backend's */
    size_t                                conn_size;
    ngx_msec_t                            timeout;   /* of one op */

    /* a copy of the cycle's log, quietened around noisy connects */
    ngx_log_t                             log;

    ngx_queue_t                           idle;      /* connections */
    ngx_queue_t                           busy;      /* and connecting */
    ngx_queue_t                           waiting;   /* ops */
    ngx_queue_t                           done;      /* ops posted */

    ngx_uint_t                            nconns;
    ngx_uint_t                            nconnecting;
    ngx_uint_t                            nwaiting;

    ngx_int_t                             status;
    ngx_msec_t                            backoff;   /* 0: not backing off */
    ngx_msec_t                            retry;     /* when it ends */
    ngx_msec_t                            log_next;  /* the next ERR line */
    ngx_uint_t                            suppressed;

    unsigned                              configured:1;
};


ngx_http_streamvault_pool_t *ngx_http_streamvault_pool_create(
    ngx_cycle_t *cycle, ngx_http_streamvault_pool_backend_t *backend,
    ngx_http_streamvault_pool_conf_t *conf, size_t conn_size);
void ngx_http_streamvault_pool_destroy(ngx_http_streamvault_pool_t *pool);

void ngx_http_streamvault_pool_op_init(ngx_http_streamvault_pool_t *pool,
    ngx_http_streamvault_pool_op_t *op, ngx_log_t *log, void *data);
void ngx_http_streamvault_pool_submit(ngx_http_streamvault_pool_op_t *op);
void ngx_http_streamvault_pool_fail_op(ngx_http_streamvault_pool_op_t *op,
    ngx_int_t rc);
void ngx_http_streamvault_pool_detach(ngx_http_streamvault_pool_op_t *op);

void ngx_http_streamvault_pool_connected(
    ngx_http_streamvault_pool_conn_t *pc);
void ngx_http_streamvault_pool_done(ngx_http_streamvault_pool_conn_t *pc,
    ngx_int_t rc, void *result, ngx_uint_t keep);
void ngx_http_streamvault_pool_failed(ngx_http_streamvault_pool_conn_t *pc,
    ngx_err_t err, char *reason);

ngx_int_t ngx_http_streamvault_pool_peek(ngx_connection_t *c);

/*
 * The connection an event of a busy or connecting connection is for, or
 * NULL when nginx closes it (worker shutdown): then the pool was told, and
 * the backend's handler has nothing left to do.
 */
ngx_http_streamvault_pool_conn_t *ngx_http_streamvault_pool_event(
    ngx_event_t *ev);
ngx_uint_t ngx_http_streamvault_pool_quiet(ngx_http_streamvault_pool_t *pool);
void ngx_http_streamvault_pool_free_connection(ngx_connection_t *c);


#endif /* _NGX_HTTP_STREAMVAULT_POOL_H_INCLUDED_ */
