
/*
 * StreamVault nginx module: the library's files for players, at
 * /media/<expires>/<share>/<signature>/<path> (lib/sv_media_url.h).
 *
 * The signature and the expiry are checked with no I/O; then the file is
 * served the way the static module serves one (open file cache, symlinks
 * refused below the media root, ETag, Last-Modified, sendfile), and
 * nginx's range and not-modified filters do byte ranges, If-Range, 304 and
 * 416. A playlist is made in the thread pool from the video's fragment
 * index, or for a running recording from its segment log, once per version
 * of that file, and kept in a bounded cache of this worker process. The
 * playlist of a URL made for a share link is sent only once PostgreSQL
 * says the share is not revoked: the one request here that waits on it.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_hls_live.h>
#include <sv_hls_vod.h>
#include <sv_media_url.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_PLAYLIST_CACHE  (64 * 1024 * 1024)
#define NGX_HTTP_STREAMVAULT_MEDIA_MAX_AGE   86400


typedef struct {
    ngx_queue_t                 queue;      /* most recently used first */
    ngx_str_t                   index;      /* the index file's path */
    ngx_file_uniq_t             uniq;
    time_t                      mtime;
    off_t                       size;
    off_t                       video_size;
    u_char                     *data;       /* malloc()'d */
    size_t                      len;
    ngx_uint_t                  refs;       /* responses sending it */
    unsigned                    dropped:1;
} ngx_http_streamvault_playlist_t;


typedef struct {
    ngx_http_request_t         *request;
    time_t                      expires;

    /* in: the index (or log), open; the video's size; its name in the
     * playlist */
    unsigned                    live:1;
    ngx_fd_t                    fd;
    ngx_str_t                   index;
    ngx_file_uniq_t             uniq;
    time_t                      mtime;
    off_t                       size;
    off_t                       video_size;
    char                       *uri;

    /* out: malloc()'d, or NULL and the reason */
    char                       *data;
    size_t                      len;
    char                        err[256];
} ngx_http_streamvault_playlist_task_t;


typedef struct {
    ngx_http_request_t         *request;
    struct sv_media_file       *file;
    time_t                      expires;
} ngx_http_streamvault_share_check_t;


static ngx_int_t ngx_http_streamvault_media_share(ngx_http_request_t *r,
    struct sv_media_file *f, time_t expires, int64_t share);
static void ngx_http_streamvault_media_share_checked(void *data, ngx_int_t rc,
    PGresult *res);
static ngx_int_t ngx_http_streamvault_media_open(ngx_http_request_t *r,
    const char *rel, ngx_flag_t cached, ngx_str_t *path,
    ngx_open_file_info_t *of);
static ngx_int_t ngx_http_streamvault_media_file(ngx_http_request_t *r,
    struct sv_media_file *f, time_t expires);
static ngx_int_t ngx_http_streamvault_media_playlist(ngx_http_request_t *r,
    struct sv_media_file *f, time_t expires);
static void ngx_http_streamvault_playlist_thread(void *data, ngx_log_t *log);
static void ngx_http_streamvault_playlist_event(ngx_event_t *ev);
static ngx_http_streamvault_playlist_t *ngx_http_streamvault_playlist_find(
    ngx_str_t *index, ngx_open_file_info_t *of, off_t video_size);
static ngx_http_streamvault_playlist_t *ngx_http_streamvault_playlist_keep(
    ngx_http_streamvault_playlist_task_t *pt);
static void ngx_http_streamvault_playlist_release(void *data);
static ngx_int_t ngx_http_streamvault_playlist_send(ngx_http_request_t *r,
    ngx_http_streamvault_playlist_t *pl, time_t expires);
static ngx_int_t ngx_http_streamvault_media_headers(ngx_http_request_t *r,
    const char *mime, time_t expires);
static ngx_int_t ngx_http_streamvault_media_disposition(ngx_http_request_t *r,
    const char *file);


/* an empty queue points at itself */
static ngx_queue_t  ngx_http_streamvault_playlists = {
    &ngx_http_streamvault_playlists, &ngx_http_streamvault_playlists
};
static size_t       ngx_http_streamvault_playlists_bytes;


ngx_int_t
ngx_http_streamvault_media_handler(ngx_http_request_t *r)
{
    u_char                            *p, *last, *field[3];
    time_t                             expires;
    int64_t                            share;
    ngx_int_t                          rc;
    ngx_uint_t                         i;
    struct sv_media_file              *f;
    ngx_http_streamvault_main_conf_t  *smcf;
    char                               err[128];

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    /* /media/<expires>/<share>/<signature>/<path>, the URI decoded */

    p = r->uri.data;
    last = r->uri.data + r->uri.len;

    if (r->uri.len <= sizeof(SV_MEDIA_PREFIX) - 1
        || ngx_strncmp(p, SV_MEDIA_PREFIX, sizeof(SV_MEDIA_PREFIX) - 1) != 0)
    {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_FOUND,
                                               "not_found", "no such media");
    }

    p += sizeof(SV_MEDIA_PREFIX) - 1;

    for (i = 0; i < 3; i++) {
        field[i] = p;
        p = ngx_strlchr(p, last, '/');
        if (p == NULL) {
            return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_FOUND,
                                                   "not_found",
                                                   "no such media");
        }
        p++;
    }

    expires = ngx_atotm(field[0], field[1] - 1 - field[0]);
    share = ngx_atoof(field[1], field[2] - 1 - field[1]);

    f = ngx_palloc(r->pool, sizeof(struct sv_media_file));
    if (f == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (expires == NGX_ERROR || share == NGX_ERROR
        || !sv_media_parse((char *) p, last - p, f, err, sizeof(err)))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "streamvault: media URL refused: %s",
                      expires == NGX_ERROR || share == NGX_ERROR
                      ? "expiry or share is no number" : err);
        return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_FOUND,
                                               "not_found", "no such media");
    }

    if (!sv_media_sig_ok(smcf->media_key, expires, share, f->scope,
                         f->scope_len, (char *) field[2],
                         p - 1 - field[2]))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "streamvault: media URL with a wrong signature");
        return ngx_http_streamvault_send_error(r, NGX_HTTP_FORBIDDEN,
                                               "forbidden",
                                               "the signature does not match");
    }

    if (expires < ngx_time()) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_FORBIDDEN,
                                               "expired",
                                               "the link has expired");
    }

    if (f->kind == SV_MEDIA_FILE) {
        return ngx_http_streamvault_media_file(r, f, expires);
    }

    if (share) {
        return ngx_http_streamvault_media_share(r, f, expires, share);
    }

    return ngx_http_streamvault_media_playlist(r, f, expires);
}


/* a share link's playlist: sent once PostgreSQL says it is not revoked */

static ngx_int_t
ngx_http_streamvault_media_share(ngx_http_request_t *r,
    struct sv_media_file *f, time_t expires, int64_t share)
{
    u_char                              *p, id[NGX_INT64_LEN];
    ngx_http_streamvault_main_conf_t    *smcf;
    ngx_http_streamvault_share_check_t  *sc;

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (smcf->api_file == NULL) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_FORBIDDEN,
                                               "forbidden",
                                               "share links need the API");
    }

    sc = ngx_palloc(r->pool, sizeof(ngx_http_streamvault_share_check_t));
    if (sc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    sc->request = r;
    sc->file = f;
    sc->expires = expires;

    p = ngx_sprintf(id, "%L", share);

    /* the op always answers; the request stays (count) until it does */

    if (ngx_http_streamvault_pg_send(r->connection->log,
             ngx_http_streamvault_statement(NGX_HTTP_STREAMVAULT_SHARE_ACTIVE),
             id, p - id, ngx_http_streamvault_media_share_checked, sc)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->main->count++;

    return NGX_DONE;
}


static void
ngx_http_streamvault_media_share_checked(void *data, ngx_int_t rc,
    PGresult *res)
{
    ngx_http_streamvault_share_check_t  *sc = data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = sc->request;
    c = r->connection;

    if (c->error) {
        rc = NGX_ERROR;

    } else if (rc != NGX_OK || PQresultStatus(res) != PGRES_TUPLES_OK
               || PQntuples(res) != 1)
    {
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "streamvault: a share link could not be checked%s%s",
                      rc == NGX_OK ? ": " : "",
                      rc == NGX_OK ? PQresultErrorMessage(res) : "");

        rc = ngx_http_streamvault_send_error(r,
                                      NGX_HTTP_SERVICE_UNAVAILABLE,
                                      "unavailable",
                                      "the share link cannot be checked now");

    } else if (PQgetvalue(res, 0, 0)[0] != 't') {
        rc = ngx_http_streamvault_send_error(r, NGX_HTTP_FORBIDDEN,
                                             "revoked",
                                             "the share link was revoked");

    } else {
        rc = ngx_http_streamvault_media_playlist(r, sc->file, sc->expires);
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


/*
 * Opens <media root>/<rel> (through the open file cache when cached: not a
 * growing log, whose size it would keep), no symlink below the media root
 * followed; NGX_OK, or the status to answer.
 */

static ngx_int_t
ngx_http_streamvault_media_open(ngx_http_request_t *r, const char *rel,
    ngx_flag_t cached, ngx_str_t *path, ngx_open_file_info_t *of)
{
    u_char                            *p;
    size_t                             len;
    ngx_http_core_loc_conf_t          *clcf;
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    len = ngx_strlen(rel);

    path->len = smcf->media_root.len + 1 + len;
    path->data = ngx_pnalloc(r->pool, path->len + 1);
    if (path->data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(path->data, smcf->media_root.data, smcf->media_root.len);
    *p++ = '/';
    ngx_memcpy(p, rel, len + 1);

    ngx_memzero(of, sizeof(ngx_open_file_info_t));

    of->read_ahead = clcf->read_ahead;
    of->directio = clcf->directio;
    of->valid = clcf->open_file_cache_valid;
    of->min_uses = clcf->open_file_cache_min_uses;
    of->errors = clcf->open_file_cache_errors;
    of->events = clcf->open_file_cache_events;

#if (NGX_HAVE_OPENAT)
    of->disable_symlinks = NGX_DISABLE_SYMLINKS_ON;
    of->disable_symlinks_from = smcf->media_root.len;
#endif

    if (ngx_open_cached_file(cached ? clcf->open_file_cache : NULL, path, of,
                             r->pool)
        == NGX_OK)
    {
        return of->is_file ? NGX_OK : NGX_HTTP_NOT_FOUND;
    }

    switch (of->err) {

    case 0:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    case NGX_ENOENT:
    case NGX_ENOTDIR:
    case NGX_ENAMETOOLONG:
        return NGX_HTTP_NOT_FOUND;

    case NGX_EACCES:
#if (NGX_HAVE_OPENAT)
    case NGX_EMLINK:
    case NGX_ELOOP:
#endif
        ngx_log_error(NGX_LOG_ERR, r->connection->log, of->err,
                      "%s \"%V\" failed (a symlink or no permission)",
                      of->failed, path);
        return NGX_HTTP_FORBIDDEN;

    default:
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, of->err,
                      "%s \"%V\" failed", of->failed, path);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


static ngx_int_t
ngx_http_streamvault_media_file(ngx_http_request_t *r,
    struct sv_media_file *f, time_t expires)
{
    ngx_int_t             rc;
    ngx_buf_t            *b;
    ngx_str_t             path;
    ngx_chain_t           out;
    ngx_open_file_info_t  of;

    rc = ngx_http_streamvault_media_open(r, f->file, 1, &path, &of);
    if (rc != NGX_OK) {
        return ngx_http_streamvault_send_error(r, rc,
                                  rc == NGX_HTTP_FORBIDDEN ? "forbidden"
                                                           : "not_found",
                                  "the file cannot be served");
    }

    r->root_tested = !r->error_page;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = of.size;
    r->headers_out.last_modified_time = of.mtime;

    if (ngx_http_set_etag(r) != NGX_OK
        || ngx_http_streamvault_media_headers(r, f->mime, expires) != NGX_OK
        || ngx_http_streamvault_media_disposition(r, f->file) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->allow_ranges = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
    if (b->file == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->file_pos = 0;
    b->file_last = of.size;

    b->in_file = b->file_last ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    b->sync = (b->last_buf || b->in_file) ? 0 : 1;

    b->file->fd = of.fd;
    b->file->name = path;
    b->file->log = r->connection->log;
    b->file->directio = of.is_directio;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * The playlist of the video: from the cache while its index is the same
 * file, else made in the thread pool.
 */

static ngx_int_t
ngx_http_streamvault_media_playlist(ngx_http_request_t *r,
    struct sv_media_file *f, time_t expires)
{
    char                                  *name;
    size_t                                 len;
    ngx_int_t                              rc;
    ngx_str_t                              index, video;
    ngx_thread_task_t                     *task;
    ngx_open_file_info_t                   of, vof;
    ngx_http_streamvault_playlist_t       *pl;
    ngx_http_streamvault_main_conf_t      *smcf;
    ngx_http_streamvault_playlist_task_t  *pt;

    /* a live playlist describes segments, not a video; it is new with
     * every segment, so no browser keeps it */

    vof.size = -1;

    if (f->kind == SV_MEDIA_LIVE) {
        expires = ngx_time();
        rc = NGX_OK;

    } else {
        rc = ngx_http_streamvault_media_open(r, f->video, 1, &video, &vof);
    }

    if (rc == NGX_OK) {
        rc = ngx_http_streamvault_media_open(r, f->file,
                                             f->kind != SV_MEDIA_LIVE,
                                             &index, &of);
    }

    if (rc != NGX_OK) {
        return ngx_http_streamvault_send_error(r, rc,
                                  rc == NGX_HTTP_FORBIDDEN ? "forbidden"
                                                           : "not_found",
                                  "the video has no playlist");
    }

    pl = ngx_http_streamvault_playlist_find(&index, &of, vof.size);
    if (pl) {
        return ngx_http_streamvault_playlist_send(r, pl, expires);
    }

    if (of.size > (off_t) (f->kind == SV_MEDIA_LIVE ? SV_HLS_LIVE_LOG_MAX
                                                     : SV_HLS_VOD_INDEX_MAX))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: \"%V\" is too large for a playlist",
                      &index);
        return ngx_http_streamvault_send_error(r,
                                        NGX_HTTP_INTERNAL_SERVER_ERROR,
                                        "internal", "no playlist can be made");
    }

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_streamvault_playlist_task_t));
    if (task == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pt = task->ctx;
    pt->request = r;
    pt->live = (f->kind == SV_MEDIA_LIVE);
    pt->expires = expires;
    pt->fd = of.fd;
    pt->index = index;
    pt->uniq = of.uniq;
    pt->mtime = of.mtime;
    pt->size = of.size;
    pt->video_size = vof.size;

    /* the video's name, next to the playlist */

    name = strrchr(f->video, '/');
    name = name ? name + 1 : f->video;
    len = ngx_strlen(name);

    pt->uri = ngx_pnalloc(r->pool, 3 * len + 1);
    if (pt->uri == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pt->uri[sv_media_escape(name, len, 0, pt->uri)] = '\0';

    task->handler = ngx_http_streamvault_playlist_thread;
    task->event.handler = ngx_http_streamvault_playlist_event;
    task->event.data = pt;

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the request (and the index's fd in its pool) stays until it is back */

    r->main->count++;
    r->main->blocked++;
    r->aio = 1;

    return NGX_DONE;
}


static void
ngx_http_streamvault_playlist_thread(void *data, ngx_log_t *log)
{
    ngx_http_streamvault_playlist_task_t  *pt = data;

    char     *index;
    ssize_t   n;
    size_t    got;

    index = malloc(pt->size ? pt->size : 1);
    if (index == NULL) {
        ngx_cpystrn((u_char *) pt->err, (u_char *) "out of memory",
                    sizeof(pt->err));
        return;
    }

    for (got = 0; got < (size_t) pt->size; got += n) {
        n = pread(pt->fd, index + got, pt->size - got, got);

        if (n <= 0) {
            ngx_snprintf((u_char *) pt->err, sizeof(pt->err) - 1,
                         "read: %s%Z", n == 0 ? "the file shrank"
                                              : strerror(errno));
            free(index);
            return;
        }
    }

    pt->data = pt->live
               ? sv_hls_live_playlist(index, got, &pt->len, pt->err,
                                      sizeof(pt->err))
               : sv_hls_vod_playlist(index, got, pt->uri, pt->video_size,
                                     &pt->len, pt->err, sizeof(pt->err));
    free(index);
}


static void
ngx_http_streamvault_playlist_event(ngx_event_t *ev)
{
    ngx_http_streamvault_playlist_task_t  *pt = ev->data;

    ngx_int_t                         rc;
    ngx_connection_t                 *c;
    ngx_http_request_t               *r;
    ngx_http_streamvault_playlist_t  *pl;

    r = pt->request;
    c = r->connection;

    r->main->blocked--;
    r->aio = 0;

    pl = NULL;

    if (pt->data == NULL) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0,
                      "streamvault: no playlist from \"%V\": %s",
                      &pt->index, pt->err);

    } else {
        pl = ngx_http_streamvault_playlist_keep(pt);
        if (pl == NULL) {
            free(pt->data);
        }
    }

    if (c->error) {
        /* the client went away meanwhile */
        rc = NGX_ERROR;

    } else if (pl == NULL) {
        rc = ngx_http_streamvault_send_error(r,
                                        NGX_HTTP_INTERNAL_SERVER_ERROR,
                                        "internal",
                                        "no playlist can be made");
    } else {
        rc = ngx_http_streamvault_playlist_send(r, pl, pt->expires);
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static ngx_http_streamvault_playlist_t *
ngx_http_streamvault_playlist_find(ngx_str_t *index, ngx_open_file_info_t *of,
    off_t video_size)
{
    ngx_queue_t                      *q;
    ngx_http_streamvault_playlist_t  *pl;

    for (q = ngx_queue_head(&ngx_http_streamvault_playlists);
         q != ngx_queue_sentinel(&ngx_http_streamvault_playlists);
         q = ngx_queue_next(q))
    {
        pl = ngx_queue_data(q, ngx_http_streamvault_playlist_t, queue);

        if (pl->index.len == index->len
            && ngx_memcmp(pl->index.data, index->data, index->len) == 0
            && pl->uniq == of->uniq && pl->mtime == of->mtime
            && pl->size == of->size && pl->video_size == video_size)
        {
            ngx_queue_remove(q);
            ngx_queue_insert_head(&ngx_http_streamvault_playlists, q);
            return pl;
        }
    }

    return NULL;
}


/*
 * Keeps a new playlist, dropping the least recently used ones (and an
 * older version of the same index) beyond the cache's size.
 */

static ngx_http_streamvault_playlist_t *
ngx_http_streamvault_playlist_keep(ngx_http_streamvault_playlist_task_t *pt)
{
    ngx_queue_t                      *q, *prev;
    ngx_http_streamvault_playlist_t  *pl, *old;

    pl = ngx_alloc(sizeof(ngx_http_streamvault_playlist_t) + pt->index.len,
                   ngx_cycle->log);
    if (pl == NULL) {
        return NULL;
    }

    pl->index.data = (u_char *) (pl + 1);
    pl->index.len = pt->index.len;
    ngx_memcpy(pl->index.data, pt->index.data, pt->index.len);
    pl->uniq = pt->uniq;
    pl->mtime = pt->mtime;
    pl->size = pt->size;
    pl->video_size = pt->video_size;
    pl->data = (u_char *) pt->data;
    pl->len = pt->len;
    pl->refs = 0;
    pl->dropped = 0;

    for (q = ngx_queue_last(&ngx_http_streamvault_playlists);
         q != ngx_queue_sentinel(&ngx_http_streamvault_playlists);
         q = prev)
    {
        prev = ngx_queue_prev(q);
        old = ngx_queue_data(q, ngx_http_streamvault_playlist_t, queue);

        if (ngx_http_streamvault_playlists_bytes + pl->len
            <= NGX_HTTP_STREAMVAULT_PLAYLIST_CACHE
            && (old->index.len != pl->index.len
                || ngx_memcmp(old->index.data, pl->index.data,
                              pl->index.len) != 0))
        {
            continue;
        }

        ngx_queue_remove(q);
        ngx_http_streamvault_playlists_bytes -= old->len;
        old->dropped = 1;

        if (old->refs == 0) {
            old->refs = 1;
            ngx_http_streamvault_playlist_release(old);
        }
    }

    ngx_queue_insert_head(&ngx_http_streamvault_playlists, &pl->queue);
    ngx_http_streamvault_playlists_bytes += pl->len;

    return pl;
}


/* a response is done with pl; the last one frees a dropped playlist */

static void
ngx_http_streamvault_playlist_release(void *data)
{
    ngx_http_streamvault_playlist_t  *pl = data;

    if (--pl->refs == 0 && pl->dropped) {
        free(pl->data);
        ngx_free(pl);
    }
}


static ngx_int_t
ngx_http_streamvault_playlist_send(ngx_http_request_t *r,
    ngx_http_streamvault_playlist_t *pl, time_t expires)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_streamvault_playlist_release;
    cln->data = pl;
    pl->refs++;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = pl->len;
    r->headers_out.last_modified_time = pl->mtime;

    if (ngx_http_set_etag(r) != NGX_OK
        || ngx_http_streamvault_media_headers(r,
                                   "application/vnd.apple.mpegurl", expires)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_send_memory(r, pl->data, pl->len);
}


/* Content-Type, and the browser may keep it as long as the link lasts */

static ngx_int_t
ngx_http_streamvault_media_headers(ngx_http_request_t *r, const char *mime,
    time_t expires)
{
    time_t     age;
    ngx_str_t  value;

    static ngx_str_t  cache_control = ngx_string("Cache-Control");

    r->headers_out.content_type.data = (u_char *) mime;
    r->headers_out.content_type.len = ngx_strlen(mime);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    age = ngx_min(expires - ngx_time(), NGX_HTTP_STREAMVAULT_MEDIA_MAX_AGE);

    value.data = ngx_pnalloc(r->pool, sizeof("private, max-age=") - 1
                                      + NGX_TIME_T_LEN);
    if (value.data == NULL) {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(value.data, "private, max-age=%T",
                            age > 0 ? age : 0)
                - value.data;

    return ngx_http_streamvault_set_header(r, &cache_control, &value);
}


/*
 * ?download: "Content-Disposition: attachment" with the file's name, in
 * ASCII for old clients and as UTF-8 (RFC 6266) for the others.
 */

static ngx_int_t
ngx_http_streamvault_media_disposition(ngx_http_request_t *r,
    const char *file)
{
    u_char      *p;
    size_t       len, i;
    ngx_str_t    arg, value;
    const char  *name;

    static ngx_str_t  disposition = ngx_string("Content-Disposition");

    if (ngx_http_arg(r, (u_char *) "download", 8, &arg) != NGX_OK) {
        return NGX_OK;
    }

    name = strrchr(file, '/');
    name = name ? name + 1 : file;
    len = ngx_strlen(name);

    p = ngx_pnalloc(r->pool, sizeof("attachment; filename=\"\"; "
                                    "filename*=UTF-8''") - 1 + 4 * len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;

    p = ngx_cpymem(p, "attachment; filename=\"",
                   sizeof("attachment; filename=\"") - 1);

    for (i = 0; i < len; i++) {
        *p++ = (name[i] >= 0x20 && name[i] < 0x7f && name[i] != '"'
                && name[i] != '\\') ? name[i] : '_';
    }

    p = ngx_cpymem(p, "\"; filename*=UTF-8''",
                   sizeof("\"; filename*=UTF-8''") - 1);
    p += sv_media_escape(name, len, 0, (char *) p);

    value.len = p - value.data;

    return ngx_http_streamvault_set_header(r, &disposition, &value);
}
