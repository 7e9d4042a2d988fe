/*
 * libcurl easy handles for the HLS engine (see hls_fetch.h).
 */

#include "hls_fetch.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool
sv_hls_proxy_ok(const char *proxy)
{
    static const char *const schemes[] = {
        "http://", "https://", "socks5://", "socks5h://",
    };

    if (proxy == NULL || proxy[0] == '\0') {
        return true;
    }
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strncasecmp(proxy, schemes[i], strlen(schemes[i])) == 0
            && proxy[strlen(schemes[i])] != '\0') {
            return true;
        }
    }
    return false;
}

CURL *
sv_hls_easy(const char *url, const char *proxy, bool segment,
            long long max_bytes, curl_write_callback write, void *data,
            char *errbuf)
{
    CURL *c = curl_easy_init();

    if (c == NULL) {
        return NULL;
    }
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, SV_HLS_MAX_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, SV_HLS_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, segment ? SV_HLS_SEGMENT_TIMEOUT_S
                     : SV_HLS_PLAYLIST_TIMEOUT_S);
    /* A stalled origin ends the transfer long before the total timeout. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, SV_HLS_LOW_SPEED_BYTES);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, SV_HLS_LOW_SPEED_S);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) max_bytes);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (segment) {
        /* Fewer, larger reads and writes: the kernel time of a recording
         * is mostly per call (16 KiB by default). */
        curl_easy_setopt(c, CURLOPT_BUFFERSIZE, SV_HLS_SEGMENT_BUFFER);
    }
    curl_easy_setopt(c, CURLOPT_USERAGENT, "StreamVault");
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, data);
    curl_easy_setopt(c, CURLOPT_PRIVATE, data);
    /* "" overrides http_proxy and friends from the environment: a source
     * without a proxy goes direct, as configured. */
    curl_easy_setopt(c, CURLOPT_PROXY, proxy != NULL ? proxy : "");
    return c;
}

bool
sv_hls_outcome(CURL *easy, CURLcode rc, const char *errbuf, long *status,
               char *err, size_t errlen)
{
    *status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", errbuf[0] != '\0' ? errbuf
                 : curl_easy_strerror(rc));
        return false;
    }
    if (*status != 200) {
        snprintf(err, errlen, "HTTP status %ld, not 200", *status);
        return false;
    }
    return true;
}
