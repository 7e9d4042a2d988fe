/*
 * The noop job (see job_noop.h).
 */

#include "job_noop.h"

#include <stdio.h>

#include "clock.h"
#include "payload_check.h"
#include "signals.h"

/* Short slices, so the lease is extended and a stop noticed in time. */
#define SLICE_MS  200

/* The payload, picked out. */
struct noop_payload {
    long long  sleep_ms;
    bool       fail;
};

static const struct sv_payload_field fields[] = {
    { "sleep_ms", false, sv_payload_integer,
      offsetof(struct noop_payload, sleep_ms),
      sv_payload_range(0, SV_NOOP_SLEEP_MAX_MS) },
    { "fail", false, sv_payload_bool, offsetof(struct noop_payload, fail),
      NULL },
};

static bool
parse_payload(yajl_val payload, struct noop_payload *p, char *err,
              size_t errlen)
{
    *p = (struct noop_payload) { 0 };
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen);
}

bool
sv_job_noop_validate(yajl_val payload, char *err, size_t errlen)
{
    struct noop_payload p;

    return parse_payload(payload, &p, err, errlen);
}

int
sv_job_noop_run(yajl_val payload, const struct sv_job_run *run, char *err,
                size_t errlen)
{
    struct noop_payload p;
    int64_t             start, end;

    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    start = sv_monotonic_ms();
    end = start + p.sleep_ms;
    for (int64_t now = sv_monotonic_ms(); now < end;
         now = sv_monotonic_ms()) {
        if (!run->keep_alive(run->ctx)) {
            snprintf(err, errlen, "interrupted");
            return -1;
        }
        run->progress(run->ctx, (unsigned) ((now - start) * 100 / p.sleep_ms));
        sv_sleep_until(now + (end - now < SLICE_MS ? end - now : SLICE_MS));
    }

    if (p.fail) {
        snprintf(err, errlen, "failed on purpose (payload.fail)");
        return -1;
    }
    return 0;
}
