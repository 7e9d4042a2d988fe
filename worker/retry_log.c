/*
 * Logging a failed connection attempt (see retry_log.h).
 */

#include "retry_log.h"

#include "clock.h"
#include "log.h"
#include "random.h"
#include "signals.h"

void
sv_retry_failed_logged(struct sv_retry *r, const char *msg, const char *err)
{
    uint32_t delay = sv_retry_failed(r, sv_monotonic_ms(), sv_random_u32());

    if (sv_stop_signal() == 0) {
        sv_log(SV_LOG_WARN, msg, SV_STR("error", err),
               SV_INT("attempt", r->failures), SV_INT("retry_in_ms", delay));
    }
}
