/*
 * Non-blocking TLS client sessions (see chat_tls.h).
 */

#include "chat_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* OpenSSL's queued error, or errno's, or the certificate's verdict. */
static void
describe(SSL *ssl, const char *what, char *err, size_t errlen)
{
    unsigned long e = ERR_peek_last_error();
    long          verify = ssl != NULL ? SSL_get_verify_result(ssl)
                                       : X509_V_OK;
    char          text[256];

    if (verify != X509_V_OK) {
        snprintf(err, errlen, "%s: certificate not trusted: %s", what,
                 X509_verify_cert_error_string(verify));
    } else if (e != 0) {
        ERR_error_string_n(e, text, sizeof(text));
        snprintf(err, errlen, "%s: %s", what, text);
    } else if (errno != 0) {
        snprintf(err, errlen, "%s: %s", what, strerror(errno));
    } else {
        snprintf(err, errlen, "%s: the connection ended", what);
    }
    ERR_clear_error();
}

SSL_CTX *
sv_chat_tls_ctx(const char *ca_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

    if (ctx == NULL) {
        describe(NULL, "cannot set up TLS", err, errlen);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* Writes come back with what they could not send yet, appended to. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                          | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* A peer closing without close_notify is an end like any other: only
     * whole lines are kept anyway. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if ((ca_file != NULL
         ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
         : SSL_CTX_set_default_verify_paths(ctx)) != 1) {
        describe(NULL, ca_file != NULL ? "cannot load the CA file"
                 : "cannot load the system's CA store", err, errlen);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL *
sv_chat_tls_new(SSL_CTX *ctx, int fd, const char *host, char *err,
                size_t errlen)
{
    SSL                 *ssl = SSL_new(ctx);
    unsigned char        ip[16];
    bool                 literal;
    X509_VERIFY_PARAM   *param;

    if (ssl == NULL) {
        describe(NULL, "cannot start TLS", err, errlen);
        return NULL;
    }
    literal = inet_pton(AF_INET, host, ip) == 1
              || inet_pton(AF_INET6, host, ip) == 1;
    param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    /* An address is checked against the IP names; SNI is for DNS names
     * only (RFC 6066). */
    if (SSL_set_fd(ssl, fd) != 1
        || (literal ? X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1
            : SSL_set_tlsext_host_name(ssl, host) != 1
              || SSL_set1_host(ssl, host) != 1)) {
        describe(NULL, "cannot start TLS", err, errlen);
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_connect_state(ssl);
    return ssl;
}

/* What ret, the result of what, means (SSL_get_error); the error queue
 * and errno were cleared before the call. */
static enum sv_chat_tls_io
outcome(SSL *ssl, int ret, const char *what, char *err, size_t errlen)
{
    if (ret == 1) {
        return SV_CHAT_TLS_DONE;
    }
    switch (SSL_get_error(ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        return SV_CHAT_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return SV_CHAT_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return SV_CHAT_TLS_CLOSED;
    default:
        describe(ssl, what, err, errlen);
        return SV_CHAT_TLS_FAILED;
    }
}

/* The queue is per thread and may hold what an earlier call left. */
static void
clear_errors(void)
{
    ERR_clear_error();
    errno = 0;
}

enum sv_chat_tls_io
sv_chat_tls_handshake(SSL *ssl, char *err, size_t errlen)
{
    clear_errors();
    return outcome(ssl, SSL_do_handshake(ssl), "TLS handshake", err, errlen);
}

enum sv_chat_tls_io
sv_chat_tls_read(SSL *ssl, char *buf, size_t len, size_t *got, char *err,
                 size_t errlen)
{
    clear_errors();
    return outcome(ssl, SSL_read_ex(ssl, buf, len, got), "TLS read", err,
                   errlen);
}

enum sv_chat_tls_io
sv_chat_tls_write(SSL *ssl, const char *buf, size_t len, size_t *put,
                  char *err, size_t errlen)
{
    clear_errors();
    return outcome(ssl, SSL_write_ex(ssl, buf, len, put), "TLS write", err,
                   errlen);
}
