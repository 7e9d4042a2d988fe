/*
 * streamvault-worker --record-chat (see chat_cli.h).
 */

#include "chat_cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chat.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "signals.h"

struct channel {
    char                 login[SV_CHAT_LOGIN_MAX + 1];
    char                 path[PATH_MAX];
    struct sv_chat_rec  *rec;
};

/* "host:port" or "[v6]:port" into cfg (host in storage); false if bad. */
static bool
parse_addr(const char *addr, char *storage, size_t size,
           struct sv_chat_config *cfg)
{
    const char *colon = strrchr(addr, ':'), *host = addr;
    size_t      len = colon != NULL ? (size_t) (colon - addr) : 0;
    char       *end;
    long        port;

    if (colon == NULL) {
        return false;
    }
    if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']') {
        host++;
        len -= 2;
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (len == 0 || len >= size || colon[1] == '\0' || *end != '\0'
        || errno != 0 || port < 1 || port > 65535) {
        return false;
    }
    memcpy(storage, host, len);
    storage[len] = '\0';
    cfg->host = storage;
    cfg->port = (int) port;
    return true;
}

/* The environment's overrides into cfg; -1 with the reason. */
static int
config_from_env(struct sv_chat_config *cfg, char *host, size_t size,
                char *err, size_t errlen)
{
    const char *addr = getenv("STREAMVAULT_TWITCH_IRC_ADDR");
    const char *keepalive = getenv("STREAMVAULT_TWITCH_IRC_KEEPALIVE");
    char       *end;
    double      s;

    if (addr != NULL && !parse_addr(addr, host, size, cfg)) {
        snprintf(err, errlen, "STREAMVAULT_TWITCH_IRC_ADDR is host:port");
        return -1;
    }
    cfg->ca_file = getenv("STREAMVAULT_TWITCH_IRC_CA");
    if (keepalive != NULL) {
        s = strtod(keepalive, &end);
        if (keepalive[0] == '\0' || *end != '\0' || !isfinite(s) || s < 0.1
            || s > 3600) {
            snprintf(err, errlen, "STREAMVAULT_TWITCH_IRC_KEEPALIVE is 0.1 "
                     "to 3600 seconds");
            return -1;
        }
        cfg->keepalive_ms = (int64_t) (s * 1000);
    }
    return 0;
}

/* The --record-chat values split at commas, each login once. */
static int
make_channels(const struct sv_cli *cli, struct channel *ch, size_t *n,
              char *err, size_t errlen)
{
    *n = 0;
    for (size_t i = 0; i < cli->n_record_chat; i++) {
        for (const char *p = cli->record_chat[i]; *p != '\0';) {
            size_t len = strcspn(p, ",");

            if (*n == SV_CHAT_CLI_MAX) {
                snprintf(err, errlen, "more than %d channels",
                         SV_CHAT_CLI_MAX);
                return -1;
            }
            if (!sv_chat_login(p, len, ch[*n].login)) {
                snprintf(err, errlen, "a login in --record-chat is 1 to %d "
                         "letters, digits or '_'", SV_CHAT_LOGIN_MAX);
                return -1;
            }
            for (size_t k = 0; k < *n; k++) {
                if (strcmp(ch[k].login, ch[*n].login) == 0) {
                    snprintf(err, errlen, "%.*s is given twice",
                             SV_CHAT_LOGIN_MAX, ch[k].login);
                    return -1;
                }
            }
            if (snprintf(ch[*n].path, sizeof(ch[*n].path), "%s/%s.jsonl",
                         cli->out_dir, ch[*n].login)
                >= (int) sizeof(ch[*n].path)) {
                snprintf(err, errlen, "the --out path is too long");
                return -1;
            }
            (*n)++;
            p += p[len] == ',' ? len + 1 : len;
        }
    }
    return 0;
}

static void
print_summary(const struct channel *c, const struct sv_chat_stats *s)
{
    char           storage[1024];
    struct sv_jbuf b;

    sv_jbuf_init(&b, storage, sizeof(storage) - 1);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "channel", c->login);
    sv_jbuf_member_string(&b, "file", c->path);
    sv_jbuf_member_int(&b, "lines", s->lines);
    sv_jbuf_member_int(&b, "connections", s->connections);
    sv_jbuf_member_int(&b, "joins", s->joins);
    sv_jbuf_member_int(&b, "refused", s->refused);
    sv_jbuf_member_int(&b, "write_errors", s->write_errors);
    sv_jbuf_raw(&b, "}", 1);
    storage[b.len] = '\0';
    printf("%s\n", storage);
    fflush(stdout);
}

/* One wait: the chat's descriptors and the signal descriptor, until the
 * chat's next due time or the end. */
static void
wait_once(struct sv_chat *chat, int64_t end_ms)
{
    struct curl_waitfd  fds[SV_CHAT_CLI_MAX];
    struct pollfd       pfd[SV_CHAT_CLI_MAX + 1];
    size_t              n = sv_chat_wait_fds(chat, fds, SV_CHAT_CLI_MAX);
    int64_t             now = sv_monotonic_ms(), due = sv_chat_next_due(chat);
    int64_t             timeout = (due < end_ms ? due : end_ms) - now;

    for (size_t i = 0; i < n; i++) {
        pfd[i] = (struct pollfd) {
            .fd = fds[i].fd,
            .events = (short) ((fds[i].events & CURL_WAIT_POLLIN ? POLLIN : 0)
                               | (fds[i].events & CURL_WAIT_POLLOUT
                                  ? POLLOUT : 0)),
        };
    }
    pfd[n] = (struct pollfd) { .fd = sv_signal_fd(), .events = POLLIN };
    if (poll(pfd, n + 1, timeout < 0 ? 0 : timeout > 1000 ? 1000
                                                           : (int) timeout)
        < 0 && errno != EINTR) {
        sv_log(SV_LOG_ERROR, "poll failed", SV_STR("error", strerror(errno)));
    }
    for (size_t i = 0; i < n; i++) {
        /* An error or hang-up: let what waited find out. */
        short bad = pfd[i].revents & (POLLERR | POLLHUP) ? fds[i].events : 0;

        fds[i].revents = (short) (bad
                                  | (pfd[i].revents & POLLIN
                                     ? CURL_WAIT_POLLIN : 0)
                                  | (pfd[i].revents & POLLOUT
                                     ? CURL_WAIT_POLLOUT : 0));
    }
    if (pfd[n].revents != 0) {
        sv_wait_fd(-1, 0, 0);           /* the signal to its handler */
    }
    sv_chat_service(chat, fds, n, sv_monotonic_ms());
}

static int
record(const struct sv_cli *cli, struct channel *ch, size_t n,
       const struct sv_chat_config *cfg)
{
    struct timespec  wall = sv_realtime_now();
    int64_t          start_ms = (int64_t) wall.tv_sec * 1000
                                + wall.tv_nsec / 1000000;
    int64_t          end_ms = cli->duration_s > 0
                              ? sv_monotonic_ms()
                                + (int64_t) (cli->duration_s * 1000)
                              : INT64_MAX;
    struct sv_chat  *chat;
    char             err[512];
    int              status = 0;

    if (mkdir(cli->out_dir, 0755) != 0 && errno != EEXIST) {
        sv_log(SV_LOG_ERROR, "cannot create the output folder",
               SV_STR("dir", cli->out_dir), SV_STR("error", strerror(errno)));
        return 1;
    }
    chat = sv_chat_new(cfg, err, sizeof(err));
    if (chat == NULL) {
        sv_log(SV_LOG_ERROR, "cannot start the chat archive",
               SV_STR("error", err));
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        ch[i].rec = sv_chat_add(chat, ch[i].login, ch[i].path, start_ms, err,
                                sizeof(err));
        if (ch[i].rec == NULL) {
            sv_log(SV_LOG_ERROR, "cannot archive the chat",
                   SV_STR("channel", ch[i].login), SV_STR("error", err));
            status = 1;
        }
    }
    while (status == 0 && sv_stop_signal() == 0
           && sv_monotonic_ms() < end_ms) {
        wait_once(chat, end_ms);
    }
    if (sv_stop_signal() != 0) {
        sv_log(SV_LOG_INFO, "stopping", SV_INT("signal", sv_stop_signal()));
    }
    for (size_t i = 0; i < n; i++) {
        if (ch[i].rec != NULL) {
            status |= sv_chat_rec_stats(ch[i].rec)->joins == 0;
            print_summary(&ch[i], sv_chat_rec_stats(ch[i].rec));
            sv_chat_stop(ch[i].rec);
        }
    }
    sv_chat_free(chat);
    return status;
}

int
sv_run_record_chat(const struct sv_cli *cli)
{
    static struct channel  ch[SV_CHAT_CLI_MAX];
    struct sv_chat_config  cfg = { 0 };
    char                   host[256], err[512];
    const char            *level = getenv("STREAMVAULT_LOG_LEVEL");
    enum sv_log_level      lv = SV_LOG_INFO;
    size_t                 n;

    if (level != NULL && !sv_log_level_parse(level, &lv)) {
        lv = SV_LOG_INFO;
    }
    sv_log_set_level(lv);
    if (make_channels(cli, ch, &n, err, sizeof(err)) != 0
        || config_from_env(&cfg, host, sizeof(host), err, sizeof(err)) != 0) {
        fprintf(stderr, "streamvault-worker: %s\n", err);
        return 2;
    }
    if (sv_signals_install() != 0) {
        fprintf(stderr, "streamvault-worker: cannot install signal handlers: "
                "%s\n", strerror(errno));
        return 1;
    }
    return record(cli, ch, n, &cfg);
}
