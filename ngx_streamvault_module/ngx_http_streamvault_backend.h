
/*
 * StreamVault nginx module: the non-blocking PostgreSQL and Redis clients,
 * one pool of each per worker process (ngx_http_streamvault_pool.c,
 * ngx_http_streamvault_pg.c, ngx_http_streamvault_redis.c).
 *
 * An operation ("op") is its own allocation, not in a request's pool: the
 * requester passes a handler and its own data, and the handler is called
 * exactly once, always from the event loop and never from inside _send(),
 * unless the requester detaches the op first (a client abort), after which
 * it is never called.  Any pointer the requester keeps to the op is invalid
 * once the handler has been called or the op has been detached.
 *
 *   rc NGX_OK     the backend answered: a PGresult (PGRES_TUPLES_OK,
 *                 PGRES_COMMAND_OK, or PGRES_FATAL_ERROR with the server's
 *                 SQLSTATE) or a redisReply (possibly REDIS_REPLY_ERROR);
 *                 it is freed after the handler returns
 *   rc NGX_BUSY   the pool is exhausted and its wait queue full, or the op
 *                 waited in the queue longer than the queue timeout
 *   rc NGX_ERROR  the backend is unavailable: the connect failed or the
 *                 pool is backing off after failed connects, the
 *                 connection was lost, or the client-side timeout expired;
 *                 the result is NULL
 */


#ifndef _NGX_HTTP_STREAMVAULT_BACKEND_H_INCLUDED_
#define _NGX_HTTP_STREAMVAULT_BACKEND_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>

#include <libpq-fe.h>
#include <hiredis/hiredis.h>


/* the limits of one pool, from the streamvault_postgres_* directives */

typedef struct {
    ngx_uint_t                  size;             /* connections */
    ngx_uint_t                  queue;            /* waiting ops */
    ngx_msec_t                  queue_timeout;
    ngx_msec_t                  connect_timeout;
    ngx_msec_t                  timeout;          /* of one op */
} ngx_http_streamvault_pool_conf_t;


/* PostgreSQL */

typedef struct ngx_http_streamvault_pg_op_s  ngx_http_streamvault_pg_op_t;

typedef void (*ngx_http_streamvault_pg_handler_pt)(void *data, ngx_int_t rc,
    PGresult *res);

/*
 * Adds an SQL text with one parameter, $1, to the statements of the main
 * configuration; returns its number for _pg_send(), or NGX_ERROR.  Called
 * while the configuration is read (e.g. at postconfiguration).
 */
ngx_int_t ngx_http_streamvault_pg_add_statement(ngx_conf_t *cf,
    ngx_str_t *sql);

/*
 * Runs statement "stmt" with one parameter in text format (len bytes,
 * copied; no NUL byte in it), the result in text format.  Never blocks.
 * Returns the op, or NULL if it could not be allocated.
 */
ngx_http_streamvault_pg_op_t *ngx_http_streamvault_pg_send(ngx_log_t *log,
    ngx_uint_t stmt, u_char *param, size_t len,
    ngx_http_streamvault_pg_handler_pt handler, void *data);

/*
 * The requester is gone: the handler is never called; a waiting op is
 * dropped, one in flight is drained and its connection kept.  Allowed from
 * inside the op's own handler (then it does nothing).
 */
void ngx_http_streamvault_pg_detach(ngx_http_streamvault_pg_op_t *op);

/* without I/O: NGX_OK up, NGX_ERROR down, NGX_DECLINED not tried yet */
ngx_int_t ngx_http_streamvault_pg_status(void);

/* connections that LISTEN for changes now (the API cache needs one) */
ngx_uint_t ngx_http_streamvault_pg_listening(void);

/* ngx_http_streamvault_cache.c: a change was heard, or may have been missed */
void ngx_http_streamvault_cache_invalidate(void);
void ngx_http_streamvault_cache_free(void);


/* Redis */

typedef struct ngx_http_streamvault_redis_op_s
    ngx_http_streamvault_redis_op_t;

typedef void (*ngx_http_streamvault_redis_handler_pt)(void *data,
    ngx_int_t rc, redisReply *reply);

/*
 * Sends one command; argv and argvlen as for redisFormatCommandArgv(), the
 * command is formatted (copied) at once.  Never blocks.  Returns the op, or
 * NULL if it could not be allocated.
 */
ngx_http_streamvault_redis_op_t *ngx_http_streamvault_redis_send(
    ngx_log_t *log, int argc, const char **argv, const size_t *argvlen,
    ngx_http_streamvault_redis_handler_pt handler, void *data);

void ngx_http_streamvault_redis_detach(ngx_http_streamvault_redis_op_t *op);

ngx_int_t ngx_http_streamvault_redis_status(void);

/* A connection of one's own to Redis (the event subscriber's) */
ngx_int_t ngx_http_streamvault_redis_connect_peer(ngx_peer_connection_t *peer,
    ngx_url_t *u, ngx_log_t *log, ngx_err_t *err);


/* ngx_http_streamvault_module.c: the worker's pools */

ngx_int_t ngx_http_streamvault_pg_init_process(ngx_cycle_t *cycle);
void ngx_http_streamvault_pg_exit_process(ngx_cycle_t *cycle);
ngx_int_t ngx_http_streamvault_redis_init_process(ngx_cycle_t *cycle);
void ngx_http_streamvault_redis_exit_process(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_STREAMVAULT_BACKEND_H_INCLUDED_ */
