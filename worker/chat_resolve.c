/*
 * Non-blocking name resolution with getaddrinfo_a (see chat_resolve.h).
 */

#include "chat_resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

struct sv_chat_resolve {
    struct gaicb             cb;
    struct addrinfo          hints;
    struct addrinfo         *numeric;   /* answered at once */
    struct sv_chat_resolve  *next;      /* in the kept list */
    char                     port[8];
    char                     host[];
};

/* Cancelled lookups glibc still works on: process-wide, as its pool is. */
static struct sv_chat_resolve *kept;

static void
reap_kept(void)
{
    struct sv_chat_resolve **p = &kept;

    while (*p != NULL) {
        struct sv_chat_resolve *r = *p;

        if (gai_error(&r->cb) == EAI_INPROGRESS) {
            p = &r->next;
            continue;
        }
        *p = r->next;
        if (r->cb.ar_result != NULL) {
            freeaddrinfo(r->cb.ar_result);
        }
        free(r);
    }
}

struct sv_chat_resolve *
sv_chat_resolve_start(const char *host, int port, char *err, size_t errlen)
{
    struct sv_chat_resolve *r;
    struct gaicb           *list[1];
    size_t                  len = strlen(host);
    int                     rc;

    reap_kept();
    r = calloc(1, sizeof(*r) + len + 1);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(r->host, host, len + 1);
    snprintf(r->port, sizeof(r->port), "%d", port);
    r->hints.ai_family = AF_UNSPEC;
    r->hints.ai_socktype = SOCK_STREAM;
    r->hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(r->host, r->port, &r->hints, &r->numeric) == 0) {
        return r;
    }
    r->numeric = NULL;
    r->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    r->cb.ar_name = r->host;
    r->cb.ar_service = r->port;
    r->cb.ar_request = &r->hints;
    list[0] = &r->cb;
    rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        free(r);
        return NULL;
    }
    return r;
}

int
sv_chat_resolve_poll(struct sv_chat_resolve *r, struct addrinfo **ai,
                     char *err, size_t errlen)
{
    int rc;

    reap_kept();
    if (r->numeric != NULL) {
        *ai = r->numeric;
        r->numeric = NULL;
        return 1;
    }
    rc = gai_error(&r->cb);
    if (rc == EAI_INPROGRESS) {
        return 0;
    }
    if (rc != 0 || r->cb.ar_result == NULL) {
        snprintf(err, errlen, "cannot resolve %s: %s", r->host,
                 rc != 0 ? gai_strerror(rc) : "no address");
        return -1;
    }
    *ai = r->cb.ar_result;
    r->cb.ar_result = NULL;
    return 1;
}

void
sv_chat_resolve_free(struct sv_chat_resolve *r)
{
    if (r == NULL) {
        return;
    }
    if (r->numeric != NULL) {
        freeaddrinfo(r->numeric);
    }
    if (r->cb.ar_name != NULL && gai_cancel(&r->cb) == EAI_NOTCANCELED) {
        r->next = kept;
        kept = r;
        return;
    }
    if (r->cb.ar_result != NULL) {
        freeaddrinfo(r->cb.ar_result);
    }
    free(r);
}

void
sv_chat_resolve_drain(int64_t wait_ms)
{
    int64_t deadline = sv_monotonic_ms() + wait_ms, left;

    reap_kept();
    while (kept != NULL && (left = deadline - sv_monotonic_ms()) > 0) {
        const struct gaicb *list[1] = { &kept->cb };
        struct timespec     timeout = { .tv_sec = left / 1000,
                                        .tv_nsec = left % 1000 * 1000000 };

        /* Until the first one ends; others may have ended meanwhile. */
        if (gai_suspend(list, 1, &timeout) == EAI_AGAIN) {
            break;
        }
        reap_kept();
    }
}
