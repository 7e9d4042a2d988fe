/*
 * One bounded HTTP(S) GET into memory (see http_fetch.h).
 */

#include "http_fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounded_buf.h"

struct body {
    struct sv_bounded_buf    buf;
    sv_fetch_keep_going      keep_going;
    void                    *ctx;
    bool                     stopped;
};

/* Returning less than given makes curl abort the transfer. */
static size_t
on_data(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct body *b = userdata;
    size_t       n = size * nmemb;

    return sv_bounded_buf_append(&b->buf, chunk, n) ? n : 0;
}

static int
on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
            curl_off_t ultotal, curl_off_t ulnow)
{
    struct body *b = userdata;

    (void) dltotal, (void) dlnow, (void) ultotal, (void) ulnow;
    if (b->keep_going != NULL && !b->keep_going(b->ctx)) {
        b->stopped = true;
        return 1;
    }
    return 0;
}

/* The reason for a failed transfer, in the job's words where curl's are
 * vague. */
static void
transfer_error(CURLcode rc, const struct body *b,
               const struct sv_fetch_limits *limits, const char *detail,
               char *err, size_t errlen)
{
    double mib = (double) limits->max_bytes / (1024 * 1024);

    if (b->buf.too_big) {
        snprintf(err, errlen, "the body is larger than %.0f MiB", mib);
    } else if (rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(err, errlen, "Content-Length over the %.0f MiB limit", mib);
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
        snprintf(err, errlen, "more than %ld redirects",
                 limits->max_redirects);
    } else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
        snprintf(err, errlen, "a redirect to a scheme other than http/https "
                 "(%s)", detail);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(err, errlen, "timed out (%s)", detail);
    } else if (b->stopped) {
        snprintf(err, errlen, "interrupted");
    } else {
        snprintf(err, errlen, "%s", detail[0] != '\0' ? detail
                 : curl_easy_strerror(rc));
    }
}

bool
sv_http_fetch(const char *url, const struct sv_fetch_limits *limits,
              sv_fetch_keep_going keep_going, void *ctx,
              unsigned char **data, size_t *len, char *err, size_t errlen)
{
    struct body  b = { .buf.max = limits->max_bytes, .keep_going = keep_going,
                       .ctx = ctx };
    char         detail[CURL_ERROR_SIZE] = "";
    long         status = 0;
    CURLcode     rc;
    CURL        *curl = curl_easy_init();

    *data = NULL;
    *len = 0;
    if (curl == NULL) {
        snprintf(err, errlen, "cannot start libcurl");
        return false;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, limits->max_redirects);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, limits->connect_timeout_s);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, limits->total_timeout_s);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t) limits->max_bytes);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "StreamVault");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &b);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);

    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);

    if (rc != CURLE_OK) {
        transfer_error(rc, &b, limits, detail, err, errlen);
    } else if (status != 200) {
        snprintf(err, errlen, "HTTP status %ld, not 200", status);
    } else {
        *data = (unsigned char *) b.buf.data;
        *len = b.buf.len;
        return true;
    }
    free(b.buf.data);
    return false;
}
