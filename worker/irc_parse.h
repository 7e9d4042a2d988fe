/*
 * One IRC line (RFC 1459/2812 with IRCv3 message tags) as Twitch chat sends
 * it, for the recorder's chat log. Pure: no sockets, no allocation.
 *
 *   [@tag[=value];... ] [:prefix ] COMMAND [params...] [:trailing]
 *
 * A line may end in CR LF or LF; it is at most SV_IRC_LINE_MAX bytes with
 * them (IRCv3 allows 8191 bytes of tags + 512 of the rest, but Twitch sends
 * message text longer than 512 bytes, so only the tags and the total are
 * bounded). Refused: NUL, CR or LF inside the line, tags longer than
 * SV_IRC_TAGS_MAX bytes or more than SV_IRC_TAG_COUNT of them, an empty
 * prefix, no command, a command that is neither letters nor 3 digits.
 * Runs of spaces separate words. At most SV_IRC_PARAMS params: as in RFC
 * 2812 the 15th takes the rest of the line, spaces included.
 *
 * Tag values are unescaped: \: -> ';', \s -> space, \\ -> '\', \r -> CR,
 * \n -> LF, a lone '\' at the end is dropped, '\' + any other character is
 * that character. A tag without '=' has the value "". Every output string
 * is valid UTF-8: each byte that is not part of a well-formed sequence
 * becomes U+FFFD.
 */

#ifndef SV_IRC_PARSE_H
#define SV_IRC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_IRC_LINE_MAX   16384         /* bytes, CR LF included */
#define SV_IRC_TAGS_MAX   8191          /* bytes of "@...", IRCv3's limit */
#define SV_IRC_TAG_COUNT  64            /* Twitch sends about 20 */
#define SV_IRC_PARAMS     15
#define SV_IRC_NICK_MAX   64            /* bytes; Twitch logins are <= 25 */
/* Every output string: 3 bytes per input byte at most (U+FFFD) + NULs. */
#define SV_IRC_BUF_SIZE   (3 * SV_IRC_LINE_MAX + 2 * SV_IRC_TAG_COUNT \
                           + SV_IRC_PARAMS + 8)

struct sv_irc_tag {
    const char *key, *value;
};

struct sv_irc_msg {
    struct sv_irc_tag tags[SV_IRC_TAG_COUNT];
    size_t            ntags;
    const char       *prefix;           /* "nick!user@host"; NULL if none */
    const char       *command;          /* as sent: "PRIVMSG", "001" */
    const char       *params[SV_IRC_PARAMS];
    size_t            nparams;
    char              buf[SV_IRC_BUF_SIZE];     /* all the strings above */
};

enum sv_irc_kind {
    SV_IRC_OTHER,
    SV_IRC_PRIVMSG,
    SV_IRC_PING,                        /* answer "PONG :<sv_irc_ping_text>" */
    SV_IRC_RECONNECT,                   /* Twitch: reconnect soon */
};

/* A chat message. Strings point into the sv_irc_msg, except login. */
struct sv_irc_privmsg {
    const char *channel;                /* without the '#' */
    char        login[SV_IRC_NICK_MAX + 1];     /* the prefix's nick */
    const char *display_name;           /* the tag, or the login if empty */
    const char *user_id;                /* the tag, "" if absent */
    const char *text;                   /* an ACTION's text without CTCP */
    bool        action;                 /* "/me": \x01ACTION ...\x01 */
    int64_t     sent_ms;                /* tmi-sent-ts; -1 if absent/bad */
};

/* Parses line (len bytes, not NUL-terminated) into *m; false with the
 * reason in err. */
bool sv_irc_parse(const char *line, size_t len, struct sv_irc_msg *m,
                  char *err, size_t errlen);

/* The value of the last tag named key, NULL when there is none. */
const char *sv_irc_tag(const struct sv_irc_msg *m, const char *key);

/* What the recorder reacts to; commands compare case-insensitively. */
enum sv_irc_kind sv_irc_kind(const struct sv_irc_msg *m);

/* A PING's text to send back (its last param, "" if none); NULL when m is
 * no PING. */
const char *sv_irc_ping_text(const struct sv_irc_msg *m);

/* A PRIVMSG's fields into *p; false when m is no PRIVMSG with a channel,
 * a text and a prefix whose nick fits. Cuts an ACTION's closing \x01 in
 * m's buffer. */
bool sv_irc_privmsg(struct sv_irc_msg *m, struct sv_irc_privmsg *p);

#endif /* SV_IRC_PARSE_H */
