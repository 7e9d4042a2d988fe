/*
 * One HTTP request to Twitch over a private multi handle (see helix_http.h).
 */

#include "helix_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bounded_buf.h"
#include "clock.h"
#include "signals.h"

/* The longest single wait: the timer of a busy transfer is usually far
 * shorter, this only bounds a lost wakeup. */
#define WAIT_SLICE_MS  1000

struct sv_helix_http {
    CURLM     *multi;
    int        epfd;
    int64_t    timer_at;        /* monotonic ms; -1: none */
    sv_helix_idle  idle;
    void          *idle_ctx;
};

struct answer {
    struct sv_bounded_buf       body;
    struct sv_helix_ratelimit  *ratelimit;
};

/* libcurl says which socket to watch for what. */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *ctx, void *sockp)
{
    struct sv_helix_http *h = ctx;
    struct epoll_event    ev = { .data.fd = s };

    (void) easy;
    (void) sockp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(h->epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0)
                | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, s, &ev) != 0
        && (errno != ENOENT
            || epoll_ctl(h->epfd, EPOLL_CTL_ADD, s, &ev) != 0)) {
        return -1;
    }
    return 0;
}

static int
on_timer(CURLM *multi, long timeout_ms, void *ctx)
{
    struct sv_helix_http *h = ctx;

    (void) multi;
    h->timer_at = timeout_ms < 0 ? -1 : sv_monotonic_ms() + timeout_ms;
    return 0;
}

struct sv_helix_http *
sv_helix_http_new(char *err, size_t errlen)
{
    struct sv_helix_http *h = calloc(1, sizeof(*h));

    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Counted: the recorder's engine initialized it already. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "cannot initialize libcurl");
        free(h);
        return NULL;
    }
    h->timer_at = -1;
    h->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (h->epfd < 0) {
        snprintf(err, errlen, "epoll: %s", strerror(errno));
        curl_global_cleanup();
        free(h);
        return NULL;
    }
    h->multi = curl_multi_init();
    if (h->multi == NULL) {
        snprintf(err, errlen, "cannot create a libcurl multi handle");
        close(h->epfd);
        curl_global_cleanup();
        free(h);
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    return h;
}

void
sv_helix_http_free(struct sv_helix_http *h)
{
    if (h == NULL) {
        return;
    }
    curl_multi_cleanup(h->multi);
    close(h->epfd);
    curl_global_cleanup();
    free(h);
}

void
sv_helix_http_set_idle(struct sv_helix_http *h, sv_helix_idle fn, void *ctx)
{
    h->idle = fn;
    h->idle_ctx = ctx;
}

static void
idle(struct sv_helix_http *h)
{
    if (h->idle != NULL) {
        h->idle(h->idle_ctx);
    }
}

bool
sv_helix_sleep_until(struct sv_helix_http *h, int64_t deadline_ms)
{
    for (;;) {
        int64_t now = sv_monotonic_ms();

        if (now >= deadline_ms || sv_stop_signal() != 0) {
            return sv_stop_signal() == 0;
        }
        if (!sv_sleep_until(deadline_ms - now > WAIT_SLICE_MS
                            ? now + WAIT_SLICE_MS : deadline_ms)) {
            return false;
        }
        idle(h);
    }
}

void
sv_helix_response_free(struct sv_helix_response *resp)
{
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
}

/* "Name: digits" (case-insensitive name) into *out. */
static void
header_number(const char *line, size_t len, const char *name,
              long long *out)
{
    size_t     n = strlen(name);
    long long  v = 0;
    size_t     i;

    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') {
        return;
    }
    for (i = n + 1; i < len && (line[i] == ' ' || line[i] == '\t'); i++) {
        /* skip */
    }
    if (i == len || line[i] < '0' || line[i] > '9') {
        return;
    }
    for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
        if (v > 1000000000000LL) {
            return;     /* no real limit or time is this large */
        }
        v = v * 10 + (line[i] - '0');
    }
    for (; i < len; i++) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r'
            && line[i] != '\n') {
            return;
        }
    }
    *out = v;
}

void
sv_helix_ratelimit_header(const char *line, size_t len,
                          struct sv_helix_ratelimit *rl)
{
    header_number(line, len, "Ratelimit-Limit", &rl->limit);
    header_number(line, len, "Ratelimit-Remaining", &rl->remaining);
    header_number(line, len, "Ratelimit-Reset", &rl->reset);
}

static size_t
on_header(char *data, size_t size, size_t n, void *ctx)
{
    struct answer *a = ctx;

    /* A new response (after a 100 Continue) starts afresh. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        *a->ratelimit = (struct sv_helix_ratelimit) { -1, -1, -1 };
    }
    sv_helix_ratelimit_header(data, size * n, a->ratelimit);
    return size * n;
}

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct answer *a = ctx;

    return sv_bounded_buf_append(&a->body, data, size * n) ? size * n : 0;
}

static CURL *
make_easy(const struct sv_helix_request *req, struct curl_slist **headers,
          struct answer *a, char *errbuf)
{
    CURL *e = curl_easy_init();

    if (e == NULL) {
        return NULL;
    }
    for (const char *const *h = req->headers; h != NULL && *h != NULL; h++) {
        struct curl_slist *more = curl_slist_append(*headers, *h);

        if (more == NULL) {
            curl_easy_cleanup(e);
            return NULL;
        }
        *headers = more;
    }
    curl_easy_setopt(e, CURLOPT_URL, req->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     (long) SV_HELIX_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long) SV_HELIX_TOTAL_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "StreamVault");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, *headers);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long) req->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS,
                         req->body != NULL ? req->body : "");
    } else if (strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
    }
    return e;
}

/* Hands what epoll saw, and an expired timer, to libcurl. */
static void
drive(struct sv_helix_http *h)
{
    struct epoll_event  got[8];
    int                 running, n;

    n = epoll_wait(h->epfd, got, 8, 0);
    for (int i = 0; i < n; i++) {
        int flags = ((got[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0)
                    | ((got[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
                    | ((got[i].events & (EPOLLERR | EPOLLHUP))
                       ? CURL_CSELECT_ERR : 0);

        curl_multi_socket_action(h->multi, got[i].data.fd, flags, &running);
    }
    if (h->timer_at >= 0 && sv_monotonic_ms() >= h->timer_at) {
        h->timer_at = -1;
        curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}

/* Runs the transfer to its end; its CURLcode, or -1 after a stop signal. */
static int
run(struct sv_helix_http *h, CURL *e)
{
    int      running;
    int64_t  next_idle = sv_monotonic_ms() + WAIT_SLICE_MS;

    h->timer_at = -1;
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
        return CURLE_OUT_OF_MEMORY;
    }
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    for (;;) {
        CURLMsg *msg;
        int      left;
        int64_t  wait = WAIT_SLICE_MS;

        while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
                int rc = (int) msg->data.result;

                curl_multi_remove_handle(h->multi, e);
                return rc;
            }
        }
        if (sv_stop_signal() != 0) {
            curl_multi_remove_handle(h->multi, e);
            return -1;
        }
        if (h->timer_at >= 0) {
            wait = h->timer_at - sv_monotonic_ms();
            wait = wait < 0 ? 0 : wait > WAIT_SLICE_MS ? WAIT_SLICE_MS : wait;
        }
        sv_wait_fd(h->epfd, POLLIN, wait);
        drive(h);
        if (sv_monotonic_ms() >= next_idle) {
            idle(h);
            next_idle = sv_monotonic_ms() + WAIT_SLICE_MS;
        }
    }
}

int
sv_helix_http_do(struct sv_helix_http *h, const struct sv_helix_request *req,
                 struct sv_helix_response *resp, char *err, size_t errlen)
{
    struct curl_slist  *headers = NULL;
    struct answer       a = { .body = { .max = SV_HELIX_ANSWER_MAX + 1 },
                              .ratelimit = &resp->ratelimit };
    char                errbuf[CURL_ERROR_SIZE] = "";
    CURL               *e;
    int                 rc = -1;

    *resp = (struct sv_helix_response) { .ratelimit = { -1, -1, -1 } };
    e = make_easy(req, &headers, &a, errbuf);
    if (e == NULL) {
        snprintf(err, errlen, "out of memory");
        curl_slist_free_all(headers);
        return -1;
    }

    switch (run(h, e)) {
    case -1:
        snprintf(err, errlen, "stopped");
        break;
    case CURLE_OK:
        if (sv_bounded_buf_append(&a.body, "", 1)) {
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
            resp->body = a.body.data;
            resp->len = a.body.len - 1;
            a.body.data = NULL;
            rc = 0;
        } else {
            snprintf(err, errlen, "%s answered more than %d bytes",
                     req->url, SV_HELIX_ANSWER_MAX);
        }
        break;
    case CURLE_WRITE_ERROR:
        snprintf(err, errlen, "%s answered more than %d bytes", req->url,
                 SV_HELIX_ANSWER_MAX);
        break;
    default:
        snprintf(err, errlen, "%s: %s", req->url,
                 errbuf[0] != '\0' ? errbuf : "transfer failed");
        break;
    }

    free(a.body.data);
    curl_easy_cleanup(e);
    curl_slist_free_all(headers);
    return rc;
}
