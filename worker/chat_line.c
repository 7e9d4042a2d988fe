/*
 * Chat archive lines (see chat_line.h).
 */

#include "chat_line.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "json.h"

/* The commands archived and what their params carry. */
static const struct {
    const char *name;
    bool        text;               /* params[1] is a text */
    bool        target;             /* params[1] is the user (CLEARCHAT) */
} commands[] = {
    { "PRIVMSG", true, false },
    { "USERNOTICE", true, false },
    { "CLEARCHAT", false, true },
    { "CLEARMSG", true, false },
    { "ROOMSTATE", false, false },
    { "NOTICE", true, false },
};

int64_t
sv_chat_msg_time(const struct sv_irc_msg *m, int64_t recv_wall_ms)
{
    const char *ts = sv_irc_tag(m, "tmi-sent-ts");
    char       *end;
    long long   sent;

    if (ts == NULL || ts[0] < '0' || ts[0] > '9') {
        return recv_wall_ms;
    }
    errno = 0;
    sent = strtoll(ts, &end, 10);
    if (errno != 0 || *end != '\0' || sent > recv_wall_ms + SV_CHAT_SENT_SKEW_MS
        || sent < recv_wall_ms - SV_CHAT_SENT_SKEW_MS) {
        return recv_wall_ms;
    }
    return sent;
}

int64_t
sv_chat_offset_ms(int64_t at_wall_ms, int64_t start_wall_ms)
{
    return at_wall_ms > start_wall_ms ? at_wall_ms - start_wall_ms : 0;
}

/* Whether m's tag i is the last one with its key (JSON keys are unique). */
static bool
last_of_key(const struct sv_irc_msg *m, size_t i)
{
    for (size_t k = i + 1; k < m->ntags; k++) {
        if (strcmp(m->tags[k].key, m->tags[i].key) == 0) {
            return false;
        }
    }
    return true;
}

static void
put_tags(struct sv_jbuf *b, const struct sv_irc_msg *m)
{
    sv_jbuf_raw(b, ",\"tags\":{", 9);
    for (size_t i = 0; i < m->ntags; i++) {
        if (!last_of_key(m, i)) {
            continue;
        }
        if (b->data[b->len - 1] != '{') {
            sv_jbuf_raw(b, ",", 1);
        }
        sv_jbuf_string(b, m->tags[i].key, strlen(m->tags[i].key));
        sv_jbuf_raw(b, ":", 1);
        sv_jbuf_string(b, m->tags[i].value, strlen(m->tags[i].value));
    }
    sv_jbuf_raw(b, "}", 1);
}

/* The user, display name and text of m (any may stay NULL), as its
 * command carries them; false when m is not a well-formed one. */
static bool
fields(struct sv_irc_msg *m, size_t c, struct sv_irc_privmsg *p,
       const char **user, const char **name, const char **text, bool *action)
{
    if (c == 0) {
        if (!sv_irc_privmsg(m, p)) {
            return false;
        }
        *user = p->login;
        *name = p->display_name;
        *text = p->text;
        *action = p->action;
        return true;
    }
    *user = commands[c].target ? (m->nparams > 1 ? m->params[1] : NULL)
                               : sv_irc_tag(m, "login");
    *name = sv_irc_tag(m, "display-name");
    *text = commands[c].text && m->nparams > 1 ? m->params[1] : NULL;
    return true;
}

size_t
sv_chat_line(struct sv_irc_msg *m, const char *channel, int64_t recv_wall_ms,
             int64_t start_wall_ms, char *out)
{
    struct sv_jbuf          b;
    struct timespec         ts;
    struct sv_irc_privmsg   p;
    const char             *user = NULL, *name = NULL, *text = NULL;
    char                    at[SV_ISO8601_SIZE];
    bool                    action = false;
    int64_t                 when;
    size_t                  c, n = sizeof(commands) / sizeof(commands[0]);

    for (c = 0; c < n && strcasecmp(m->command, commands[c].name) != 0; c++) {
    }
    if (c == n || m->nparams == 0 || m->params[0][0] != '#'
        || strcasecmp(m->params[0] + 1, channel) != 0
        || !fields(m, c, &p, &user, &name, &text, &action)) {
        return 0;
    }
    when = sv_chat_msg_time(m, recv_wall_ms);
    ts.tv_sec = when / 1000;
    ts.tv_nsec = (when % 1000) * 1000000;
    sv_format_iso8601(&ts, at);

    /* One byte kept for the '\n'. */
    sv_jbuf_init(&b, out, SV_CHAT_LINE_MAX - 1);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_int(&b, "offset_ms", sv_chat_offset_ms(when,
                                                          start_wall_ms));
    sv_jbuf_member_string(&b, "at", at);
    sv_jbuf_member_string(&b, "command", commands[c].name);
    sv_jbuf_member_string(&b, "channel", m->params[0] + 1);
    if (user != NULL) {
        sv_jbuf_member_string(&b, "user", user);
    }
    if (name != NULL) {
        sv_jbuf_member_string(&b, "display_name", name);
    }
    if (text != NULL) {
        sv_jbuf_member_string(&b, "text", text);
    }
    if (action) {
        sv_jbuf_raw(&b, ",\"action\":true", 14);
    }
    put_tags(&b, m);
    sv_jbuf_raw(&b, "}", 1);
    if (b.truncated) {
        return 0;                       /* cannot happen: sized for all */
    }
    out[b.len] = '\n';
    return b.len + 1;
}
