/*
 * IRC lines with IRCv3 tags, Twitch's dialect (see irc_parse.h).
 */

#include "irc_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sv_utf8.h"

#define REPLACEMENT_CHARACTER  "\xEF\xBF\xBD"

/* The output strings being written into m->buf. */
struct out {
    char  *buf;
    size_t len;
};

/* Appends s cleaned to valid UTF-8 and a NUL; the string's start. The
 * buffer is sized for the worst case (SV_IRC_BUF_SIZE). */
static const char *
put(struct out *o, const char *s, size_t len)
{
    const unsigned char *c = (const unsigned char *) s;
    char                *start = o->buf + o->len;

    for (size_t i = 0; i < len;) {
        size_t seq = sv_utf8_sequence_length(c + i, len - i);

        if (seq == 0) {
            memcpy(o->buf + o->len, REPLACEMENT_CHARACTER, 3);
            o->len += 3;
            i++;
            continue;
        }
        memcpy(o->buf + o->len, s + i, seq);
        o->len += seq;
        i += seq;
    }
    o->buf[o->len++] = '\0';
    return start;
}

/* A tag value unescaped into tmp (at least len bytes); its new length. */
static size_t
unescape(const char *s, size_t len, char *tmp)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            tmp[n++] = s[i];
            continue;
        }
        if (++i == len) {
            break;                      /* a lone trailing '\' */
        }
        switch (s[i]) {
        case ':': tmp[n++] = ';'; break;
        case 's': tmp[n++] = ' '; break;
        case 'r': tmp[n++] = '\r'; break;
        case 'n': tmp[n++] = '\n'; break;
        default:  tmp[n++] = s[i]; break;       /* '\\' and the unknown */
        }
    }
    return n;
}

static bool
tags(const char *s, size_t len, struct sv_irc_msg *m, struct out *o,
     char *err, size_t errlen)
{
    char tmp[SV_IRC_TAGS_MAX];

    for (size_t i = 0; i < len;) {
        size_t end = i, eq;

        while (end < len && s[end] != ';') {
            end++;
        }
        for (eq = i; eq < end && s[eq] != '='; eq++) {
        }
        if (eq > i) {                   /* ";;" and "=x" name nothing */
            if (m->ntags == SV_IRC_TAG_COUNT) {
                snprintf(err, errlen, "more than %d tags", SV_IRC_TAG_COUNT);
                return false;
            }
            m->tags[m->ntags].key = put(o, s + i, eq - i);
            m->tags[m->ntags].value =
                put(o, tmp, eq < end ? unescape(s + eq + 1, end - eq - 1, tmp)
                                     : 0);
            m->ntags++;
        }
        i = end + 1;
    }
    return true;
}

static bool
command_ok(const char *s, size_t len)
{
    bool letters = true, digits = len == 3;

    for (size_t i = 0; i < len; i++) {
        letters = letters && ((s[i] >= 'a' && s[i] <= 'z')
                              || (s[i] >= 'A' && s[i] <= 'Z'));
        digits = digits && s[i] >= '0' && s[i] <= '9';
    }
    return letters || digits;
}

/* The end of the word starting at i. */
static size_t
word_end(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] != ' ') {
        i++;
    }
    return i;
}

static size_t
skip_spaces(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] == ' ') {
        i++;
    }
    return i;
}

bool
sv_irc_parse(const char *line, size_t len, struct sv_irc_msg *m, char *err,
             size_t errlen)
{
    struct out o = { .buf = m->buf, .len = 0 };
    size_t     i = 0, end;
    char       shown[16];

    m->ntags = m->nparams = 0;
    m->prefix = m->command = NULL;
    if (len > SV_IRC_LINE_MAX) {
        snprintf(err, errlen, "a line longer than %d bytes", SV_IRC_LINE_MAX);
        return false;
    }
    len -= len > 0 && line[len - 1] == '\n';
    len -= len > 0 && line[len - 1] == '\r';
    for (size_t k = 0; k < len; k++) {
        if (line[k] == '\0' || line[k] == '\r' || line[k] == '\n') {
            snprintf(err, errlen, "%s at byte %zu", line[k] == '\0'
                     ? "a NUL" : line[k] == '\r' ? "a CR" : "an LF", k);
            return false;
        }
    }
    if (len > 0 && line[0] == '@') {
        end = word_end(line, len, 0);
        if (end > SV_IRC_TAGS_MAX) {
            snprintf(err, errlen, "tags longer than %d bytes",
                     SV_IRC_TAGS_MAX);
            return false;
        }
        if (!tags(line + 1, end - 1, m, &o, err, errlen)) {
            return false;
        }
        i = skip_spaces(line, len, end);
    }
    if (i < len && line[i] == ':') {
        end = word_end(line, len, i);
        if (end == i + 1) {
            snprintf(err, errlen, "an empty prefix at byte %zu", i);
            return false;
        }
        m->prefix = put(&o, line + i + 1, end - i - 1);
        i = skip_spaces(line, len, end);
    }
    end = word_end(line, len, i);
    if (end == i) {
        snprintf(err, errlen, "no command");
        return false;
    }
    if (!command_ok(line + i, end - i)) {
        struct out s = { .buf = shown, .len = 0 };

        /* At most 4 bytes of it, made valid UTF-8 (3 bytes each). */
        put(&s, line + i, end - i < 4 ? end - i : 4);
        snprintf(err, errlen, "an invalid command '%s%s' at byte %zu", shown,
                 end - i > 4 ? "..." : "", i);
        return false;
    }
    m->command = put(&o, line + i, end - i);
    for (i = skip_spaces(line, len, end); i < len;
         i = skip_spaces(line, len, end)) {
        if (line[i] == ':' || m->nparams == SV_IRC_PARAMS - 1) {
            /* The trailing param: the rest, spaces and all. */
            i += line[i] == ':';
            m->params[m->nparams++] = put(&o, line + i, len - i);
            break;
        }
        end = word_end(line, len, i);
        m->params[m->nparams++] = put(&o, line + i, end - i);
    }
    return true;
}

const char *
sv_irc_tag(const struct sv_irc_msg *m, const char *key)
{
    for (size_t i = m->ntags; i > 0; i--) {
        if (strcmp(m->tags[i - 1].key, key) == 0) {
            return m->tags[i - 1].value;
        }
    }
    return NULL;
}

enum sv_irc_kind
sv_irc_kind(const struct sv_irc_msg *m)
{
    if (strcasecmp(m->command, "PRIVMSG") == 0) {
        return SV_IRC_PRIVMSG;
    }
    if (strcasecmp(m->command, "PING") == 0) {
        return SV_IRC_PING;
    }
    if (strcasecmp(m->command, "RECONNECT") == 0) {
        return SV_IRC_RECONNECT;
    }
    return SV_IRC_OTHER;
}

const char *
sv_irc_ping_text(const struct sv_irc_msg *m)
{
    if (sv_irc_kind(m) != SV_IRC_PING) {
        return NULL;
    }
    return m->nparams > 0 ? m->params[m->nparams - 1] : "";
}

/* Milliseconds from up to 15 digits and nothing else; -1 otherwise. */
static int64_t
millis(const char *s)
{
    int64_t v = 0;
    size_t  n = 0;

    if (s == NULL) {
        return -1;
    }
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        v = n < 15 ? v * 10 + (s[n] - '0') : v;
    }
    return n > 0 && n <= 15 && s[n] == '\0' ? v : -1;
}

bool
sv_irc_privmsg(struct sv_irc_msg *m, struct sv_irc_privmsg *p)
{
    const char *name, *id;
    char       *text;
    size_t      nick, len;

    if (sv_irc_kind(m) != SV_IRC_PRIVMSG || m->nparams != 2
        || m->prefix == NULL) {
        return false;
    }
    nick = strcspn(m->prefix, "!@");
    if (nick == 0 || nick > SV_IRC_NICK_MAX) {
        return false;
    }
    memcpy(p->login, m->prefix, nick);
    p->login[nick] = '\0';
    p->channel = m->params[0] + (m->params[0][0] == '#');
    name = sv_irc_tag(m, "display-name");
    p->display_name = name != NULL && name[0] != '\0' ? name : p->login;
    id = sv_irc_tag(m, "user-id");
    p->user_id = id != NULL ? id : "";
    p->sent_ms = millis(sv_irc_tag(m, "tmi-sent-ts"));

    /* CTCP ACTION: "\x01ACTION text\x01"; some clients omit the last
     * \x01. params[1] is in m->buf, which m owns. */
    text = m->buf + (m->params[1] - m->buf);
    p->action = strncmp(text, "\x01" "ACTION", 7) == 0
                && (text[7] == ' ' || text[7] == '\x01' || text[7] == '\0');
    if (p->action) {
        text += 7 + (text[7] == ' ');
        len = strlen(text);
        if (len > 0 && text[len - 1] == '\x01') {
            text[len - 1] = '\0';
        }
    }
    p->text = text;
    return true;
}
