
/*
 * StreamVault nginx module: POST /api/recordings/upload?filename=..., the
 * raw body a media file. The caller is checked to be an admin before the
 * body is read; nginx writes the body to a temporary file
 * (client_body_temp_path, which must be on the file system of
 * streamvault_import_dir), a request body filter bounds it by
 * streamvault_upload_max_size, and the file is renamed to
 * <import_dir>/uploads/<random hex>-<safe name>. api.recordings_import then
 * queues the import job in the one round trip every write takes; a refusal
 * deletes the file again. Only rename(), unlink() and mkdir() touch the
 * disk in the event loop, as the dav module's PUT does.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/rand.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_UPLOAD_NAME_MAX  120
#define NGX_HTTP_STREAMVAULT_UPLOAD_RANDOM    8      /* bytes, 16 hex digits */
#define NGX_HTTP_STREAMVAULT_UPLOAD_DIR       "uploads"
#define NGX_HTTP_STREAMVAULT_UPLOAD_REL       "import/uploads/"


static ngx_int_t ngx_http_streamvault_upload_refuse(ngx_http_request_t *r,
    ngx_uint_t status, char *code, char *message);
static ngx_int_t ngx_http_streamvault_upload_content_type(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_streamvault_upload_name(ngx_http_request_t *r,
    ngx_str_t *filename, ngx_str_t *name, char **error);
static ngx_int_t ngx_http_streamvault_upload_document(
    ngx_http_streamvault_ctx_t *ctx, yajl_val query, ngx_str_t *name);
static ngx_int_t ngx_http_streamvault_upload_check(
    ngx_http_streamvault_ctx_t *ctx, ngx_int_t *answer);
static void ngx_http_streamvault_upload_authorized(
    ngx_http_streamvault_ctx_t *ctx, PGresult *res);
static void ngx_http_streamvault_upload_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_streamvault_upload_move(
    ngx_http_streamvault_ctx_t *ctx, char **code, char **message);
static void ngx_http_streamvault_upload_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res);
static ngx_int_t ngx_http_streamvault_upload_body_filter(
    ngx_http_request_t *r, ngx_chain_t *in);


static ngx_http_request_body_filter_pt  ngx_http_next_request_body_filter;


/* what the worker's remux and ffprobe take as an imported video or audio */

static ngx_str_t  ngx_http_streamvault_upload_exts[] = {
    ngx_string(".mp4"),
    ngx_string(".mkv"),
    ngx_string(".ts"),
    ngx_string(".mov"),
    ngx_string(".flv"),
    ngx_string(".webm"),
    ngx_string(".m4a"),
    ngx_string(".mp3"),
    ngx_string(".aac"),
    ngx_null_string
};


static char  *ngx_http_streamvault_upload_query[] = {
    "filename", "streamer_id", "title", "date", NULL
};


ngx_int_t
ngx_http_streamvault_upload_init(ngx_conf_t *cf)
{
    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_streamvault_upload_body_filter;

    return NGX_OK;
}


/*
 * First api.authorize() for an admin (so that everybody else gets the 401
 * or 403 any write gets, and no body is read for them), then the checks
 * that need no I/O (ngx_http_streamvault_upload_check), then the body.
 */

ngx_int_t
ngx_http_streamvault_upload(ngx_http_streamvault_ctx_t *ctx)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->request;

    ctx->upload_keepalive = r->keepalive;

    /*
     * Until the body is read, a refusal closes the connection afterwards
     * (nginx's lingering close) rather than reading a large body to drop it.
     */

    r->keepalive = 0;
    r->lingering_close = 1;

    r->read_event_handler = ngx_http_test_reading;
    r->main->count++;

    rc = ngx_http_streamvault_call(ctx,
                 ngx_http_streamvault_statement(
                     NGX_HTTP_STREAMVAULT_AUTHORIZE_ADMIN),
                 NULL, NULL, ngx_http_streamvault_upload_authorized);

    ngx_http_streamvault_continue(ctx, rc);

    return NGX_DONE;
}


/* NGX_OK, or NGX_DECLINED and *answer what finalizes the refusal */

static ngx_int_t
ngx_http_streamvault_upload_check(ngx_http_streamvault_ctx_t *ctx,
    ngx_int_t *answer)
{
    char                              *error;
    ngx_int_t                          rc;
    ngx_str_t                          filename, name;
    yajl_val                           query;
    ngx_uint_t                         i, k;
    const char                        *key;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (smcf->import_dir.len == 0) {
        *answer = ngx_http_streamvault_upload_refuse(r,
                                           NGX_HTTP_NOT_IMPLEMENTED,
                                           "not_configured",
                                           "uploads need the "
                                           "\"streamvault_import_dir\" "
                                           "directive");
        return NGX_DECLINED;
    }

    if (ngx_http_streamvault_upload_content_type(r) != NGX_OK) {
        *answer = ngx_http_streamvault_upload_refuse(r,
                                        NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                        "unsupported_media_type",
                                        "the body must be the file, as "
                                        "application/octet-stream or video/*");
        return NGX_DECLINED;
    }

    if (r->headers_in.content_length_n > smcf->upload_max_size) {
        *answer = ngx_http_streamvault_upload_refuse(r,
                                          NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                          "too_large",
                                          "the file is larger than "
                                          "streamvault_upload_max_size");
        return NGX_DECLINED;
    }

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {
        *answer = ngx_http_streamvault_upload_refuse(r, NGX_HTTP_BAD_REQUEST,
                                                  "empty_body",
                                                  "the body must be the file; "
                                                  "it is empty");
        return NGX_DECLINED;
    }

    /* the query string, already checked to be UTF-8 without NUL */

    query = ngx_http_streamvault_json_tree(r, &ctx->query);

    if (query == NULL || !YAJL_IS_OBJECT(query)) {
        *answer = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    for (i = 0; i < query->u.object.len; i++) {
        key = query->u.object.keys[i];

        for (k = 0; ngx_http_streamvault_upload_query[k]; k++) {
            if (ngx_strcmp(key, ngx_http_streamvault_upload_query[k]) == 0) {
                break;
            }
        }

        if (ngx_http_streamvault_upload_query[k] == NULL) {
            *answer = ngx_http_streamvault_upload_refuse(r, 422, "invalid",
                                          "the query takes filename, "
                                          "streamer_id, title and date only");
            return NGX_DECLINED;
        }
    }

    if (ngx_http_streamvault_json_string_field(query, "filename", &filename,
                                               1, 4096)
        != NGX_OK)
    {
        *answer = ngx_http_streamvault_upload_refuse(r, 422, "invalid",
                                                  "the query must name the "
                                                  "file: filename=...");
        return NGX_DECLINED;
    }

    rc = ngx_http_streamvault_upload_name(r, &filename, &name, &error);

    if (rc == NGX_ERROR) {
        *answer = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    if (rc != NGX_OK) {
        *answer = ngx_http_streamvault_upload_refuse(r, 422, "invalid", error);
        return NGX_DECLINED;
    }

    /* the file's final name, <hex>-<name>, is chosen before the body comes */

    if (ngx_http_streamvault_upload_document(ctx, query, &name) != NGX_OK)
    {
        *answer = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_upload_refuse(ngx_http_request_t *r, ngx_uint_t status,
    char *code, char *message)
{
    /* no "100 Continue": the client need not send what is refused */

    r->expect_tested = 1;

    return ngx_http_streamvault_send_error(r, status, code, message);
}


/* application/octet-stream or any video type, parameters or not */

static ngx_int_t
ngx_http_streamvault_upload_content_type(ngx_http_request_t *r)
{
    u_char  *p, *end;
    size_t   len;

    if (r->headers_in.content_type == NULL) {
        return NGX_DECLINED;
    }

    p = r->headers_in.content_type->value.data;
    end = p + r->headers_in.content_type->value.len;

    len = 0;

    while (p + len < end && p[len] != ';' && p[len] != ' ' && p[len] != '\t')
    {
        len++;
    }

    if (len == sizeof("application/octet-stream") - 1
        && ngx_strncasecmp(p, (u_char *) "application/octet-stream", len) == 0)
    {
        return NGX_OK;
    }

    if (len > sizeof("video/") - 1
        && ngx_strncasecmp(p, (u_char *) "video/", sizeof("video/") - 1) == 0)
    {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/*
 * The name the file gets after its random prefix: never a path ("/" or
 * "\"), no control character, no leading dot; other than [A-Za-z0-9._ -]
 * each character becomes "_"; at most 120 bytes, ending in one of the
 * media extensions. NGX_DECLINED with *error to say why not.
 */

static ngx_int_t
ngx_http_streamvault_upload_name(ngx_http_request_t *r, ngx_str_t *filename,
    ngx_str_t *name, char **error)
{
    u_char      *p, *end, *out, c;
    ngx_str_t   *ext;

    p = filename->data;
    end = p + filename->len;

    if (*p == '.') {
        *error = "filename must not start with a dot";
        return NGX_DECLINED;
    }

    name->data = ngx_pnalloc(r->pool, filename->len);
    if (name->data == NULL) {
        return NGX_ERROR;
    }

    out = name->data;

    while (p < end) {
        c = *p;

        if (c == '/' || c == '\\') {
            *error = "filename must be a name, not a path";
            return NGX_DECLINED;
        }

        if (c < 0x20 || c == 0x7f) {
            *error = "filename must not contain control characters";
            return NGX_DECLINED;
        }

        if (c >= 0x80) {
            /* one "_" for each UTF-8 character (checked valid already) */
            (void) ngx_utf8_decode(&p, end - p);
            *out++ = '_';
            continue;
        }

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9')
            || c == '.' || c == '_' || c == ' ' || c == '-')
        {
            *out++ = c;

        } else {
            *out++ = '_';
        }

        p++;
    }

    name->len = out - name->data;

    if (name->len > NGX_HTTP_STREAMVAULT_UPLOAD_NAME_MAX) {
        *error = "filename must be at most 120 bytes long";
        return NGX_DECLINED;
    }

    for (ext = ngx_http_streamvault_upload_exts; ext->len; ext++) {
        if (name->len > ext->len
            && ngx_strncasecmp(name->data + name->len - ext->len, ext->data,
                               ext->len) == 0)
        {
            return NGX_OK;
        }
    }

    *error = "filename must end in .mp4, .mkv, .ts, .mov, .flv, .webm, "
             ".m4a, .mp3 or .aac";

    return NGX_DECLINED;
}


/*
 * The body api.recordings_import takes: {"path":"import/uploads/<hex>-
 * <name>","streamer_id":..,"title":..,"date":..}. The title is the file's
 * name without its extension unless given; streamer_id is a number when it
 * looks like one (else SQL says what is wrong with it); empty values are
 * left out.
 */

static ngx_int_t
ngx_http_streamvault_upload_document(ngx_http_streamvault_ctx_t *ctx,
    yajl_val query, ngx_str_t *name)
{
    u_char               *p, *dot;
    size_t                len, n;
    ngx_str_t             sid, title, date, hex, rel;
    ngx_uint_t            numeric;
    ngx_http_request_t   *r;
    u_char                random[NGX_HTTP_STREAMVAULT_UPLOAD_RANDOM];

    r = ctx->request;

    ngx_str_null(&sid);
    ngx_str_null(&title);
    ngx_str_null(&date);

    (void) ngx_http_streamvault_json_string_field(query, "streamer_id", &sid,
                                                  0, (size_t) -1);
    (void) ngx_http_streamvault_json_string_field(query, "title", &title,
                                                  0, (size_t) -1);
    (void) ngx_http_streamvault_json_string_field(query, "date", &date,
                                                  0, (size_t) -1);

    if (title.len == 0) {
        /* "my stream.mp4" is "my stream" */
        dot = ngx_strlchr(name->data, name->data + name->len, '.');

        for (p = dot; p; p = ngx_strlchr(p + 1, name->data + name->len, '.'))
        {
            dot = p;
        }

        title.data = name->data;
        title.len = dot ? (size_t) (dot - name->data) : name->len;
    }

    numeric = sid.len > 0 && sid.len <= 18 && sid.data[0] != '0';

    for (n = 0; numeric && n < sid.len; n++) {
        numeric = sid.data[n] >= '0' && sid.data[n] <= '9';
    }

    if (RAND_bytes(random, sizeof(random)) != 1) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "streamvault: RAND_bytes() failed");
        return NGX_ERROR;
    }

    hex.len = 2 * sizeof(random);
    hex.data = ngx_pnalloc(r->pool, hex.len);
    if (hex.data == NULL) {
        return NGX_ERROR;
    }

    ngx_hex_dump(hex.data, random, sizeof(random));

    rel.len = sizeof(NGX_HTTP_STREAMVAULT_UPLOAD_REL) - 1 + hex.len + 1
              + name->len;
    rel.data = ngx_pnalloc(r->pool, rel.len);
    if (rel.data == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(rel.data, NGX_HTTP_STREAMVAULT_UPLOAD_REL "%V-%V", &hex, name);

    /* <hex>-<name>, the file's name in <import_dir>/uploads/ */

    ctx->upload_name.data = rel.data + sizeof(NGX_HTTP_STREAMVAULT_UPLOAD_REL)
                            - 1;
    ctx->upload_name.len = rel.len - (sizeof(NGX_HTTP_STREAMVAULT_UPLOAD_REL)
                                      - 1);

    len = sizeof("{\"path\":,\"streamer_id\":,\"title\":,\"date\":}") - 1
          + ngx_http_streamvault_json_string_len(&rel)
          + ngx_http_streamvault_json_string_len(&sid)
          + ngx_http_streamvault_json_string_len(&title)
          + ngx_http_streamvault_json_string_len(&date);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->upload_doc.data = p;

    p = ngx_cpymem(p, "{\"path\":", sizeof("{\"path\":") - 1);
    p = ngx_http_streamvault_json_string(p, &rel);

    if (sid.len) {
        p = ngx_cpymem(p, ",\"streamer_id\":", sizeof(",\"streamer_id\":") - 1);
        p = numeric ? ngx_cpymem(p, sid.data, sid.len)
                    : ngx_http_streamvault_json_string(p, &sid);
    }

    p = ngx_cpymem(p, ",\"title\":", sizeof(",\"title\":") - 1);
    p = ngx_http_streamvault_json_string(p, &title);

    if (date.len) {
        p = ngx_cpymem(p, ",\"date\":", sizeof(",\"date\":") - 1);
        p = ngx_http_streamvault_json_string(p, &date);
    }

    *p++ = '}';

    ctx->upload_doc.len = p - ctx->upload_doc.data;

    return NGX_OK;
}


/* An admin: now the body, into a temporary file that outlives the read. */

static void
ngx_http_streamvault_upload_authorized(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ngx_http_streamvault_upload_check(ctx, &rc) != NGX_OK) {
        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    ctx->upload = 1;

    r->keepalive = ctx->upload_keepalive;
    r->lingering_close = 0;

    r->request_body_in_file_only = 1;
    r->request_body_in_persistent_file = 1;
    r->request_body_in_clean_file = 1;
    r->request_body_file_group_access = 1;
    r->request_body_file_log_level = 0;

    ctx->upload_reading = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_streamvault_upload_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
            r->keepalive = 0;
            rc = ngx_http_streamvault_send_error(r, rc, "too_large",
                                                 "the file is larger than "
                                                 "streamvault_upload_max_size");
        }

        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    /* the reference ngx_http_streamvault_upload() took */

    ngx_http_finalize_request(r, NGX_DONE);
}


static void
ngx_http_streamvault_upload_body(ngx_http_request_t *r)
{
    char                        *code, *message;
    ngx_int_t                    rc;
    ngx_http_streamvault_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_streamvault_module);

    r->read_event_handler = ngx_http_test_reading;

    if (r->request_body == NULL
        || r->request_body->temp_file == NULL
        || r->request_body->temp_file->file.offset == 0)
    {
        /* a temporary file, if any, goes with the request */
        ngx_http_streamvault_finish(ctx,
                  ngx_http_streamvault_send_error(r, NGX_HTTP_BAD_REQUEST,
                                                  "empty_body",
                                                  "the body must be the "
                                                  "file; it is empty"));
        return;
    }

    rc = ngx_http_streamvault_upload_move(ctx, &code, &message);

    if (rc != NGX_OK) {
        if (rc == NGX_ERROR) {
            rc = ngx_http_streamvault_send_error(ctx->request,
                                         NGX_HTTP_INTERNAL_SERVER_ERROR,
                                         code, message);
        }

        ngx_http_streamvault_finish(ctx, rc);
        return;
    }

    rc = ngx_http_streamvault_call(ctx,
                       ngx_http_streamvault_statement(ctx->route->function),
                       &ctx->upload_doc, NULL,
                       ngx_http_streamvault_upload_done);

    if (rc != NGX_AGAIN) {
        ngx_http_streamvault_upload_failed(ctx);
    }

    ngx_http_streamvault_continue(ctx, rc);
}


/*
 * The temporary file becomes <import_dir>/uploads/<hex>-<name>: a rename,
 * so client_body_temp_path must be on the import folder's file system.
 * Its pool cleanup then finds no file to delete.
 */

static ngx_int_t
ngx_http_streamvault_upload_move(ngx_http_streamvault_ctx_t *ctx, char **code,
    char **message)
{
    u_char                            *p;
    ngx_err_t                          err;
    ngx_str_t                         *temp;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);
    temp = &r->request_body->temp_file->file.name;

    ctx->upload_file.len = smcf->import_dir.len
                           + sizeof("/" NGX_HTTP_STREAMVAULT_UPLOAD_DIR "/") - 1
                           + ctx->upload_name.len;
    ctx->upload_file.data = ngx_pnalloc(r->pool, ctx->upload_file.len + 1);
    if (ctx->upload_file.data == NULL) {
        ctx->upload_file.len = 0;
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(ctx->upload_file.data,
                    "%V/" NGX_HTTP_STREAMVAULT_UPLOAD_DIR "%Z",
                    &smcf->import_dir);

    if (ngx_create_dir(ctx->upload_file.data, 0770) == NGX_FILE_ERROR) {
        err = ngx_errno;

        if (err != NGX_EEXIST) {
            ngx_log_error(NGX_LOG_CRIT, r->connection->log, err,
                          ngx_create_dir_n " \"%s\" failed",
                          ctx->upload_file.data);
            ngx_str_null(&ctx->upload_file);
            *code = "internal";
            *message = "the upload folder cannot be made";
            return NGX_ERROR;
        }
    }

    p[-1] = '/';
    p = ngx_cpymem(p, ctx->upload_name.data, ctx->upload_name.len);
    *p = '\0';

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "streamvault upload: \"%s\" to \"%s\"",
                   temp->data, ctx->upload_file.data);

    if (ngx_rename_file(temp->data, ctx->upload_file.data) != NGX_FILE_ERROR)
    {
        return NGX_OK;
    }

    err = ngx_errno;

    if (err == NGX_EXDEV) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, err,
                      "streamvault: " ngx_rename_file_n " \"%s\" to \"%s\" "
                      "failed: \"client_body_temp_path\" must be on the file "
                      "system of \"streamvault_import_dir\"",
                      temp->data, ctx->upload_file.data);
        ngx_str_null(&ctx->upload_file);
        *code = "cross_device";
        *message = "the upload cannot be moved into the import folder: "
                   "client_body_temp_path must be on the same file system "
                   "as streamvault_import_dir";
        return NGX_ERROR;
    }

    ngx_log_error(NGX_LOG_CRIT, r->connection->log, err,
                  ngx_rename_file_n " \"%s\" to \"%s\" failed",
                  temp->data, ctx->upload_file.data);
    ngx_str_null(&ctx->upload_file);
    *code = "internal";
    *message = "the upload cannot be moved into the import folder";

    return NGX_ERROR;
}


static void
ngx_http_streamvault_upload_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    ctx->upload_accepted = 1;

    ngx_http_streamvault_reply(ctx, res);
}


/*
 * No import: the renamed file is deleted. While api.recordings_import is
 * still in flight (the client went away) the job may yet be queued, so
 * the file stays for it.
 */

void
ngx_http_streamvault_upload_failed(ngx_http_streamvault_ctx_t *ctx)
{
    ngx_http_request_t  *r;

    r = ctx->request;

    if (!ctx->upload_reading) {
        /* refused before the body was asked for: no "100 Continue" */
        r->expect_tested = 1;
    }

    if (ctx->upload_file.data == NULL || ctx->upload_accepted) {
        return;
    }

    if (ctx->pg_op) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "streamvault: the client closed the upload of \"%s\" "
                      "while its import was being queued; the file is kept",
                      ctx->upload_file.data);
        ngx_str_null(&ctx->upload_file);
        return;
    }

    if (ngx_delete_file(ctx->upload_file.data) == NGX_FILE_ERROR
        && ngx_errno != NGX_ENOENT)
    {
        ngx_log_error(NGX_LOG_CRIT, r->connection->log, ngx_errno,
                      ngx_delete_file_n " \"%s\" failed",
                      ctx->upload_file.data);
    }

    ngx_str_null(&ctx->upload_file);
}


/* streamvault_upload_max_size, for chunked bodies too, as they come */

static ngx_int_t
ngx_http_streamvault_upload_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in)
{
    ngx_chain_t                       *cl;
    ngx_http_streamvault_ctx_t        *ctx;
    ngx_http_streamvault_main_conf_t  *smcf;

    ctx = ngx_http_get_module_ctx(r, ngx_streamvault_module);

    if (ctx == NULL || !ctx->upload) {
        return ngx_http_next_request_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        ctx->upload_size += ngx_buf_size(cl->buf);
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    if (ctx->upload_size > smcf->upload_max_size) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "streamvault: the upload is larger than "
                      "streamvault_upload_max_size %O", smcf->upload_max_size);
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    return ngx_http_next_request_body_filter(r, in);
}
