/*
 * Randomness from the kernel (getrandom(2)).
 */

#ifndef SV_RANDOM_H
#define SV_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf completely; 0 or -1 with errno set. */
int sv_random_bytes(void *buf, size_t n);

/* For jitter, where quality hardly matters: never fails. */
uint32_t sv_random_u32(void);

#endif /* SV_RANDOM_H */
