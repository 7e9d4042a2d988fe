/*
 * One transfer of the HLS engine (see hls_xfer.h).
 */

#include "hls_xfer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hls_fetch.h"
#include "hls_playlist.h"
#include "hls_recorder.h"
#include "hls_segment_file.h"

/* Playlist text; returning short aborts the transfer. */
static size_t
playlist_write(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct sv_hls_xfer *x = userdata;
    size_t              n = size * nmemb;

    return sv_bounded_buf_append(&x->text, chunk, n) ? n : 0;
}

static size_t
segment_write(char *chunk, size_t size, size_t nmemb, void *userdata)
{
    struct sv_hls_xfer *x = userdata;
    size_t              n = size * nmemb;

    if ((long long) n > SV_HLS_SEGMENT_MAX_BYTES - x->bytes) {
        x->too_big = true;
        return 0;
    }
    if (!sv_hls_part_write(x->fd, chunk, n, &x->write_errno)) {
        x->write_failed = true;
        return 0;
    }
    x->bytes += (long long) n;
    return n;
}

void
sv_hls_xfer_free(struct sv_hls_xfer *x, bool keep_part)
{
    if (x->easy != NULL) {
        curl_multi_remove_handle(x->multi, x->easy);
        curl_easy_cleanup(x->easy);
    }
    if (x->fd >= 0) {
        close(x->fd);
    }
    if (x->segment && !keep_part) {
        sv_hls_part_discard(x->dir_fd, x->file);
    }
    free(x->text.data);
    free(x);
}

struct sv_hls_xfer *
sv_hls_xfer_start(CURLM *multi, struct sv_hls_rec *rec, int dir_fd,
                  const char *url, const char *proxy, bool segment,
                  int64_t file, const struct sv_hls_post *post)
{
    struct sv_hls_xfer *x = calloc(1, sizeof(*x));

    if (x == NULL) {
        return NULL;
    }
    x->rec = rec;
    x->multi = multi;
    x->dir_fd = dir_fd;
    x->segment = segment;
    x->file = file;
    x->fd = -1;
    x->text.max = SV_HLS_TEXT_MAX;
    if (segment) {
        x->fd = sv_hls_part_open(dir_fd, file);
        if (x->fd < 0) {
            free(x);
            return NULL;
        }
    }
    x->easy = sv_hls_easy(url, proxy, segment,
                          segment ? SV_HLS_SEGMENT_MAX_BYTES : SV_HLS_TEXT_MAX,
                          segment ? segment_write : playlist_write, x,
                          x->errbuf);
    if (x->easy != NULL && post != NULL) {
        x->text.max = post->max;
        curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t) post->max);
        curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, post->headers);
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE,
                         (long) strlen(post->body));
        curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, post->body);
    }
    if (x->easy == NULL || curl_multi_add_handle(multi, x->easy) != CURLM_OK) {
        if (x->easy != NULL) {
            curl_easy_cleanup(x->easy);
            x->easy = NULL;
        }
        sv_hls_xfer_free(x, false);
        return NULL;
    }
    return x;
}
