/*
 * A chat recording's connection: resolve, TCP connect (each address in
 * turn), TLS handshake, then bytes in and out for chat_session.c; every
 * step non-blocking, lost connections tried again after a backoff.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "chat_int.h"
#include "chat_tls.h"
#include "clock.h"
#include "log.h"
#include "random.h"

/* Reads per step before others get their turn (TLS keeps the rest). */
#define READS_PER_STEP  8

static void
close_socket(struct sv_chat_rec *r)
{
    if (r->ssl != NULL) {
        SSL_free(r->ssl);
        r->ssl = NULL;
    }
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    sv_chat_resolve_free(r->resolve);
    r->resolve = NULL;
    if (r->addrs != NULL) {
        freeaddrinfo(r->addrs);
    }
    r->addrs = r->addr = NULL;
    r->in_len = r->out_len = 0;
    r->read_wait = r->write_wait = 0;
    r->more = r->joined = r->ping_sent = r->refused_logged = false;
    r->state = SV_CHAT_IDLE;
}

void
sv_chat_conn_close(struct sv_chat_rec *r)
{
    close_socket(r);
}

void
sv_chat_conn_lost(struct sv_chat_rec *r, int64_t now_ms, const char *why)
{
    uint32_t delay;

    close_socket(r);
    if (why == NULL) {
        r->retry.next_at_ms = now_ms;
        return;
    }
    delay = sv_retry_failed(&r->retry, now_ms, sv_random_u32());
    sv_log(SV_LOG_WARN, "chat connection lost, retrying",
           SV_STR("channel", r->login), SV_STR("error", why),
           SV_INT("retry_in_ms", delay));
}

bool
sv_chat_conn_queue(struct sv_chat_rec *r, const char *s, size_t len)
{
    if (len > sizeof(r->out) - r->out_len) {
        return false;
    }
    memcpy(r->out + r->out_len, s, len);
    r->out_len += len;
    return true;
}

/* "[::1]:6697" for logs and errors. */
static void
address_text(const struct addrinfo *ai, char *out, size_t outlen)
{
    char host[64], port[8];

    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), port,
                    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, outlen, "?");
        return;
    }
    snprintf(out, outlen, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
             host, port);
}

/* Starts TCP to r->addr or the addresses after it; false with the last
 * address's error when none is left. */
static bool
connect_next(struct sv_chat_rec *r, char *err, size_t errlen)
{
    char where[80];

    for (; r->addr != NULL; r->addr = r->addr->ai_next) {
        int fd = socket(r->addr->ai_family,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        address_text(r->addr, where, sizeof(where));
        if (fd < 0) {
            snprintf(err, errlen, "cannot connect to %s: %s", where,
                     strerror(errno));
            continue;
        }
        if (connect(fd, r->addr->ai_addr, r->addr->ai_addrlen) == 0
            || errno == EINPROGRESS) {
            r->fd = fd;
            r->state = SV_CHAT_CONNECTING;
            r->read_wait = 0;
            r->write_wait = CURL_WAIT_POLLOUT;
            return true;
        }
        snprintf(err, errlen, "cannot connect to %s: %s", where,
                 strerror(errno));
        close(fd);
    }
    return false;
}

static bool
start(struct sv_chat_rec *r, int64_t now_ms)
{
    char err[512];

    r->deadline_ms = now_ms + SV_CHAT_CONNECT_MS;
    r->resolve = sv_chat_resolve_start(r->chat->host, r->chat->port, err,
                                       sizeof(err));
    if (r->resolve == NULL) {
        sv_chat_conn_lost(r, now_ms, err);
        return false;
    }
    r->state = SV_CHAT_RESOLVING;
    return true;
}

static bool
resolved(struct sv_chat_rec *r, int64_t now_ms)
{
    char err[512];
    int  rc = sv_chat_resolve_poll(r->resolve, &r->addrs, err, sizeof(err));

    r->resolve_poll_ms = now_ms + SV_CHAT_RESOLVE_POLL_MS;
    if (rc == 0 && now_ms >= r->deadline_ms) {
        snprintf(err, sizeof(err), "cannot resolve %s: timed out",
                 r->chat->host);
        rc = -1;
    }
    if (rc <= 0) {
        if (rc < 0) {
            sv_chat_conn_lost(r, now_ms, err);
        }
        return false;
    }
    sv_chat_resolve_free(r->resolve);
    r->resolve = NULL;
    r->addr = r->addrs;
    if (!connect_next(r, err, sizeof(err))) {
        sv_chat_conn_lost(r, now_ms, err);
        return false;
    }
    return true;
}

/* revents: what the wait saw on r->fd; 0 when it did not wait on it. */
static bool
connected(struct sv_chat_rec *r, short revents, int64_t now_ms)
{
    char      err[512], where[80];
    int       so_error = 0;
    socklen_t len = sizeof(so_error);

    if (revents == 0) {
        if (now_ms < r->deadline_ms) {
            return false;
        }
        so_error = ETIMEDOUT;
    } else if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &so_error, &len)
               != 0) {
        so_error = errno;
    }
    if (so_error != 0) {
        address_text(r->addr, where, sizeof(where));
        snprintf(err, sizeof(err), "cannot connect to %s: %s", where,
                 strerror(so_error));
        close(r->fd);
        r->fd = -1;
        r->addr = r->addr->ai_next;
        if (so_error == ETIMEDOUT || !connect_next(r, err, sizeof(err))) {
            sv_chat_conn_lost(r, now_ms, err);
        }
        return false;
    }
    r->ssl = sv_chat_tls_new(r->chat->tls, r->fd, r->chat->host, err,
                             sizeof(err));
    if (r->ssl == NULL) {
        sv_chat_conn_lost(r, now_ms, err);
        return false;
    }
    r->state = SV_CHAT_HANDSHAKE;
    return true;
}

/* Sets wait from a TLS call that must be repeated; false for an end. */
static bool
must_wait(struct sv_chat_rec *r, enum sv_chat_tls_io io, short *wait,
          int64_t now_ms, const char *err)
{
    switch (io) {
    case SV_CHAT_TLS_WANT_READ:
        *wait = CURL_WAIT_POLLIN;
        return true;
    case SV_CHAT_TLS_WANT_WRITE:
        *wait = CURL_WAIT_POLLOUT;
        return true;
    case SV_CHAT_TLS_CLOSED:
        sv_chat_conn_lost(r, now_ms, "the server closed the connection");
        return false;
    default:
        sv_chat_conn_lost(r, now_ms, err);
        return false;
    }
}

static bool
handshake(struct sv_chat_rec *r, int64_t now_ms)
{
    char                err[512] = "", where[80];
    enum sv_chat_tls_io io = sv_chat_tls_handshake(r->ssl, err, sizeof(err));

    if (io != SV_CHAT_TLS_DONE) {
        r->write_wait = 0;
        if (must_wait(r, io, &r->read_wait, now_ms, err)
            && now_ms >= r->deadline_ms) {
            sv_chat_conn_lost(r, now_ms, "TLS handshake: timed out");
        }
        return false;
    }
    address_text(r->addr, where, sizeof(where));
    sv_log(SV_LOG_INFO, "chat connected", SV_STR("channel", r->login),
           SV_STR("address", where), SV_STR("tls", SSL_get_version(r->ssl)));
    r->stats.connections++;
    r->state = SV_CHAT_OPEN;
    r->read_wait = CURL_WAIT_POLLIN;
    r->write_wait = CURL_WAIT_POLLOUT;
    r->last_rx_ms = now_ms;
    sv_chat_session_start(r, now_ms);
    return r->state == SV_CHAT_OPEN;
}

/* Sends what is queued, as far as the socket takes it. */
static bool
flush(struct sv_chat_rec *r, int64_t now_ms)
{
    char                err[512] = "";
    size_t              put;
    enum sv_chat_tls_io io;

    while (r->out_len > 0) {
        io = sv_chat_tls_write(r->ssl, r->out, r->out_len, &put, err,
                               sizeof(err));
        if (io != SV_CHAT_TLS_DONE) {
            return must_wait(r, io, &r->write_wait, now_ms, err);
        }
        memmove(r->out, r->out + put, r->out_len - put);
        r->out_len -= put;
    }
    r->write_wait = CURL_WAIT_POLLOUT;
    return true;
}

/* Hands the whole lines of r->in from byte from on to the session; false
 * when one ended the connection. */
static bool
lines(struct sv_chat_rec *r, size_t from, int64_t recv_wall_ms,
      int64_t now_ms)
{
    size_t start = 0;
    char  *nl;

    while ((nl = memchr(r->in + from, '\n', r->in_len - from)) != NULL) {
        size_t end = (size_t) (nl - r->in);

        if (!sv_chat_session_line(r, r->in + start, end - start,
                                  recv_wall_ms, now_ms)) {
            return false;
        }
        start = from = end + 1;
    }
    memmove(r->in, r->in + start, r->in_len - start);
    r->in_len -= start;
    if (r->in_len == sizeof(r->in)) {
        char err[80];

        snprintf(err, sizeof(err), "a line longer than %d bytes",
                 SV_IRC_LINE_MAX);
        sv_chat_conn_lost(r, now_ms, err);
        return false;
    }
    return true;
}

static bool
receive(struct sv_chat_rec *r, int64_t now_ms)
{
    struct timespec     wall = sv_realtime_now();
    int64_t             recv_wall_ms = (int64_t) wall.tv_sec * 1000
                                       + wall.tv_nsec / 1000000;
    char                err[512] = "";
    size_t              got, from;
    enum sv_chat_tls_io io;

    for (int i = 0; i < READS_PER_STEP; i++) {
        from = r->in_len;
        io = sv_chat_tls_read(r->ssl, r->in + from, sizeof(r->in) - from,
                              &got, err, sizeof(err));
        if (io != SV_CHAT_TLS_DONE) {
            r->more = false;
            return must_wait(r, io, &r->read_wait, now_ms, err);
        }
        r->in_len += got;
        r->last_rx_ms = now_ms;
        r->ping_sent = false;
        if (!lines(r, from, recv_wall_ms, now_ms)) {
            return false;
        }
    }
    r->more = true;
    return true;
}

void
sv_chat_conn_step(struct sv_chat_rec *r, short revents, int64_t now_ms)
{
    char err[512];
    bool again = true;

    /* The state may change in one step; only the first one waited. */
    for (; again; revents = 0) {
        switch (r->state) {
        case SV_CHAT_IDLE:
            again = sv_retry_due(&r->retry, now_ms) && start(r, now_ms);
            break;
        case SV_CHAT_RESOLVING:
            again = resolved(r, now_ms);
            break;
        case SV_CHAT_CONNECTING:
            again = connected(r, revents, now_ms);
            break;
        case SV_CHAT_HANDSHAKE:
            again = handshake(r, now_ms);
            break;
        case SV_CHAT_OPEN:
            r->read_wait = CURL_WAIT_POLLIN;
            if (flush(r, now_ms) && receive(r, now_ms)
                && sv_chat_session_tick(r, now_ms)) {
                flush(r, now_ms);
            }
            again = false;
            break;
        }
    }
    if (sv_chat_file_sync(&r->file, now_ms, err, sizeof(err)) != 0) {
        sv_log(SV_LOG_ERROR, "cannot sync the chat file",
               SV_STR("channel", r->login), SV_STR("error", err));
    }
}

int64_t
sv_chat_conn_due(const struct sv_chat_rec *r)
{
    int64_t due = sv_chat_file_due(&r->file), conn;

    switch (r->state) {
    case SV_CHAT_IDLE:
        conn = r->retry.next_at_ms;
        break;
    case SV_CHAT_RESOLVING:
        conn = r->resolve_poll_ms < r->deadline_ms ? r->resolve_poll_ms
                                                   : r->deadline_ms;
        break;
    case SV_CHAT_OPEN:
        conn = r->more ? 0 : sv_chat_session_due(r);
        break;
    default:
        conn = r->deadline_ms;
        break;
    }
    return conn < due ? conn : due;
}
