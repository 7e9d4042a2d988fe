
/*
 * StreamVault nginx module: GET /api/events, the Server-Sent Events stream.
 *
 * Each worker process's subscription to the Redis channel
 * streamvault:events (ngx_http_streamvault_subscriber.c) hands every
 * message to this file, which passes it on to the streams it serves, in
 * the order Redis delivered them.  Messages are numbered by their
 * publishers (lib/sv_events.h), so the worker keeps the last ones in a
 * ring and a client that reconnects with Last-Event-ID gets exactly what
 * it missed; when the ring cannot tell, the client is told to fetch
 * everything again ({"type":"reset"}).
 *
 * A stream is never buffered without bound: a client whose unsent frames
 * (those its socket will not take) would hold more than
 * streamvault_events_buffer is closed (it reconnects and catches up from
 * the ring).  A comment every streamvault_events_keepalive keeps proxies
 * from closing an idle stream; after streamvault_events_lifetime the
 * stream ends (the browser reconnects at once, and is authenticated
 * again).  The subscriber's connection is an idle one to nginx, so a
 * reload or stop ends every stream cleanly and the old worker exits
 * without waiting for them; the timers are cancelable.
 *
 * Directives (http; defaults in parentheses):
 *
 *   streamvault_events_keepalive T   a comment after T of silence (15s)
 *   streamvault_events_lifetime T    a stream ends after T (10m)
 *   streamvault_events_buffer N      unsent bytes a client may hold (256k)
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_http.h>

#include <sv_events.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_EVENTS_BUFSIZE     4096
#define NGX_HTTP_STREAMVAULT_EVENTS_RING        1024
#define NGX_HTTP_STREAMVAULT_EVENTS_RING_BYTES  (1024 * 1024)

/* what a stream starts with: a comment at once, and the reconnect delay */
#define NGX_HTTP_STREAMVAULT_EVENTS_HELLO                                    \
    ": streamvault events\nretry: 3000\n\n"
#define NGX_HTTP_STREAMVAULT_EVENTS_PING   ":\n\n"


struct ngx_http_streamvault_events_client_s {
    ngx_queue_t                 queue;
    ngx_http_request_t         *request;
    ngx_chain_t                *out;        /* frames for the next flush */
    ngx_chain_t                *tail;
    ngx_chain_t                *free;
    ngx_chain_t                *busy;       /* given to nginx, unsent */
    ngx_msec_t                  end;        /* of its lifetime */
    ngx_msec_t                  written;    /* when it last got a frame */
    unsigned                    listed:1;
};


typedef void (*ngx_http_streamvault_events_handler_pt)(
    ngx_http_streamvault_events_client_t *client, void *data);


typedef struct {
    unsigned                    stopping:1;

    ngx_queue_t                 clients;
    struct sv_events_ring       ring;
    ngx_event_t                 tick;       /* keep-alives and lifetimes */

    ngx_uint_t                  refused;    /* messages not passed on */
    time_t                      refused_logged;

    ngx_log_t                   log;
    ngx_http_streamvault_main_conf_t  *conf;
} ngx_http_streamvault_events_hub_t;


static ngx_uint_t ngx_http_streamvault_events_running(void);
static ngx_int_t ngx_http_streamvault_events_unavailable(
    ngx_http_request_t *r);
static void ngx_http_streamvault_events_open(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
static ngx_int_t ngx_http_streamvault_events_last_id(ngx_http_request_t *r,
    uint64_t *last);
static void ngx_http_streamvault_events_cleanup(void *data);
static ngx_int_t ngx_http_streamvault_events_append(
    ngx_http_streamvault_events_client_t *client, u_char *data, size_t len);
static ngx_int_t ngx_http_streamvault_events_flush(
    ngx_http_streamvault_events_client_t *client);
static void ngx_http_streamvault_events_writer(ngx_http_request_t *r);
static void ngx_http_streamvault_events_end(
    ngx_http_streamvault_events_client_t *client, ngx_int_t rc);
static void ngx_http_streamvault_events_each(
    ngx_http_streamvault_events_handler_pt handler, void *data);
static ngx_int_t ngx_http_streamvault_events_give(
    ngx_http_streamvault_events_client_t *client, u_char *data, size_t len);
static void ngx_http_streamvault_events_give_frame(
    ngx_http_streamvault_events_client_t *client, void *data);
static void ngx_http_streamvault_events_broadcast(u_char *frame, size_t len);
static void ngx_http_streamvault_events_flush_given(
    ngx_http_streamvault_events_client_t *client, void *data);
static void ngx_http_streamvault_events_tick_one(
    ngx_http_streamvault_events_client_t *client, void *data);
static void ngx_http_streamvault_events_tick(ngx_event_t *ev);

static void ngx_http_streamvault_events_refuse(const char *why);


static ngx_http_streamvault_events_hub_t  *ngx_http_streamvault_events_hub;

/* one frame at a time is formatted here, then copied to each stream */
static u_char  ngx_http_streamvault_events_frame[SV_EVENTS_FRAME_MAX];

static ngx_str_t  ngx_http_streamvault_events_type =
    ngx_string("text/event-stream");


ngx_int_t
ngx_http_streamvault_events_init_process(ngx_cycle_t *cycle)
{
    ngx_http_streamvault_events_hub_t  *ev;
    ngx_http_streamvault_main_conf_t   *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_streamvault_module);

    if (smcf->api_file == NULL || smcf->redis == NULL) {
        return NGX_OK;
    }

    ev = ngx_pcalloc(cycle->pool, sizeof(ngx_http_streamvault_events_hub_t));
    if (ev == NULL) {
        return NGX_ERROR;
    }

    if (!sv_events_ring_init(&ev->ring, NGX_HTTP_STREAMVAULT_EVENTS_RING,
                             NGX_HTTP_STREAMVAULT_EVENTS_RING_BYTES))
    {
        return NGX_ERROR;
    }

    ev->conf = smcf;
    ev->log = *cycle->log;

    ngx_queue_init(&ev->clients);

    ev->tick.handler = ngx_http_streamvault_events_tick;
    ev->tick.data = ev;
    ev->tick.log = &ev->log;
    ev->tick.cancelable = 1;

    ngx_http_streamvault_events_hub = ev;

    return ngx_http_streamvault_subscriber_start(cycle, smcf->redis,
                                          smcf->redis_pool.connect_timeout);
}


void
ngx_http_streamvault_events_exit_process(void)
{
    ngx_http_streamvault_events_hub_t  *ev;

    ev = ngx_http_streamvault_events_hub;

    if (ev == NULL) {
        return;
    }

    ev->stopping = 1;
    ngx_http_streamvault_subscriber_stop();

    sv_events_ring_free(&ev->ring);

    ngx_http_streamvault_events_hub = NULL;
}


static ngx_uint_t
ngx_http_streamvault_events_running(void)
{
    return ngx_http_streamvault_events_hub
           && !ngx_http_streamvault_events_hub->stopping;
}


static ngx_int_t
ngx_http_streamvault_events_unavailable(ngx_http_request_t *r)
{
    return ngx_http_streamvault_send_error(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                           "unavailable",
                                           "the event stream is not running "
                                           "in this worker");
}


/* the route's step: its SQL function says whether the caller may listen */

ngx_int_t
ngx_http_streamvault_events(ngx_http_streamvault_ctx_t *ctx)
{
    if (!ngx_http_streamvault_events_running()) {
        return ngx_http_streamvault_events_unavailable(ctx->request);
    }

    return ngx_http_streamvault_call(ctx,
                  ngx_http_streamvault_statement(ctx->route->function),
                  &ctx->body, NULL, ngx_http_streamvault_events_open);
}


static void
ngx_http_streamvault_events_open(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    size_t                                 n, i, from, size;
    uint64_t                               last;
    ngx_int_t                              rc, asked;
    ngx_table_elt_t                       *h;
    ngx_http_cleanup_t                    *cln;
    ngx_http_request_t                    *r;
    ngx_http_streamvault_events_hub_t     *ev;
    ngx_http_streamvault_events_client_t  *client;
    const struct sv_events_entry          *e;

    r = ctx->request;
    ev = ngx_http_streamvault_events_hub;

    /* the worker may have begun to exit while PostgreSQL answered */

    if (!ngx_http_streamvault_events_running()) {
        ngx_http_streamvault_finish(ctx,
                              ngx_http_streamvault_events_unavailable(r));
        return;
    }

    asked = ngx_http_streamvault_events_last_id(r, &last);

    client = ngx_pcalloc(r->pool,
                         sizeof(ngx_http_streamvault_events_client_t));
    cln = ngx_http_cleanup_add(r, 0);

    if (client == NULL || cln == NULL
        || ngx_http_streamvault_data_headers(r) != NGX_OK)
    {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    client->request = r;
    ctx->events = client;
    cln->handler = ngx_http_streamvault_events_cleanup;
    cln->data = client;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        ngx_http_streamvault_finish(ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    /* a proxy in front must pass each frame on as it comes */

    h->hash = 1;
    ngx_str_set(&h->key, "X-Accel-Buffering");
    ngx_str_set(&h->value, "no");
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = -1;
    r->headers_out.content_type = ngx_http_streamvault_events_type;
    r->headers_out.content_type_len = ngx_http_streamvault_events_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    r->write_event_handler = ngx_http_streamvault_events_writer;

    client->end = ngx_current_msec + ev->conf->events_lifetime;
    client->written = ngx_current_msec;
    client->listed = 1;
    ngx_queue_insert_tail(&ev->clients, &client->queue);

    rc = ngx_http_streamvault_events_append(client,
                            (u_char *) NGX_HTTP_STREAMVAULT_EVENTS_HELLO,
                            sizeof(NGX_HTTP_STREAMVAULT_EVENTS_HELLO) - 1);

    /*
     * what it missed, or that it must fetch everything again: also when
     * what it missed would not fit its buffer (it would be closed, and
     * come back for the same)
     */

    if (asked == NGX_OK) {
        size = NGX_MAX_SIZE_T_VALUE;

        if (sv_events_ring_replay(&ev->ring, last, &from)) {
            for (size = 0, i = from; i < ev->ring.count; i++) {
                size += sv_events_ring_at(&ev->ring, i)->len;
            }
        }

        if (size > ev->conf->events_buffer / 2) {
            asked = NGX_ERROR;
        }
    }

    if (asked != NGX_DECLINED && rc == NGX_OK) {

        if (asked == NGX_OK) {
            for (i = from; i < ev->ring.count && rc == NGX_OK; i++) {
                e = sv_events_ring_at(&ev->ring, i);
                rc = ngx_http_streamvault_events_append(client,
                                                (u_char *) e->frame, e->len);
            }

            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "streamvault events: replayed %uz after %uL",
                           ev->ring.count - from, last);

        } else {
            n = sv_events_reset_frame(
                            (char *) ngx_http_streamvault_events_frame,
                            sv_events_ring_newest(&ev->ring));
            rc = ngx_http_streamvault_events_append(client,
                                        ngx_http_streamvault_events_frame, n);
        }
    }

    if (rc == NGX_ABORT) {
        return;
    }

    if (rc != NGX_OK) {
        ngx_http_streamvault_events_end(client, NGX_HTTP_CLOSE);
        return;
    }

    if (!ev->tick.timer_set) {
        ngx_add_timer(&ev->tick, ev->conf->events_keepalive);
    }

    (void) ngx_http_streamvault_events_flush(client);
}


/* NGX_OK with the id, NGX_DECLINED when none was sent, NGX_ERROR if bad */

static ngx_int_t
ngx_http_streamvault_events_last_id(ngx_http_request_t *r, uint64_t *last)
{
    ngx_table_elt_t  *h;

    static ngx_str_t  name = ngx_string("Last-Event-ID");

    h = ngx_http_streamvault_header_in(r, &name);

    if (h == NULL || h->value.len == 0) {
        return NGX_DECLINED;
    }

    return sv_events_parse_id((char *) h->value.data, h->value.len, last)
           ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_streamvault_events_cleanup(void *data)
{
    ngx_http_streamvault_events_client_t  *client = data;

    if (client->listed) {
        ngx_queue_remove(&client->queue);
        client->listed = 0;
    }
}


/*
 * Copies a frame into the client's buffers, joining it to what waits for
 * the next flush.  When they are full, what they hold is sent first: only
 * what the socket refuses counts, so a burst larger than the buffer
 * reaches a client that reads.  NGX_DECLINED when the client still holds
 * as much unsent as it may: it is too slow to be kept; NGX_ABORT when
 * sending ended the stream.
 */

static ngx_int_t
ngx_http_streamvault_events_append(
    ngx_http_streamvault_events_client_t *client, u_char *data, size_t len)
{
    size_t               n, room;
    ngx_buf_t           *b;
    ngx_uint_t           held, max;
    ngx_chain_t         *cl;
    ngx_http_request_t  *r;

    r = client->request;

    max = ngx_max(ngx_http_streamvault_events_hub->conf->events_buffer
                  / NGX_HTTP_STREAMVAULT_EVENTS_BUFSIZE, 1);

    while (len) {

        if (client->tail) {
            b = client->tail->buf;
            room = b->end - b->last;

            if (room) {
                n = ngx_min(room, len);
                b->last = ngx_cpymem(b->last, data, n);
                data += n;
                len -= n;
                continue;
            }
        }

        held = 0;

        for (cl = client->busy; cl; cl = cl->next) {
            held++;
        }

        for (cl = client->out; cl; cl = cl->next) {
            held++;
        }

        if (held >= max) {

            if (client->out == NULL) {
                return NGX_DECLINED;
            }

            if (ngx_http_streamvault_events_flush(client) != NGX_OK) {
                return NGX_ABORT;
            }

            continue;
        }

        cl = ngx_chain_get_free_buf(r->pool, &client->free);
        if (cl == NULL) {
            return NGX_ERROR;
        }

        b = cl->buf;

        if (b->start == NULL) {
            b->start = ngx_palloc(r->pool, NGX_HTTP_STREAMVAULT_EVENTS_BUFSIZE);
            if (b->start == NULL) {
                return NGX_ERROR;
            }

            b->end = b->start + NGX_HTTP_STREAMVAULT_EVENTS_BUFSIZE;
            b->tag = (ngx_buf_tag_t) &ngx_streamvault_module;
            b->temporary = 1;
        }

        b->pos = b->start;
        b->last = b->start;
        b->flush = 0;

        if (client->tail) {
            client->tail->next = cl;

        } else {
            client->out = cl;
        }

        client->tail = cl;
    }

    client->written = ngx_current_msec;

    return NGX_OK;
}


/* NGX_ERROR when sending failed and the stream was ended */

static ngx_int_t
ngx_http_streamvault_events_flush(ngx_http_streamvault_events_client_t *client)
{
    ngx_int_t                  rc;
    ngx_event_t               *wev;
    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_core_loc_conf_t  *clcf;

    r = client->request;
    c = r->connection;
    wev = c->write;

    if (client->tail) {
        client->tail->buf->flush = 1;
    }

    rc = ngx_http_output_filter(r, client->out);

    ngx_chain_update_chains(r->pool, &client->free, &client->busy,
                            &client->out,
                            (ngx_buf_tag_t) &ngx_streamvault_module);
    client->tail = NULL;

    if (rc == NGX_ERROR) {
        ngx_http_streamvault_events_end(client, NGX_ERROR);
        return NGX_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (client->busy || c->buffered) {
        if (!wev->delayed) {
            ngx_add_timer(wev, clcf->send_timeout);
        }

        if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK) {
            ngx_http_streamvault_events_end(client, NGX_ERROR);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    if (wev->timer_set) {
        ngx_del_timer(wev);
    }

    return NGX_OK;
}


static void
ngx_http_streamvault_events_writer(ngx_http_request_t *r)
{
    ngx_connection_t            *c;
    ngx_http_streamvault_ctx_t  *ctx;

    c = r->connection;

    if (c->write->timedout) {
        ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                      "streamvault: events client timed out");
        c->timedout = 1;
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
        return;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_streamvault_module);

    (void) ngx_http_streamvault_events_flush(ctx->events);
}


/*
 * The end of a stream: NGX_OK ends it as an HTTP response ends, so the
 * browser reconnects at once; NGX_HTTP_CLOSE or NGX_ERROR close it.
 */

static void
ngx_http_streamvault_events_end(ngx_http_streamvault_events_client_t *client,
    ngx_int_t rc)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = client->request;
    c = r->connection;

    ngx_http_streamvault_events_cleanup(client);

    if (rc == NGX_OK) {
        if (client->out) {
            ngx_http_output_filter(r, client->out);
            client->out = NULL;
            client->tail = NULL;
        }

        rc = ngx_http_send_special(r, NGX_HTTP_LAST);
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


/*
 * Calls handler for every stream; a handler may end its stream (the next
 * one is taken before).
 */

static void
ngx_http_streamvault_events_each(
    ngx_http_streamvault_events_handler_pt handler, void *data)
{
    ngx_queue_t                           *q, *next;
    ngx_http_streamvault_events_client_t  *client;

    for (q = ngx_queue_head(&ngx_http_streamvault_events_hub->clients);
         q != ngx_queue_sentinel(&ngx_http_streamvault_events_hub->clients);
         q = next)
    {
        next = ngx_queue_next(q);
        client = ngx_queue_data(q, ngx_http_streamvault_events_client_t,
                                queue);
        handler(client, data);
    }
}


/* a frame joined to what a stream is sent next; too slow a stream ends */

static ngx_int_t
ngx_http_streamvault_events_give(ngx_http_streamvault_events_client_t *client,
    u_char *data, size_t len)
{
    ngx_int_t  rc;

    rc = ngx_http_streamvault_events_append(client, data, len);

    if (rc == NGX_OK) {
        return NGX_OK;
    }

    if (rc == NGX_ABORT) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, client->request->connection->log, 0,
                      "streamvault: events client too slow, closed");
    }

    ngx_http_streamvault_events_end(client, NGX_HTTP_CLOSE);

    return NGX_ERROR;
}


static void
ngx_http_streamvault_events_give_frame(
    ngx_http_streamvault_events_client_t *client, void *data)
{
    ngx_str_t  *frame = data;

    (void) ngx_http_streamvault_events_give(client, frame->data, frame->len);
}


/* a frame to every stream; they are flushed once the batch is read */

static void
ngx_http_streamvault_events_broadcast(u_char *frame, size_t len)
{
    ngx_str_t  f;

    f.data = frame;
    f.len = len;

    ngx_http_streamvault_events_each(ngx_http_streamvault_events_give_frame,
                                     &f);
}


static void
ngx_http_streamvault_events_flush_given(
    ngx_http_streamvault_events_client_t *client, void *data)
{
    if (client->out) {
        (void) ngx_http_streamvault_events_flush(client);
    }
}


void
ngx_http_streamvault_events_flush_all(void)
{
    ngx_http_streamvault_events_each(ngx_http_streamvault_events_flush_given,
                                     NULL);
}


/* a stream past its lifetime ends; a silent one gets a comment */

static void
ngx_http_streamvault_events_tick_one(
    ngx_http_streamvault_events_client_t *client, void *data)
{
    ngx_msec_t  now;

    now = ngx_current_msec;

    if ((ngx_msec_int_t) (now - client->end) >= 0) {
        ngx_http_streamvault_events_end(client, NGX_OK);
        return;
    }

    if (now - client->written
        < ngx_http_streamvault_events_hub->conf->events_keepalive / 2)
    {
        return;
    }

    if (ngx_http_streamvault_events_give(client,
                                (u_char *) NGX_HTTP_STREAMVAULT_EVENTS_PING,
                                sizeof(NGX_HTTP_STREAMVAULT_EVENTS_PING) - 1)
        == NGX_OK)
    {
        (void) ngx_http_streamvault_events_flush(client);
    }
}


static void
ngx_http_streamvault_events_tick(ngx_event_t *tev)
{
    ngx_http_streamvault_events_hub_t  *ev;

    ev = tev->data;

    ngx_http_streamvault_events_each(ngx_http_streamvault_events_tick_one,
                                     NULL);

    if (!ngx_queue_empty(&ev->clients)) {
        ngx_add_timer(tev, ev->conf->events_keepalive);
    }
}


/* --- what the subscriber hands over ----------------------------------------- */


/* a message of the channel, from the subscriber */

void
ngx_http_streamvault_events_message(u_char *data, size_t len)
{
    size_t                              n;
    uint64_t                            seq, newest;
    ngx_http_streamvault_events_hub_t  *ev;

    ev = ngx_http_streamvault_events_hub;

    if (!sv_events_message_fits((char *) data, len)
        || ngx_http_streamvault_json_check(data, len) != NGX_OK)
    {
        ngx_http_streamvault_events_refuse("not a JSON object on one line");
        return;
    }

    if (!sv_events_message_seq((char *) data, len, &seq)) {
        n = sv_events_frame((char *) ngx_http_streamvault_events_frame, 0,
                            (char *) data, len);
        ngx_http_streamvault_events_broadcast(ngx_http_streamvault_events_frame,
                                              n);
        return;
    }

    n = sv_events_frame((char *) ngx_http_streamvault_events_frame, seq,
                        (char *) data, len);

    newest = sv_events_ring_newest(&ev->ring);

    if (!sv_events_ring_push(&ev->ring, seq,
                             (char *) ngx_http_streamvault_events_frame, n))
    {
        ngx_log_error(NGX_LOG_CRIT, &ev->log, 0,
                      "streamvault: events ring: out of memory");
    }

    /* numbers skipped: some were missed; every stream starts again here */

    if (newest && seq != newest + 1) {
        ngx_log_error(NGX_LOG_WARN, &ev->log, 0,
                      "streamvault: events %uL to %uL were missed, streams "
                      "told to fetch everything again", newest + 1, seq - 1);

        n = sv_events_reset_frame((char *) ngx_http_streamvault_events_frame,
                                  seq);
    }

    ngx_http_streamvault_events_broadcast(ngx_http_streamvault_events_frame, n);
}


/*
 * The subscription was made again (again: after a loss), when the
 * publishers' counter stood at published.  Unless that is the newest event
 * held, some were published while it was away (or the counter was reset):
 * every stream fetches everything again, and the ring starts afresh, so
 * no Last-Event-ID from before is answered as if nothing was missed.
 */

void
ngx_http_streamvault_events_subscribed(ngx_uint_t again, uint64_t published)
{
    size_t                              n;
    ngx_http_streamvault_events_hub_t  *ev;

    ev = ngx_http_streamvault_events_hub;

    if (!again
        || (ev->ring.count && sv_events_ring_newest(&ev->ring) == published))
    {
        return;
    }

    sv_events_ring_clear(&ev->ring);

    n = sv_events_reset_frame((char *) ngx_http_streamvault_events_frame,
                              published);
    ngx_http_streamvault_events_broadcast(ngx_http_streamvault_events_frame, n);
}


/* hostile or broken publishers: counted, and logged once a minute */

static void
ngx_http_streamvault_events_refuse(const char *why)
{
    ngx_http_streamvault_events_hub_t  *ev;

    ev = ngx_http_streamvault_events_hub;
    ev->refused++;

    if (ngx_time() - ev->refused_logged < 60) {
        return;
    }

    ngx_log_error(NGX_LOG_WARN, &ev->log, 0,
                  "streamvault: a message on "
                  SV_EVENTS_CHANNEL
                  " was not passed on: %s (%ui so far)", why, ev->refused);

    ev->refused_logged = ngx_time();
}


/* the worker exits: every stream ends as a response ends */

void
ngx_http_streamvault_events_stop(void)
{
    ngx_queue_t                           *q;
    ngx_http_streamvault_events_hub_t     *ev;
    ngx_http_streamvault_events_client_t  *client;

    ev = ngx_http_streamvault_events_hub;
    ev->stopping = 1;

    while (!ngx_queue_empty(&ev->clients)) {
        q = ngx_queue_head(&ev->clients);
        client = ngx_queue_data(q, ngx_http_streamvault_events_client_t,
                                queue);
        ngx_http_streamvault_events_end(client, NGX_OK);
    }

    if (ev->tick.timer_set) {
        ngx_del_timer(&ev->tick);
    }
}
