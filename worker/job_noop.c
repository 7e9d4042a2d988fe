/*
 * The noop job (see job_noop.h).
 */

#include "job_noop.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "signals.h"

/* Short slices, so the lease is extended and a stop noticed in time. */
#define SLICE_MS  200

bool
sv_job_noop_validate(yajl_val payload, char *err, size_t errlen)
{
    for (size_t i = 0; i < payload->u.object.len; i++) {
        const char *key = payload->u.object.keys[i];
        yajl_val    v = payload->u.object.values[i];

        if (strcmp(key, "sleep_ms") == 0) {
            if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0
                || YAJL_GET_INTEGER(v) > SV_NOOP_SLEEP_MAX_MS) {
                snprintf(err, errlen, "payload.sleep_ms must be an integer "
                         "in 0..%d", SV_NOOP_SLEEP_MAX_MS);
                return false;
            }
        } else if (strcmp(key, "fail") == 0) {
            if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
                snprintf(err, errlen, "payload.fail must be true or false");
                return false;
            }
        } else {
            snprintf(err, errlen, "payload: unknown field");
            return false;
        }
    }
    return true;
}

int
sv_job_noop_run(yajl_val payload, const struct sv_job_run *run, char *err,
                size_t errlen)
{
    const char *sleep_path[] = { "sleep_ms", NULL };
    const char *fail_path[] = { "fail", NULL };
    yajl_val    sleep_ms = yajl_tree_get(payload, sleep_path, yajl_t_number);
    yajl_val    fail = yajl_tree_get(payload, fail_path, yajl_t_true);
    int64_t     start = sv_monotonic_ms();
    int64_t     total = sleep_ms != NULL ? YAJL_GET_INTEGER(sleep_ms) : 0;
    int64_t     end = start + total;

    for (int64_t now = sv_monotonic_ms(); now < end;
         now = sv_monotonic_ms()) {
        if (!run->keep_alive(run->ctx)) {
            snprintf(err, errlen, "interrupted");
            return -1;
        }
        run->progress(run->ctx, (unsigned) ((now - start) * 100 / total));
        sv_sleep_until(now + (end - now < SLICE_MS ? end - now : SLICE_MS));
    }

    if (fail != NULL) {
        snprintf(err, errlen, "failed on purpose (payload.fail)");
        return -1;
    }
    return 0;
}
