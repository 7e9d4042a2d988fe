/*
 * The chat archive's insides, shared by chat.c (the set), chat_conn.c (a
 * connection: resolve, connect, TLS, bytes in and out) and
 * chat_session.c (the IRC conversation on it).
 */

#ifndef SV_CHAT_INT_H
#define SV_CHAT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "backoff.h"
#include "chat.h"
#include "chat_file.h"
#include "chat_line.h"
#include "chat_resolve.h"
#include "irc_parse.h"

/* Bytes queued to send: the login, PONGs, a PING. A server that makes us
 * answer more than this without reading is dropped. */
#define SV_CHAT_OUT_MAX  4096

enum sv_chat_state {
    SV_CHAT_IDLE,                   /* until retry.next_at_ms */
    SV_CHAT_RESOLVING,
    SV_CHAT_CONNECTING,             /* TCP to addr */
    SV_CHAT_HANDSHAKE,              /* TLS */
    SV_CHAT_OPEN,                   /* IRC */
};

struct sv_chat_rec {
    struct sv_chat          *chat;
    struct sv_chat_rec      *prev, *next;
    char                     login[SV_CHAT_LOGIN_MAX + 1];  /* lower case */
    char                     nick[16];              /* justinfan<n> */
    int64_t                  start_wall_ms;
    struct sv_chat_file      file;
    bool                     write_failing;         /* logged once */

    enum sv_chat_state       state;
    struct sv_retry          retry;
    int64_t                  deadline_ms;   /* to be joined by */
    struct sv_chat_resolve  *resolve;
    int64_t                  resolve_poll_ms;   /* when to ask again */
    struct addrinfo         *addrs, *addr;  /* addr: being tried */
    int                      fd;
    SSL                     *ssl;
    short                    read_wait;     /* CURL_WAIT_POLL* */
    short                    write_wait;
    bool                     more;          /* TLS may hold read data */

    bool                     joined;
    bool                     refused_logged;    /* a bad line, once */
    int64_t                  last_rx_ms;
    bool                     ping_sent;

    char                     in[SV_IRC_LINE_MAX];
    size_t                   in_len;
    char                     out[SV_CHAT_OUT_MAX];
    size_t                   out_len;

    struct sv_chat_stats     stats;
};

struct sv_chat {
    SSL_CTX                 *tls;
    char                    *host;
    int                      port;
    int64_t                  keepalive_ms;
    struct sv_chat_rec      *recs;
    struct sv_irc_msg        msg;               /* the line being read */
    char                     line[SV_CHAT_LINE_MAX];   /* being written */
};

/* chat_conn.c */

/* Advances r as far as revents (CURL_WAIT_POLL*) and now_ms allow. */
void sv_chat_conn_step(struct sv_chat_rec *r, short revents, int64_t now_ms);

/* When r has timed work. */
int64_t sv_chat_conn_due(const struct sv_chat_rec *r);

/* Queues bytes to send; false when they do not fit. */
bool sv_chat_conn_queue(struct sv_chat_rec *r, const char *s, size_t len);

/* Ends the connection; a reconnect is due after the backoff (failed
 * with the reason) or at once (why NULL: the server asked). */
void sv_chat_conn_lost(struct sv_chat_rec *r, int64_t now_ms,
                       const char *why);

/* Ends the connection for good (the recording stops). */
void sv_chat_conn_close(struct sv_chat_rec *r);

/* chat_session.c */

/* The login lines, queued once TLS is up. */
void sv_chat_session_start(struct sv_chat_rec *r, int64_t now_ms);

/* One line as received (without its '\n'); false when it ended the
 * connection. */
bool sv_chat_session_line(struct sv_chat_rec *r, const char *line,
                          size_t len, int64_t recv_wall_ms, int64_t now_ms);

/* The PING after silence, the end without answer; false when it ended the
 * connection. */
bool sv_chat_session_tick(struct sv_chat_rec *r, int64_t now_ms);

/* When sv_chat_session_tick has work. */
int64_t sv_chat_session_due(const struct sv_chat_rec *r);

#endif /* SV_CHAT_INT_H */
