/*
 * URLs that come from job payloads and that the worker will fetch: pure
 * string checks, done at injection so that a bad one never gets queued.
 */

#ifndef SV_URL_CHECK_H
#define SV_URL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#define SV_URL_MAX  2048            /* bytes */

/* True when url is http:// or https:// (any case) with a host, at most
 * SV_URL_MAX bytes, no credentials (no '@' before the path: they would be
 * stored in the job and logged), no control byte, space or backslash.
 * Otherwise false with the reason. */
bool sv_url_http_ok(const char *url, char *err, size_t errlen);

#endif /* SV_URL_CHECK_H */
