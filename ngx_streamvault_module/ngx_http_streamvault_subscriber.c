
/*
 * StreamVault nginx module: each worker process's subscription to the
 * Redis channel streamvault:events, which feeds GET /api/events
 * (ngx_http_streamvault_events.c).
 *
 * A connection of its own (not the command pool's: a subscribed
 * connection takes no other command), owned by nginx like the pool's,
 * hiredis only formatting the commands and parsing what comes.  Lost, it
 * is made again after 100ms, doubling to 5s; its loss is logged once, and
 * its return.  Each time, the publishers' counter is read in the same
 * write as SUBSCRIBE, so what was published while it was away is known
 * even when nothing is published after (ngx_http_streamvault_events.c
 * compares it with the newest event it holds).  It counts as idle to
 * nginx, so a reload or stop calls its handler with c->close set
 * (ngx_close_idle_connections()), which ends every stream; its timers are
 * cancelable, so it never keeps an exiting worker.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_event_connect.h>
#include <ngx_http.h>

#include <sv_events.h>

#include "ngx_http_streamvault.h"


#define NGX_HTTP_STREAMVAULT_SUBSCRIBER_READ_MAX   (1024 * 1024)
#define NGX_HTTP_STREAMVAULT_SUBSCRIBER_RETRY_MIN  100
#define NGX_HTTP_STREAMVAULT_SUBSCRIBER_RETRY_MAX  5000


typedef struct {
    ngx_peer_connection_t       peer;
    redisReader                *reader;
    u_char                     *cmd;        /* GET counter, SUBSCRIBE */
    size_t                      cmd_len;
    size_t                      sent;
    uint64_t                    published;  /* the counter, as subscribing */

    ngx_event_t                 retry;
    ngx_msec_t                  backoff;
    ngx_uint_t                  failures;   /* since it last subscribed */
    unsigned                    subscribed:1;
    unsigned                    counted:1;  /* the GET answered */
    unsigned                    stopping:1;

    ngx_url_t                  *redis;
    ngx_msec_t                  connect_timeout;
    ngx_log_t                   log;
} ngx_http_streamvault_subscriber_t;


static void ngx_http_streamvault_subscriber_connect(ngx_event_t *ev);
static void ngx_http_streamvault_subscriber_send(ngx_event_t *wev);
static void ngx_http_streamvault_subscriber_read(ngx_event_t *rev);
static void ngx_http_streamvault_subscriber_reply(redisReply *reply);
static void ngx_http_streamvault_subscriber_failed(ngx_err_t err,
    const char *reason);
static void ngx_http_streamvault_subscriber_close(void);
static void ngx_http_streamvault_subscriber_dummy(ngx_event_t *ev);


static ngx_http_streamvault_subscriber_t  *ngx_http_streamvault_subscriber;


ngx_int_t
ngx_http_streamvault_subscriber_start(ngx_cycle_t *cycle, ngx_url_t *redis,
    ngx_msec_t connect_timeout)
{
    int                                 get_len, subscribe_len;
    char                               *get, *subscribe;
    ngx_http_streamvault_subscriber_t  *sub;

    sub = ngx_pcalloc(cycle->pool, sizeof(ngx_http_streamvault_subscriber_t));
    if (sub == NULL) {
        return NGX_ERROR;
    }

    get_len = redisFormatCommand(&get, "GET %s", SV_EVENTS_SEQ_KEY);
    if (get_len < 0) {
        return NGX_ERROR;
    }

    subscribe_len = redisFormatCommand(&subscribe, "SUBSCRIBE %s",
                                       SV_EVENTS_CHANNEL);
    if (subscribe_len < 0) {
        redisFreeCommand(get);
        return NGX_ERROR;
    }

    sub->cmd_len = get_len + subscribe_len;
    sub->cmd = ngx_pnalloc(cycle->pool, sub->cmd_len);

    if (sub->cmd != NULL) {
        ngx_memcpy(ngx_cpymem(sub->cmd, get, get_len), subscribe,
                   subscribe_len);
    }

    redisFreeCommand(get);
    redisFreeCommand(subscribe);

    if (sub->cmd == NULL) {
        return NGX_ERROR;
    }

    sub->redis = redis;
    sub->connect_timeout = connect_timeout;
    sub->log = *cycle->log;
    sub->backoff = NGX_HTTP_STREAMVAULT_SUBSCRIBER_RETRY_MIN;

    sub->retry.handler = ngx_http_streamvault_subscriber_connect;
    sub->retry.data = sub;
    sub->retry.log = &sub->log;
    sub->retry.cancelable = 1;

    ngx_http_streamvault_subscriber = sub;

    ngx_http_streamvault_subscriber_connect(&sub->retry);

    return NGX_OK;
}


void
ngx_http_streamvault_subscriber_stop(void)
{
    ngx_http_streamvault_subscriber_t  *sub;

    sub = ngx_http_streamvault_subscriber;

    if (sub == NULL) {
        return;
    }

    sub->stopping = 1;
    ngx_http_streamvault_subscriber_close();

    ngx_http_streamvault_subscriber = NULL;
}


static void
ngx_http_streamvault_subscriber_connect(ngx_event_t *ev)
{
    ngx_int_t                           rc;
    ngx_err_t                           err;
    ngx_connection_t                   *c;
    ngx_http_streamvault_subscriber_t  *sub;

    sub = ev->data;

    if (sub->stopping || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    sub->reader = redisReaderCreate();
    if (sub->reader == NULL) {
        ngx_http_streamvault_subscriber_failed(0, "out of memory");
        return;
    }

    rc = ngx_http_streamvault_redis_connect_peer(&sub->peer, sub->redis,
                                                 &sub->log, &err);

    if (rc == NGX_ERROR || rc == NGX_DECLINED || rc == NGX_BUSY) {
        ngx_http_streamvault_subscriber_failed(rc == NGX_DECLINED ? err : 0,
                                               "connect() failed");
        return;
    }

    c = sub->peer.connection;
    c->data = sub;
    c->idle = 1;

    c->read->handler = ngx_http_streamvault_subscriber_read;
    c->write->handler = ngx_http_streamvault_subscriber_send;
    c->write->cancelable = 1;

    sub->sent = 0;
    sub->counted = 0;
    sub->published = 0;

    if (rc == NGX_AGAIN) {
        ngx_add_timer(c->write, sub->connect_timeout);
        return;
    }

    ngx_http_streamvault_subscriber_send(c->write);
}


static void
ngx_http_streamvault_subscriber_send(ngx_event_t *wev)
{
    ssize_t                             n;
    ngx_connection_t                   *c;
    ngx_http_streamvault_subscriber_t  *sub;

    c = wev->data;
    sub = c->data;

    if (wev->timedout) {
        ngx_http_streamvault_subscriber_failed(NGX_ETIMEDOUT,
                                               "connect() failed");
        return;
    }

    while (sub->sent < sub->cmd_len) {
        n = c->send(c, sub->cmd + sub->sent, sub->cmd_len - sub->sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_streamvault_subscriber_failed(0,
                                                    "cannot wait for events");
            }

            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_streamvault_subscriber_failed(0, "send() failed");
            return;
        }

        sub->sent += n;
    }

    if (wev->timer_set) {
        ngx_del_timer(wev);
    }

    wev->handler = ngx_http_streamvault_subscriber_dummy;

    if (ngx_handle_write_event(wev, 0) != NGX_OK) {
        ngx_http_streamvault_subscriber_failed(0, "cannot wait for events");
        return;
    }

    ngx_http_streamvault_subscriber_read(c->read);
}


/*
 * Everything that arrived is parsed and handed on, then the streams are
 * flushed once: frames that came together leave together.
 */

static void
ngx_http_streamvault_subscriber_read(ngx_event_t *rev)
{
    void                               *reply;
    ssize_t                             n;
    const char                         *error;
    ngx_connection_t                   *c;
    ngx_http_streamvault_subscriber_t  *sub;
    u_char                              buf[16384];

    c = rev->data;
    sub = c->data;

    if (c->close) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, &sub->log, 0,
                       "streamvault subscriber: worker exits");
        ngx_http_streamvault_events_stop();
        ngx_http_streamvault_subscriber_stop();
        return;
    }

    error = NULL;

    for ( ;; ) {

        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            error = n ? "recv() failed" : "closed by the server";
            break;
        }

        if (redisReaderFeed(sub->reader, (char *) buf, n) != REDIS_OK) {
            error = sub->reader->errstr;
            break;
        }

        for ( ;; ) {
            reply = NULL;

            if (redisReaderGetReply(sub->reader, &reply) != REDIS_OK) {
                error = sub->reader->errstr;
                break;
            }

            if (reply == NULL) {
                break;
            }

            ngx_http_streamvault_subscriber_reply(reply);
            freeReplyObject(reply);
        }

        /* a message is bounded: a huge one is dropped with the connection */

        if (error == NULL
            && sub->reader->len - sub->reader->pos
               > NGX_HTTP_STREAMVAULT_SUBSCRIBER_READ_MAX)
        {
            error = "a message larger than 1 MiB";
        }

        if (error) {
            break;
        }
    }

    ngx_http_streamvault_events_flush_all();

    if (error) {
        ngx_http_streamvault_subscriber_failed(0, error);
        return;
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_streamvault_subscriber_failed(0, "cannot wait for events");
    }
}


static void
ngx_http_streamvault_subscriber_reply(redisReply *reply)
{
    redisReply                         **e;
    ngx_http_streamvault_subscriber_t   *sub;

    sub = ngx_http_streamvault_subscriber;

    /* the counter comes first; none (or not a number) counts as 0 */

    if (!sub->counted) {
        sub->counted = 1;

        if (reply->type != REDIS_REPLY_STRING
            || !sv_events_parse_id(reply->str, reply->len, &sub->published))
        {
            sub->published = 0;
        }

        return;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING)
    {
        ngx_log_error(NGX_LOG_ALERT, &sub->log, 0,
                      "streamvault: events subscription got a reply of "
                      "type %d", reply->type);
        return;
    }

    e = reply->element;

    if (ngx_strcmp(e[0]->str, "message") == 0
        && e[2]->type == REDIS_REPLY_STRING)
    {
        ngx_http_streamvault_events_message((u_char *) e[2]->str, e[2]->len);
        return;
    }

    if (ngx_strcmp(e[0]->str, "subscribe") != 0) {
        return;
    }

    if (sub->failures) {
        ngx_log_error(NGX_LOG_NOTICE, &sub->log, 0,
                      "streamvault: events subscription restored");
    }

    ngx_http_streamvault_events_subscribed(sub->subscribed, sub->published);

    sub->subscribed = 1;
    sub->failures = 0;
    sub->backoff = NGX_HTTP_STREAMVAULT_SUBSCRIBER_RETRY_MIN;
}


static void
ngx_http_streamvault_subscriber_failed(ngx_err_t err, const char *reason)
{
    ngx_http_streamvault_subscriber_t  *sub;

    sub = ngx_http_streamvault_subscriber;

    if (sub->failures++ == 0) {
        ngx_log_error(NGX_LOG_ERR, &sub->log, err,
                      "streamvault: events subscription to redis: %s; "
                      "retrying", reason);
    }

    ngx_http_streamvault_subscriber_close();

    if (sub->stopping || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(&sub->retry, sub->backoff);

    sub->backoff = ngx_min(sub->backoff * 2,
                           NGX_HTTP_STREAMVAULT_SUBSCRIBER_RETRY_MAX);
}


static void
ngx_http_streamvault_subscriber_close(void)
{
    ngx_http_streamvault_subscriber_t  *sub;

    sub = ngx_http_streamvault_subscriber;

    if (sub->peer.connection) {
        ngx_close_connection(sub->peer.connection);
        sub->peer.connection = NULL;
    }

    if (sub->reader) {
        redisReaderFree(sub->reader);
        sub->reader = NULL;
    }

    if (sub->retry.timer_set) {
        ngx_del_timer(&sub->retry);
    }
}


static void
ngx_http_streamvault_subscriber_dummy(ngx_event_t *ev)
{
    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, ev->log, 0,
                   "streamvault subscriber dummy handler");
}
