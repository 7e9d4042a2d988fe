/*
 * Job retry delays (see job_backoff.h).
 */

#include "job_backoff.h"

#include "backoff.h"

uint32_t
sv_job_retry_ceiling_ms(unsigned failures)
{
    return sv_backoff_ceiling(SV_JOB_RETRY_BASE_MS, SV_JOB_RETRY_CAP_MS,
                              failures > 0 ? failures - 1 : 0);
}

uint32_t
sv_job_retry_delay_ms(unsigned failures, uint32_t random)
{
    uint32_t ceiling = sv_job_retry_ceiling_ms(failures);
    uint32_t half = ceiling / 2;

    return half + random % (ceiling - half + 1);
}
