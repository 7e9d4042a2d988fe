/*
 * One transfer of the HLS engine on its multi handle: a playlist read into
 * memory (bounded), or a segment streamed to its .part file
 * (hls_segment_file.h) so that nothing of it stays in memory.
 */

#ifndef SV_HLS_XFER_H
#define SV_HLS_XFER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "bounded_buf.h"

struct sv_hls_rec;

struct sv_hls_xfer {
    struct sv_hls_rec    *rec;          /* whose it is */
    CURLM                *multi;
    int                   dir_fd;       /* the recording's folder */
    CURL                 *easy;
    bool                  segment;
    int64_t               file;         /* segment: its file number */
    int                   fd;           /* its .part file, -1 */
    long long             bytes;
    bool                  write_failed;
    int                   write_errno;
    struct sv_bounded_buf text;         /* playlist */
    bool                  too_big;      /* segment */
    char                  errbuf[CURL_ERROR_SIZE];
};

/* A request with a body (Twitch's GQL) instead of a GET: its headers and
 * JSON body (both kept by the caller until the transfer ends) and the
 * largest answer taken. */
struct sv_hls_post {
    struct curl_slist    *headers;
    const char           *body;
    size_t                max;
};

/* Starts GETting url on multi (a segment into file's .part file under
 * dir_fd), or POSTing when post is given; NULL with errno when the file or
 * the transfer cannot start. */
struct sv_hls_xfer *sv_hls_xfer_start(CURLM *multi, struct sv_hls_rec *rec,
                                      int dir_fd, const char *url,
                                      const char *proxy, bool segment,
                                      int64_t file,
                                      const struct sv_hls_post *post);

/* Ends a transfer; a segment's .part file is removed unless kept. */
void sv_hls_xfer_free(struct sv_hls_xfer *x, bool keep_part);

#endif /* SV_HLS_XFER_H */
