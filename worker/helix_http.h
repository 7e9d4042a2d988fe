/*
 * One HTTP request to Twitch (Helix, the id server) from the daemon itself:
 * libcurl's multi interface on a private handle whose sockets sit in an
 * epoll set, waited for with sv_wait_fd, so the recordings (the wait
 * driver) keep moving while Twitch answers and a stop signal ends the wait.
 * The answer is bounded; the Ratelimit-* headers are taken.
 */

#ifndef SV_HELIX_HTTP_H
#define SV_HELIX_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_HELIX_ANSWER_MAX      (1024 * 1024)
#define SV_HELIX_CONNECT_TIMEOUT_MS  10000
#define SV_HELIX_TOTAL_TIMEOUT_MS    20000

struct sv_helix_http;

/* Called about every second while a request or a wait for Twitch lasts:
 * the daemon's heartbeat and recordings' database side go on meanwhile. */
typedef void (*sv_helix_idle)(void *ctx);

struct sv_helix_request {
    const char         *method;     /* GET, POST or DELETE */
    const char         *url;
    const char *const  *headers;    /* "Name: value", NULL-terminated */
    const char         *body;       /* POST: its bytes, else NULL */
    size_t              body_len;
};

/* Twitch's rate limit as the answer stated it; -1: header absent. */
struct sv_helix_ratelimit {
    long long  limit;
    long long  remaining;
    long long  reset;               /* Unix time, seconds */
};

struct sv_helix_response {
    long                       status;
    char                      *body;    /* NUL-terminated; the caller frees */
    size_t                     len;
    struct sv_helix_ratelimit  ratelimit;
};

/* NULL with the reason in err. */
struct sv_helix_http *sv_helix_http_new(char *err, size_t errlen);

void sv_helix_http_free(struct sv_helix_http *h);

void sv_helix_http_set_idle(struct sv_helix_http *h, sv_helix_idle fn,
                            void *ctx);

/* Sleeps until the monotonic deadline, calling the idle function every
 * second; false if a stop signal came first. */
bool sv_helix_sleep_until(struct sv_helix_http *h, int64_t deadline_ms);

/* 0 with any HTTP answer in *resp (free it with sv_helix_response_free);
 * -1 with the reason in err: network error, timeout, an answer over
 * SV_HELIX_ANSWER_MAX, or a stop signal. */
int sv_helix_http_do(struct sv_helix_http *h,
                     const struct sv_helix_request *req,
                     struct sv_helix_response *resp, char *err,
                     size_t errlen);

void sv_helix_response_free(struct sv_helix_response *resp);

/* Takes a Ratelimit-Limit, -Remaining or -Reset header line (as libcurl
 * hands it over, CRLF included) into rl; other lines are left alone. */
void sv_helix_ratelimit_header(const char *line, size_t len,
                               struct sv_helix_ratelimit *rl);

#endif /* SV_HELIX_HTTP_H */
