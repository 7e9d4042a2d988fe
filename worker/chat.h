/*
 * The chat archive: Twitch chat of many channels recorded at once in the
 * worker's one thread, one JSON line per message (chat_line.h) appended to
 * each recording's file (chat_file.h). Never blocks: the caller waits on
 * the descriptors of sv_chat_wait_fds (with curl_multi_poll, or poll) until
 * sv_chat_next_due, then calls sv_chat_service.
 *
 * Per recording one connection, read-only and anonymous: TLS to
 * irc.chat.twitch.tv:6697 (certificate and host name verified),
 * "CAP REQ :twitch.tv/tags twitch.tv/commands", "PASS SCHMOOPIIE",
 * "NICK justinfan<1000-99999>", "JOIN #<login>". PING is answered with
 * PONG; RECONNECT reconnects at once; a connection silent for keepalive_ms
 * is sent a PING and dropped when nothing came back within half of that
 * again; a line longer than SV_IRC_LINE_MAX drops it; a line the parser
 * refuses is skipped. A lost connection is tried again with exponential
 * backoff and full jitter (backoff.h), forgotten once the channel is
 * joined again; messages sent while it was down are lost (IRC keeps no
 * history).
 *
 * Not thread-safe; one thread drives it.
 */

#ifndef SV_CHAT_H
#define SV_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#define SV_CHAT_HOST          "irc.chat.twitch.tv"
#define SV_CHAT_PORT          6697
#define SV_CHAT_KEEPALIVE_MS  60000
/* From the start of a connection to the JOIN confirmed. */
#define SV_CHAT_CONNECT_MS    15000
#define SV_CHAT_LOGIN_MAX     25    /* Twitch logins: [a-z0-9_]{1,25} */
/* A recording's archive in its raw folder, until post-processing moves it
 * next to the video. */
#define SV_CHAT_RAW_NAME      "chat.jsonl"

struct sv_chat_config {
    const char *host;               /* NULL: SV_CHAT_HOST */
    int         port;               /* 0: SV_CHAT_PORT */
    const char *ca_file;            /* NULL: the system's CA store */
    int64_t     keepalive_ms;       /* 0: SV_CHAT_KEEPALIVE_MS */
};

struct sv_chat_stats {
    int64_t lines;                  /* written to the file */
    int64_t connections;            /* TLS sessions established */
    int64_t joins;                  /* JOINs the server confirmed */
    int64_t refused;                /* lines the parser refused */
    int64_t write_errors;           /* lines the file did not take */
};

struct sv_chat;
struct sv_chat_rec;

/* Whether s (len bytes) is a Twitch login, [A-Za-z0-9_]{1,25}; lower
 * case into out. */
bool sv_chat_login(const char *s, size_t len,
                   char out[SV_CHAT_LOGIN_MAX + 1]);

/* NULL with the reason (a bad host, the CA file). */
struct sv_chat *sv_chat_new(const struct sv_chat_config *cfg, char *err,
                            size_t errlen);

/* Starts recording the chat of login into path (created, appended to);
 * offsets count from start_wall_ms (wall clock, ms since the epoch). NULL
 * with the reason (a bad login, the file). */
struct sv_chat_rec *sv_chat_add(struct sv_chat *chat, const char *login,
                                const char *path, int64_t start_wall_ms,
                                char *err, size_t errlen);

const struct sv_chat_stats *sv_chat_rec_stats(const struct sv_chat_rec *r);

/* Ends the connection, syncs and closes the file, frees r. */
void sv_chat_stop(struct sv_chat_rec *r);

/* Fills fds with what to wait for (at most one per recording, at most max
 * in all: CURL_WAIT_POLLIN/POLLOUT in events); their number. */
size_t sv_chat_wait_fds(const struct sv_chat *chat, struct curl_waitfd *fds,
                        size_t max);

/* Does what the descriptors (revents of the waited fds, any others
 * ignored) and the clock (now_ms, monotonic) allow. */
void sv_chat_service(struct sv_chat *chat, const struct curl_waitfd *fds,
                     size_t n, int64_t now_ms);

/* When sv_chat_service has timed work (monotonic ms); INT64_MAX: none. */
int64_t sv_chat_next_due(const struct sv_chat *chat);

/* Stops every recording still running and frees chat. */
void sv_chat_free(struct sv_chat *chat);

#endif /* SV_CHAT_H */
