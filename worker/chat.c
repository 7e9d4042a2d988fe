/*
 * The chat archive's set of recordings and the caller's loop (see
 * chat.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_int.h"
#include "chat_tls.h"
#include "log.h"

/* How long sv_chat_free waits for host name lookups to end. */
#define RESOLVE_DRAIN_MS  1000

struct sv_chat *
sv_chat_new(const struct sv_chat_config *cfg, char *err, size_t errlen)
{
    const char     *host = cfg->host != NULL ? cfg->host : SV_CHAT_HOST;
    struct sv_chat *chat;

    if (host[0] == '\0' || strlen(host) > 253
        || strpbrk(host, " \t\r\n/") != NULL) {
        snprintf(err, errlen, "a bad chat server host name");
        return NULL;
    }
    if (cfg->port < 0 || cfg->port > 65535 || cfg->keepalive_ms < 0) {
        snprintf(err, errlen, "a bad chat server port or keepalive");
        return NULL;
    }
    chat = calloc(1, sizeof(*chat));
    if (chat == NULL || (chat->host = strdup(host)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(chat);
        return NULL;
    }
    chat->port = cfg->port != 0 ? cfg->port : SV_CHAT_PORT;
    chat->keepalive_ms = cfg->keepalive_ms != 0 ? cfg->keepalive_ms
                                                : SV_CHAT_KEEPALIVE_MS;
    chat->tls = sv_chat_tls_ctx(cfg->ca_file, err, errlen);
    if (chat->tls == NULL) {
        free(chat->host);
        free(chat);
        return NULL;
    }
    return chat;
}

bool
sv_chat_login(const char *s, size_t len, char out[SV_CHAT_LOGIN_MAX + 1])
{
    if (len == 0 || len > SV_CHAT_LOGIN_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
        out[i] = (char) (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[len] = '\0';
    return true;
}

struct sv_chat_rec *
sv_chat_add(struct sv_chat *chat, const char *login, const char *path,
            int64_t start_wall_ms, char *err, size_t errlen)
{
    struct sv_chat_rec *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!sv_chat_login(login, strlen(login), r->login)) {
        snprintf(err, errlen, "a Twitch login is 1 to %d letters, digits "
                 "or '_'", SV_CHAT_LOGIN_MAX);
        free(r);
        return NULL;
    }
    if (sv_chat_file_open(&r->file, path, err, errlen) != 0) {
        free(r);
        return NULL;
    }
    r->chat = chat;
    r->fd = -1;
    r->start_wall_ms = start_wall_ms;
    sv_retry_reset(&r->retry);
    r->next = chat->recs;
    if (chat->recs != NULL) {
        chat->recs->prev = r;
    }
    chat->recs = r;
    return r;
}

const struct sv_chat_stats *
sv_chat_rec_stats(const struct sv_chat_rec *r)
{
    return &r->stats;
}

void
sv_chat_stop(struct sv_chat_rec *r)
{
    char err[512];

    sv_chat_conn_close(r);
    if (sv_chat_file_close(&r->file, err, sizeof(err)) != 0) {
        sv_log(SV_LOG_ERROR, "cannot close the chat file",
               SV_STR("channel", r->login), SV_STR("error", err));
    }
    if (r->prev != NULL) {
        r->prev->next = r->next;
    } else {
        r->chat->recs = r->next;
    }
    if (r->next != NULL) {
        r->next->prev = r->prev;
    }
    free(r);
}

size_t
sv_chat_wait_fds(const struct sv_chat *chat, struct curl_waitfd *fds,
                 size_t max)
{
    size_t n = 0;

    for (const struct sv_chat_rec *r = chat->recs; r != NULL && n < max;
         r = r->next) {
        short events = r->read_wait;

        /* Open, writes wait only while something is queued. */
        if (r->state != SV_CHAT_OPEN || r->out_len > 0) {
            events |= r->write_wait;
        }
        if (r->fd >= 0 && events != 0) {
            fds[n++] = (struct curl_waitfd) { .fd = r->fd,
                                              .events = events };
        }
    }
    return n;
}

void
sv_chat_service(struct sv_chat *chat, const struct curl_waitfd *fds,
                size_t n, int64_t now_ms)
{
    struct sv_chat_rec *r, *next;

    for (r = chat->recs; r != NULL; r = next) {
        short revents = 0;

        next = r->next;
        for (size_t i = 0; i < n && r->fd >= 0; i++) {
            if (fds[i].fd == r->fd) {
                revents |= fds[i].revents;
            }
        }
        if (revents != 0 || now_ms >= sv_chat_conn_due(r)) {
            sv_chat_conn_step(r, revents, now_ms);
        }
    }
}

int64_t
sv_chat_next_due(const struct sv_chat *chat)
{
    int64_t due = INT64_MAX;

    for (const struct sv_chat_rec *r = chat->recs; r != NULL; r = r->next) {
        int64_t d = sv_chat_conn_due(r);

        due = d < due ? d : due;
    }
    return due;
}

void
sv_chat_free(struct sv_chat *chat)
{
    if (chat == NULL) {
        return;
    }
    while (chat->recs != NULL) {
        sv_chat_stop(chat->recs);
    }
    sv_chat_resolve_drain(RESOLVE_DRAIN_MS);
    SSL_CTX_free(chat->tls);
    free(chat->host);
    free(chat);
}
