/*
 * The IRC conversation of a chat recording (see chat.h): the anonymous
 * login, PING/PONG both ways, RECONNECT, the JOIN confirmed, and the
 * chat lines written to the file.
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chat_int.h"
#include "log.h"
#include "random.h"

void
sv_chat_session_start(struct sv_chat_rec *r, int64_t now_ms)
{
    char login[160];
    int  n;

    /* Twitch's anonymous read-only login: any password, justinfan<n>. */
    snprintf(r->nick, sizeof(r->nick), "justinfan%u",
             1000 + sv_random_u32() % 99000);
    n = snprintf(login, sizeof(login),
                 "CAP REQ :twitch.tv/tags twitch.tv/commands\r\n"
                 "PASS SCHMOOPIIE\r\nNICK %s\r\nJOIN #%s\r\n", r->nick,
                 r->login);
    if (!sv_chat_conn_queue(r, login, (size_t) n)) {
        sv_chat_conn_lost(r, now_ms, "cannot queue the login");
    }
}

/* Our own JOIN of our channel echoed: the channel is joined. */
static bool
own_join(const struct sv_chat_rec *r, const struct sv_irc_msg *m)
{
    size_t nick = m->prefix != NULL ? strcspn(m->prefix, "!@") : 0;

    return strcasecmp(m->command, "JOIN") == 0 && m->nparams > 0
           && m->params[0][0] == '#'
           && strcasecmp(m->params[0] + 1, r->login) == 0
           && nick == strlen(r->nick)
           && strncasecmp(m->prefix, r->nick, nick) == 0;
}

static void
write_line(struct sv_chat_rec *r, size_t len, int64_t now_ms)
{
    char err[512];

    if (sv_chat_file_append(&r->file, r->chat->line, len, now_ms, err,
                            sizeof(err)) == 0) {
        r->stats.lines++;
        r->write_failing = false;
        return;
    }
    r->stats.write_errors++;
    if (!r->write_failing) {
        r->write_failing = true;
        sv_log(SV_LOG_ERROR, "chat lines are being lost",
               SV_STR("channel", r->login), SV_STR("error", err));
    }
}

bool
sv_chat_session_line(struct sv_chat_rec *r, const char *line, size_t len,
                     int64_t recv_wall_ms, int64_t now_ms)
{
    struct sv_irc_msg *m = &r->chat->msg;
    char               err[256], pong[SV_CHAT_OUT_MAX];
    size_t             n;

    if (len == 0 || (len == 1 && line[0] == '\r')) {
        return true;
    }
    if (!sv_irc_parse(line, len, m, err, sizeof(err))) {
        r->stats.refused++;
        if (!r->refused_logged) {
            /* Once per connection: a hostile server could send many. */
            r->refused_logged = true;
            sv_log(SV_LOG_WARN, "chat line refused, skipped",
                   SV_STR("channel", r->login), SV_STR("error", err));
        }
        return true;
    }
    switch (sv_irc_kind(m)) {
    case SV_IRC_PING:
        n = (size_t) snprintf(pong, sizeof(pong), "PONG :%s\r\n",
                              sv_irc_ping_text(m));
        if (n >= sizeof(pong) || !sv_chat_conn_queue(r, pong, n)) {
            sv_chat_conn_lost(r, now_ms, "PINGs faster than we can answer");
            return false;
        }
        return true;
    case SV_IRC_RECONNECT:
        sv_log(SV_LOG_INFO, "chat server asks to reconnect",
               SV_STR("channel", r->login));
        sv_chat_conn_lost(r, now_ms, NULL);
        return false;
    default:
        break;
    }
    if (own_join(r, m)) {
        r->joined = true;
        r->stats.joins++;
        sv_retry_reset(&r->retry);
        sv_log(SV_LOG_INFO, "chat joined", SV_STR("channel", r->login),
               SV_STR("nick", r->nick));
        return true;
    }
    n = sv_chat_line(m, r->login, recv_wall_ms, r->start_wall_ms,
                     r->chat->line);
    if (n > 0) {
        write_line(r, n, now_ms);
    }
    return true;
}

bool
sv_chat_session_tick(struct sv_chat_rec *r, int64_t now_ms)
{
    static const char ping[] = "PING :tmi.twitch.tv\r\n";
    int64_t           keepalive = r->chat->keepalive_ms;

    if (!r->joined) {
        if (now_ms >= r->deadline_ms) {
            sv_chat_conn_lost(r, now_ms, "the channel was not joined in "
                              "time");
            return false;
        }
        return true;
    }
    if (now_ms >= r->last_rx_ms + keepalive + keepalive / 2) {
        sv_chat_conn_lost(r, now_ms, "no answer to PING");
        return false;
    }
    if (now_ms >= r->last_rx_ms + keepalive && !r->ping_sent) {
        r->ping_sent = true;
        if (!sv_chat_conn_queue(r, ping, sizeof(ping) - 1)) {
            sv_chat_conn_lost(r, now_ms, "cannot queue a PING");
            return false;
        }
    }
    return true;
}

int64_t
sv_chat_session_due(const struct sv_chat_rec *r)
{
    int64_t keepalive = r->chat->keepalive_ms;

    if (!r->joined) {
        return r->deadline_ms;
    }
    return r->last_rx_ms + keepalive + (r->ping_sent ? keepalive / 2 : 0);
}
