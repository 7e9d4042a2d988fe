/*
 * A chat archive line: one IRC message as one JSON object on one line, with
 * its offset from the recording's start. Pure: no I/O, no clock.
 *
 *   {"offset_ms":1234,"at":"2026-11-21T10:00:01.234Z","command":"PRIVMSG",
 *    "channel":"cool_user","user":"somename","display_name":"Some Name",
 *    "text":"Kappa hello","tags":{"badge-info":"",...}}
 *
 * Only chat is written: PRIVMSG, USERNOTICE, CLEARCHAT, CLEARMSG,
 * ROOMSTATE and NOTICE sent to the recording's channel. "user",
 * "display_name", "text" and "action" appear where the command has them;
 * "tags" holds every tag once (the last of a repeated key), unescaped.
 * Every string is valid UTF-8 (irc_parse.h replaces the rest).
 */

#ifndef SV_CHAT_LINE_H
#define SV_CHAT_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "irc_parse.h"

/* A tmi-sent-ts further than this from the receive time is not believed
 * (a wrong clock on either side): the receive time is used instead. */
#define SV_CHAT_SENT_SKEW_MS  10000

/* Room for any line: every byte of an IRC line escaped (\u00XX, 6 bytes)
 * in at most two strings (a tag and a field), plus keys and punctuation. */
#define SV_CHAT_LINE_MAX      (12 * SV_IRC_LINE_MAX + 4096)

/* When m happened (wall clock ms): its tmi-sent-ts when present and within
 * SV_CHAT_SENT_SKEW_MS of recv_wall_ms, else recv_wall_ms. */
int64_t sv_chat_msg_time(const struct sv_irc_msg *m, int64_t recv_wall_ms);

/* Milliseconds from the recording's start to at; 0 for what came before
 * the start (a message sent just before it), so never negative. */
int64_t sv_chat_offset_ms(int64_t at_wall_ms, int64_t start_wall_ms);

/* Writes m as a JSON line ending in '\n' into out (SV_CHAT_LINE_MAX
 * bytes); its length, or 0 when m is not chat of channel (a login, any
 * case) and so not written. Cuts an ACTION's closing \x01 in m. */
size_t sv_chat_line(struct sv_irc_msg *m, const char *channel,
                    int64_t recv_wall_ms, int64_t start_wall_ms, char *out);

#endif /* SV_CHAT_LINE_H */
