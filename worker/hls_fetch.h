/*
 * libcurl easy handles for the HLS engine (hls_recorder.h): one place for
 * the limits every playlist and segment request gets, and for reading the
 * outcome of a finished transfer.
 */

#ifndef SV_HLS_FETCH_H
#define SV_HLS_FETCH_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#define SV_HLS_CONNECT_TIMEOUT_S   10L
#define SV_HLS_LOW_SPEED_BYTES     1024L   /* per second, over ... */
#define SV_HLS_LOW_SPEED_S         15L
#define SV_HLS_PLAYLIST_TIMEOUT_S  20L
#define SV_HLS_SEGMENT_TIMEOUT_S   120L
#define SV_HLS_MAX_REDIRECTS       5L
#define SV_HLS_SEGMENT_BUFFER      (512L * 1024)   /* libcurl's maximum */

/* Whether proxy is a scheme libcurl may use for us: http, https, socks5,
 * socks5h (NULL or "" is fine: no proxy). */
bool sv_hls_proxy_ok(const char *proxy);

/* An easy handle GETting url (http/https only, redirects too) through
 * proxy (NULL: none, and no proxy from the environment either), feeding
 * write(data) with the body, at most max_bytes of it, with errbuf
 * (CURL_ERROR_SIZE bytes) for curl's words; NULL when out of memory. */
CURL *sv_hls_easy(const char *url, const char *proxy, bool segment,
                  long long max_bytes, curl_write_callback write, void *data,
                  char *errbuf);

/* The outcome of a finished transfer: true on status 200; otherwise false
 * with the reason in err and the status in *status (0: no answer). */
bool sv_hls_outcome(CURL *easy, CURLcode rc, const char *errbuf,
                    long *status, char *err, size_t errlen);

#endif /* SV_HLS_FETCH_H */
