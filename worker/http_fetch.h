/*
 * Fetching one small file over HTTP(S) into memory, within limits, for
 * handlers that run in a child process (job_isolate.h): libcurl's easy API
 * blocks, which is fine there and nowhere else.
 */

#ifndef SV_HTTP_FETCH_H
#define SV_HTTP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

struct sv_fetch_limits {
    long     connect_timeout_s;
    long     total_timeout_s;
    long     max_redirects;         /* each to http or https only */
    size_t   max_bytes;             /* of the body */
};

/* Called now and then during the transfer; false aborts it. */
typedef bool (*sv_fetch_keep_going)(void *ctx);

/* GETs url (http or https only) and answers its body in *data / *len (the
 * caller frees *data) when the final response is 200 within the limits;
 * otherwise false with the reason in err (a Content-Length or a body over
 * max_bytes, a status other than 200, too many redirects, a redirect to
 * another scheme, a timeout, a network error). */
bool sv_http_fetch(const char *url, const struct sv_fetch_limits *limits,
                   sv_fetch_keep_going keep_going, void *ctx,
                   unsigned char **data, size_t *len, char *err,
                   size_t errlen);

#endif /* SV_HTTP_FETCH_H */
