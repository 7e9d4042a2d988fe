/*
 * TLS for the chat connections (OpenSSL) on non-blocking sockets: every
 * step answers at once and says what it waits for. The peer's certificate
 * must chain to the system's CA store (or to the CA file given) and name
 * the host (a DNS name, or an IP address given as one); TLS 1.2 at least.
 */

#ifndef SV_CHAT_TLS_H
#define SV_CHAT_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

enum sv_chat_tls_io {
    SV_CHAT_TLS_DONE,               /* some or all of the work done */
    SV_CHAT_TLS_WANT_READ,          /* call again when readable */
    SV_CHAT_TLS_WANT_WRITE,         /* call again when writable */
    SV_CHAT_TLS_CLOSED,             /* the peer closed the connection */
    SV_CHAT_TLS_FAILED,             /* see err */
};

/* The settings shared by every connection; NULL with the reason (the CA
 * file unreadable). ca_file NULL: the system's CA store. */
SSL_CTX *sv_chat_tls_ctx(const char *ca_file, char *err, size_t errlen);

/* A client session on the connected socket fd for host; NULL with the
 * reason. The caller closes fd after SSL_free. */
SSL *sv_chat_tls_new(SSL_CTX *ctx, int fd, const char *host, char *err,
                     size_t errlen);

enum sv_chat_tls_io sv_chat_tls_handshake(SSL *ssl, char *err,
                                          size_t errlen);

/* Reads at most len bytes; *got of them with SV_CHAT_TLS_DONE. */
enum sv_chat_tls_io sv_chat_tls_read(SSL *ssl, char *buf, size_t len,
                                     size_t *got, char *err, size_t errlen);

/* Writes at most len bytes; *put of them with SV_CHAT_TLS_DONE. A call
 * that waited must come again with the same bytes first (more may
 * follow them). */
enum sv_chat_tls_io sv_chat_tls_write(SSL *ssl, const char *buf, size_t len,
                                      size_t *put, char *err, size_t errlen);

#endif /* SV_CHAT_TLS_H */
