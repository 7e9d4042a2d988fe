/*
 * The probe job (see job_probe.h).
 */

#include "job_probe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "payload_check.h"

/* An address nothing is mapped at; volatile so the compiler cannot see the
 * fault coming and the crash is a real one. */
static volatile uintptr_t unmapped_address = 8;

/* The payload, picked out. */
struct probe_payload {
    const char *action;
    long long   seconds;                /* -1: not given */
    long long   timeout_s;              /* 0: not given */
};

static const struct sv_payload_field fields[] = {
    { "action", false, sv_payload_choice,
      offsetof(struct probe_payload, action),
      (const char *const []) { "ok", "exit", "crash", "abort", "hang",
                               NULL } },
    { "seconds", false, sv_payload_integer,
      offsetof(struct probe_payload, seconds),
      sv_payload_range(0, SV_PROBE_SECONDS_MAX) },
    { "timeout_s", false, sv_payload_integer,
      offsetof(struct probe_payload, timeout_s),
      sv_payload_range(1, SV_PROBE_SECONDS_MAX) },
};

static bool
parse_payload(yajl_val payload, struct probe_payload *p, char *err,
              size_t errlen)
{
    *p = (struct probe_payload) { .action = "ok", .seconds = -1 };
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen);
}

bool
sv_job_probe_validate(yajl_val payload, char *err, size_t errlen)
{
    struct probe_payload p;

    return parse_payload(payload, &p, err, errlen);
}

unsigned
sv_job_probe_time_limit(yajl_val payload)
{
    struct probe_payload p;
    char                 err[128];

    /* 0 (the type's limit) when not given; the payload was checked. */
    return parse_payload(payload, &p, err, sizeof(err))
           ? (unsigned) p.timeout_s : 0;
}

/* Works for seconds the way a healthy handler does: keeping alive and
 * reporting progress. */
static int
work(long long seconds, const struct sv_job_run *run, char *err,
     size_t errlen)
{
    int64_t start = sv_monotonic_ms();
    int64_t total = seconds * 1000;

    for (int64_t done = 0; done < total;
         done = sv_monotonic_ms() - start) {
        if (!run->keep_alive(run->ctx)) {
            snprintf(err, errlen, "interrupted");
            return -1;
        }
        run->progress(run->ctx, (unsigned) (done * 100 / total));
        struct timespec slice = { .tv_nsec = 100 * 1000000 };

        nanosleep(&slice, NULL);
    }
    return 0;
}

/* Stuck the way a handler stuck inside a library is: never calling
 * keep_alive, deaf to everything but signals. */
static void
hang(long long seconds)
{
    struct timespec left = { .tv_sec = (time_t) seconds };

    while (nanosleep(&left, &left) != 0) {
    }
}

int
sv_job_probe_run(yajl_val payload, const struct sv_job_run *run, char *err,
                 size_t errlen)
{
    struct probe_payload p;

    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    if (strcmp(p.action, "ok") == 0) {
        return work(p.seconds >= 0 ? p.seconds : 0, run, err, errlen);
    } else if (strcmp(p.action, "exit") == 0) {
        _exit(3);
    } else if (strcmp(p.action, "crash") == 0) {
        *(volatile int *) unmapped_address = 1;
    } else if (strcmp(p.action, "abort") == 0) {
        abort();
    } else if (strcmp(p.action, "hang") == 0) {
        /* Shorter than the time limit, it is just a slow success. */
        hang(p.seconds >= 0 ? p.seconds : SV_PROBE_SECONDS_MAX);
    }
    return 0;
}
