/*
 * RFC 3339 time stamps ("2026-11-21T17:18:22.123456789Z",
 * "2026-11-21T18:18:22+01:00"), strictly: what a signed EventSub message
 * carries and is judged fresh by. Pure; shared by the module and the
 * unit tests.
 */

#ifndef SV_RFC3339_H
#define SV_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define SV_RFC3339_MAX  64      /* bytes of the longest text accepted */

/* Parses len bytes of s (no NUL needed): date "T" time, an optional
 * fraction of 1..9 digits, "Z" or an offset +hh:mm/-hh:mm ("T" and "Z" in
 * either case, a leap second :60 allowed). 0 and *t the instant in whole
 * seconds since the epoch (the fraction dropped), or -1. */
int sv_rfc3339_parse(const char *s, size_t len, int64_t *t);

#endif /* SV_RFC3339_H */
