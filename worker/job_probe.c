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

static const char *const actions[] = { "ok", "exit", "crash", "abort",
                                       "hang" };

/* An address nothing is mapped at; volatile so the compiler cannot see the
 * fault coming and the crash is a real one. */
static volatile uintptr_t unmapped_address = 8;

static bool
known_action(const char *s)
{
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(actions[i], s) == 0) {
            return true;
        }
    }
    return false;
}

static bool
integer_in(yajl_val v, long long lo, long long hi)
{
    return YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= lo
           && YAJL_GET_INTEGER(v) <= hi;
}

bool
sv_job_probe_validate(yajl_val payload, char *err, size_t errlen)
{
    for (size_t i = 0; i < payload->u.object.len; i++) {
        const char *key = payload->u.object.keys[i];
        yajl_val    v = payload->u.object.values[i];

        if (strcmp(key, "action") == 0) {
            if (!YAJL_IS_STRING(v) || !known_action(YAJL_GET_STRING(v))) {
                snprintf(err, errlen, "payload.action must be one of ok, "
                         "exit, crash, abort, hang");
                return false;
            }
        } else if (strcmp(key, "seconds") == 0) {
            if (!integer_in(v, 0, SV_PROBE_SECONDS_MAX)) {
                snprintf(err, errlen, "payload.seconds must be an integer "
                         "in 0..%d", SV_PROBE_SECONDS_MAX);
                return false;
            }
        } else if (strcmp(key, "timeout_s") == 0) {
            if (!integer_in(v, 1, SV_PROBE_SECONDS_MAX)) {
                snprintf(err, errlen, "payload.timeout_s must be an integer "
                         "in 1..%d", SV_PROBE_SECONDS_MAX);
                return false;
            }
        } else {
            snprintf(err, errlen, "payload: unknown field");
            return false;
        }
    }
    return true;
}

static long long
integer_field(yajl_val payload, const char *name, long long dflt)
{
    const char *path[] = { name, NULL };
    yajl_val    v = yajl_tree_get(payload, path, yajl_t_number);

    return v != NULL ? YAJL_GET_INTEGER(v) : dflt;
}

unsigned
sv_job_probe_time_limit(yajl_val payload)
{
    return (unsigned) integer_field(payload, "timeout_s", 0);
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
    const char *action_path[] = { "action", NULL };
    yajl_val    action = yajl_tree_get(payload, action_path, yajl_t_string);
    const char *what = action != NULL ? YAJL_GET_STRING(action) : "ok";

    if (strcmp(what, "ok") == 0) {
        return work(integer_field(payload, "seconds", 0), run, err, errlen);
    } else if (strcmp(what, "exit") == 0) {
        _exit(3);
    } else if (strcmp(what, "crash") == 0) {
        *(volatile int *) unmapped_address = 1;
    } else if (strcmp(what, "abort") == 0) {
        abort();
    } else if (strcmp(what, "hang") == 0) {
        /* Shorter than the time limit, it is just a slow success. */
        hang(integer_field(payload, "seconds", SV_PROBE_SECONDS_MAX));
    }
    return 0;
}
