/*
 * streamvault-worker --record-chat: the chat archive (chat.h) as a
 * one-shot command, for diagnostics and tests. Needs no configuration,
 * database or Redis.
 */

#ifndef SV_CHAT_CLI_H
#define SV_CHAT_CLI_H

#include "cli.h"

#define SV_CHAT_CLI_MAX  256        /* channels in one run */

/* Archives the chat of every login of cli into cli->out_dir/<login>.jsonl
 * at once, offsets counted from the command's start, until --duration
 * passed or SIGINT/SIGTERM came; then one JSON summary per channel on
 * stdout. $STREAMVAULT_TWITCH_IRC_ADDR (host:port, [v6]:port) and
 * $STREAMVAULT_TWITCH_IRC_CA (a CA file) replace Twitch's server and the
 * system's CA store, $STREAMVAULT_TWITCH_IRC_KEEPALIVE the seconds of
 * silence before a PING. 0 when every channel was joined, 1 otherwise, 2
 * for a bad login list or environment. */
int sv_run_record_chat(const struct sv_cli *cli);

#endif /* SV_CHAT_CLI_H */
