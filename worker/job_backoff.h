/*
 * When a failed job runs again: exponential backoff with "equal jitter" (half
 * the ceiling fixed, half random), so delays grow from one attempt to the
 * next yet retries of many jobs do not fall due together. Pure.
 */

#ifndef SV_JOB_BACKOFF_H
#define SV_JOB_BACKOFF_H

#include <stdint.h>

#define SV_JOB_RETRY_BASE_MS  1000u
#define SV_JOB_RETRY_CAP_MS   300000u     /* 5 minutes */

/* The ceiling after failure number failures (1 = first failure):
 * base * 2^(failures-1), at most the cap. */
uint32_t sv_job_retry_ceiling_ms(unsigned failures);

/* A delay in [ceiling/2, ceiling]. */
uint32_t sv_job_retry_delay_ms(unsigned failures, uint32_t random);

#endif /* SV_JOB_BACKOFF_H */
