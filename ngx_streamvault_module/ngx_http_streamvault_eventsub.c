
/*
 * StreamVault nginx module: POST /eventsub, Twitch's EventSub webhooks.
 * A message is checked here (size, headers, freshness, the HMAC of
 * id || timestamp || body under the EventSub secret) and answered within
 * milliseconds: a verification with its challenge, a notification or a
 * revocation by one Redis script that drops repeated message ids (and
 * repeated stream.online events of one stream) and queues an "eventsub" job
 * for the worker. Nothing else happens inline.
 *
 * The secret is the worker's, sealed in the settings table; each worker
 * process fetches and opens it, keeps it in memory, and fetches it again in
 * the background of a request once it is a minute old.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <sv_rfc3339.h>
#include <sv_secretbox.h>

#include "ngx_http_streamvault_api.h"


/* the job that carries a body verbatim must fit the inbox's 64 KiB */
#define NGX_HTTP_STREAMVAULT_EVENTSUB_BODY_MAX       (60 * 1024)
#define NGX_HTTP_STREAMVAULT_EVENTSUB_KEY_MAX        64     /* the secret */
#define NGX_HTTP_STREAMVAULT_EVENTSUB_WINDOW         600    /* s, each way */
#define NGX_HTTP_STREAMVAULT_EVENTSUB_REFRESH        60     /* s */
#define NGX_HTTP_STREAMVAULT_EVENTSUB_RETRY          1      /* s, none yet */
#define NGX_HTTP_STREAMVAULT_EVENTSUB_ID_MAX         128
#define NGX_HTTP_STREAMVAULT_EVENTSUB_TYPE_MAX       128
#define NGX_HTTP_STREAMVAULT_EVENTSUB_VERSION_MAX    16
#define NGX_HTTP_STREAMVAULT_EVENTSUB_STREAM_ID_MAX  64
#define NGX_HTTP_STREAMVAULT_EVENTSUB_CHALLENGE_MAX  1024

#define NGX_HTTP_STREAMVAULT_EVENTSUB_SETTING  "twitch.eventsub_secret"
#define NGX_HTTP_STREAMVAULT_EVENTSUB_MESSAGE  "streamvault:eventsub:message:"
#define NGX_HTTP_STREAMVAULT_EVENTSUB_STREAM   "streamvault:eventsub:stream:"
#define NGX_HTTP_STREAMVAULT_EVENTSUB_INBOX    "streamvault:inbox"


typedef enum {
    NGX_HTTP_STREAMVAULT_EVENTSUB_VERIFICATION = 0,
    NGX_HTTP_STREAMVAULT_EVENTSUB_NOTIFICATION,
    NGX_HTTP_STREAMVAULT_EVENTSUB_REVOCATION
} ngx_http_streamvault_eventsub_type_e;


typedef struct {
    ngx_http_request_t                *request;

    /* waiting for the first secret, or for Redis */
    ngx_queue_t                        queue;
    ngx_http_streamvault_redis_op_t   *redis_op;

    ngx_str_t                          id;
    ngx_str_t                          timestamp;
    ngx_str_t                          sub_type;
    ngx_str_t                          sub_version;
    ngx_uint_t                         type;
    u_char                             signature[SHA256_DIGEST_LENGTH];

    ngx_str_t                          signed_text;  /* id timestamp body */
    ngx_str_t                          body;         /* inside signed_text */

    ngx_str_t                          message_key;
    ngx_str_t                          stream_key;   /* stream.online only */
    ngx_str_t                          job;

    unsigned                           waiting:1;
    unsigned                           eval:1;       /* after NOSCRIPT */
} ngx_http_streamvault_eventsub_ctx_t;


static void ngx_http_streamvault_eventsub_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_streamvault_eventsub_read(ngx_http_request_t *r,
    ngx_http_streamvault_eventsub_ctx_t *ctx);
static ngx_int_t ngx_http_streamvault_eventsub_headers(ngx_http_request_t *r,
    ngx_http_streamvault_eventsub_ctx_t *ctx);
static ngx_int_t ngx_http_streamvault_eventsub_header(ngx_http_request_t *r,
    char *name, ngx_str_t *value);
static ngx_int_t ngx_http_streamvault_eventsub_token(ngx_str_t *s,
    size_t max, char *more);
static ngx_int_t ngx_http_streamvault_eventsub_signature(ngx_str_t *header,
    u_char *mac);
static ngx_int_t ngx_http_streamvault_eventsub_equal(ngx_str_t *a,
    ngx_str_t *b);
static ngx_int_t ngx_http_streamvault_eventsub_uuid(ngx_str_t *s);
static ngx_int_t ngx_http_streamvault_eventsub_secret(
    ngx_http_streamvault_eventsub_ctx_t *ctx);
static ngx_int_t ngx_http_streamvault_eventsub_none(ngx_http_request_t *r);
static void ngx_http_streamvault_eventsub_fetch(void);
static void ngx_http_streamvault_eventsub_fetched(void *data, ngx_int_t rc,
    PGresult *res);
static void ngx_http_streamvault_eventsub_keep(PGresult *res);
static ngx_int_t ngx_http_streamvault_eventsub_verify(
    ngx_http_streamvault_eventsub_ctx_t *ctx);
static ngx_int_t ngx_http_streamvault_eventsub_message(
    ngx_http_streamvault_eventsub_ctx_t *ctx, yajl_val tree);
static ngx_int_t ngx_http_streamvault_eventsub_job(
    ngx_http_streamvault_eventsub_ctx_t *ctx);
static ngx_int_t ngx_http_streamvault_eventsub_enqueue(
    ngx_http_streamvault_eventsub_ctx_t *ctx);
static void ngx_http_streamvault_eventsub_queued(void *data, ngx_int_t rc,
    redisReply *reply);
static ngx_int_t ngx_http_streamvault_eventsub_refuse(ngx_http_request_t *r,
    ngx_uint_t status, char *code, char *message);
static ngx_int_t ngx_http_streamvault_eventsub_too_large(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_streamvault_eventsub_unavailable(
    ngx_http_request_t *r, char *message);
static ngx_int_t ngx_http_streamvault_eventsub_no_content(
    ngx_http_request_t *r);
static void ngx_http_streamvault_eventsub_cleanup(void *data);


static ngx_str_t  ngx_http_streamvault_eventsub_types[] = {
    ngx_string("webhook_callback_verification"),
    ngx_string("notification"),
    ngx_string("revocation"),
    ngx_null_string
};


/* the notifications the worker acts on */

typedef struct {
    ngx_str_t  type;
    ngx_str_t  version;
} ngx_http_streamvault_eventsub_wanted_t;

static ngx_http_streamvault_eventsub_wanted_t
    ngx_http_streamvault_eventsub_wanted[] = {
    { ngx_string("stream.online"), ngx_string("1") },
    { ngx_string("stream.offline"), ngx_string("1") },
    { ngx_string("channel.update"), ngx_string("2") },
    { ngx_null_string, ngx_null_string }
};


/*
 * KEYS: the message id's key, the inbox, for stream.online the stream's
 * key; ARGV: the job. 1: queued, 0: a message or a stream seen before.
 */

static char  ngx_http_streamvault_eventsub_script[] =
    "if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', 1200) then "
    "  return 0 "
    "end "
    "if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', 172800) "
    "then "
    "  return 0 "
    "end "
    "redis.call('LPUSH', KEYS[2], ARGV[1]) "
    "return 1";

static u_char  ngx_http_streamvault_eventsub_sha[SHA_DIGEST_LENGTH * 2];


/* this worker process's copy of the secret */

static struct {
    u_char                         data[NGX_HTTP_STREAMVAULT_EVENTSUB_KEY_MAX];
    size_t                         len;       /* 0: none */
    time_t                         fetched;   /* when the last fetch began */
    ngx_http_streamvault_pg_op_t  *op;        /* a fetch in flight */
    ngx_flag_t                     failed;    /* the last fetch did */
    ngx_queue_t                    waiting;   /* requests, while none */
} ngx_http_streamvault_eventsub_known;


ngx_int_t
ngx_http_streamvault_eventsub_init(ngx_conf_t *cf)
{
    u_char                             sha[SHA_DIGEST_LENGTH];
    ngx_int_t                          stmt;
    ngx_http_streamvault_main_conf_t  *smcf;

    static ngx_str_t  sql =
        ngx_string("SELECT value #>> '{}' FROM settings WHERE key = $1");

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_streamvault_module);

    stmt = ngx_http_streamvault_pg_add_statement(cf, &sql);
    if (stmt == NGX_ERROR) {
        return NGX_ERROR;
    }

    smcf->eventsub_statement = stmt;

    SHA1((u_char *) ngx_http_streamvault_eventsub_script,
         sizeof(ngx_http_streamvault_eventsub_script) - 1, sha);
    ngx_hex_dump(ngx_http_streamvault_eventsub_sha, sha, sizeof(sha));

    ngx_queue_init(&ngx_http_streamvault_eventsub_known.waiting);

    return NGX_OK;
}


void
ngx_http_streamvault_eventsub_exit_process(void)
{
    /* the pools are gone with their ops: no handler is called */

    ngx_explicit_memzero(ngx_http_streamvault_eventsub_known.data,
                         sizeof(ngx_http_streamvault_eventsub_known.data));
    ngx_http_streamvault_eventsub_known.len = 0;
    ngx_http_streamvault_eventsub_known.op = NULL;
}


ngx_int_t
ngx_http_streamvault_eventsub_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_http_cleanup_t                   *cln;
    ngx_http_streamvault_eventsub_ctx_t  *ctx;

    static ngx_str_t  allow_key = ngx_string("Allow");
    static ngx_str_t  allow = ngx_string("POST");

    if (r->method != NGX_HTTP_POST) {
        if (ngx_http_streamvault_set_header(r, &allow_key, &allow) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_NOT_ALLOWED,
                                               "method_not_allowed",
                                               "only POST is allowed");
    }

    if (r->headers_in.content_length_n
        > NGX_HTTP_STREAMVAULT_EVENTSUB_BODY_MAX)
    {
        return ngx_http_streamvault_eventsub_too_large(r);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_streamvault_eventsub_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;

    /*
     * not the module's request context, which the module's body filter
     * takes for an API request's: the cleanup holds it
     */

    cln = ngx_http_cleanup_add(r, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_streamvault_eventsub_cleanup;
    cln->data = ctx;

    /* in memory: streamvault_eventsub sets client_body_buffer_size */

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_streamvault_eventsub_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_streamvault_eventsub_body(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_http_cleanup_t                   *cln;
    ngx_http_streamvault_eventsub_ctx_t  *ctx;

    for (cln = r->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_streamvault_eventsub_cleanup) {
            break;
        }
    }

    ctx = cln->data;

    /* a client that goes away is noticed while the backends work */

    r->read_event_handler = ngx_http_test_reading;

    /* each step goes on with the next, or answers */

    rc = ngx_http_streamvault_eventsub_read(r, ctx);

    if (rc != NGX_AGAIN) {
        ngx_http_finalize_request(r, rc);
    }
}


/*
 * The body, after the id and the timestamp they are signed with: in one
 * buffer, for one HMAC call.
 */

static ngx_int_t
ngx_http_streamvault_eventsub_read(ngx_http_request_t *r,
    ngx_http_streamvault_eventsub_ctx_t *ctx)
{
    u_char       *p;
    size_t        len;
    ngx_chain_t  *cl;

    len = 0;

    for (cl = r->request_body ? r->request_body->bufs : NULL;
         cl;
         cl = cl->next)
    {
        if (cl->buf->in_file) {
            len = NGX_HTTP_STREAMVAULT_EVENTSUB_BODY_MAX + 1;
            break;
        }

        len += cl->buf->last - cl->buf->pos;
    }

    if (len > NGX_HTTP_STREAMVAULT_EVENTSUB_BODY_MAX) {
        return ngx_http_streamvault_eventsub_too_large(r);
    }

    ctx->signed_text.data = ngx_pnalloc(r->pool,
                                        NGX_HTTP_STREAMVAULT_EVENTSUB_ID_MAX
                                        + SV_RFC3339_MAX + len);
    if (ctx->signed_text.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ctx->signed_text.data + NGX_HTTP_STREAMVAULT_EVENTSUB_ID_MAX
        + SV_RFC3339_MAX;

    ctx->body.data = p;

    for (cl = r->request_body ? r->request_body->bufs : NULL;
         cl;
         cl = cl->next)
    {
        p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    ctx->body.len = len;

    return ngx_http_streamvault_eventsub_headers(r, ctx);
}


static ngx_int_t
ngx_http_streamvault_eventsub_headers(ngx_http_request_t *r,
    ngx_http_streamvault_eventsub_ctx_t *ctx)
{
    u_char     *p;
    int64_t     t;
    ngx_str_t   type, signature;

    if (ngx_http_streamvault_eventsub_header(r, "Message-Id", &ctx->id)
           != NGX_OK
        || ngx_http_streamvault_eventsub_token(&ctx->id,
                                          NGX_HTTP_STREAMVAULT_EVENTSUB_ID_MAX,
                                          "_.:-")
           != NGX_OK)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_request",
                                   "Twitch-Eventsub-Message-Id is missing "
                                   "or not 1..128 of [A-Za-z0-9_.:-]");
    }

    if (ngx_http_streamvault_eventsub_header(r, "Message-Timestamp",
                                             &ctx->timestamp)
           != NGX_OK
        || sv_rfc3339_parse((char *) ctx->timestamp.data, ctx->timestamp.len,
                            &t)
           != 0)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_request",
                                   "Twitch-Eventsub-Message-Timestamp is "
                                   "missing or not an RFC 3339 time");
    }

    if (ngx_http_streamvault_eventsub_header(r, "Message-Signature",
                                             &signature)
           != NGX_OK
        || ngx_http_streamvault_eventsub_signature(&signature, ctx->signature)
           != NGX_OK)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_request",
                                   "Twitch-Eventsub-Message-Signature is "
                                   "missing or not sha256=<64 hex digits>");
    }

    if (ngx_http_streamvault_eventsub_header(r, "Message-Type", &type)
        != NGX_OK)
    {
        type.len = 0;
    }

    for (ctx->type = 0;
         ngx_http_streamvault_eventsub_types[ctx->type].len;
         ctx->type++)
    {
        if (ngx_http_streamvault_eventsub_equal(&type,
                               &ngx_http_streamvault_eventsub_types[ctx->type]))
        {
            break;
        }
    }

    if (ngx_http_streamvault_eventsub_types[ctx->type].len == 0) {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_request",
                                   "Twitch-Eventsub-Message-Type is missing "
                                   "or unknown");
    }

    if (ngx_http_streamvault_eventsub_header(r, "Subscription-Type",
                                             &ctx->sub_type)
           != NGX_OK
        || ngx_http_streamvault_eventsub_token(&ctx->sub_type,
                                        NGX_HTTP_STREAMVAULT_EVENTSUB_TYPE_MAX,
                                        "_.")
           != NGX_OK
        || ngx_http_streamvault_eventsub_header(r, "Subscription-Version",
                                                &ctx->sub_version)
           != NGX_OK
        || ngx_http_streamvault_eventsub_token(&ctx->sub_version,
                                     NGX_HTTP_STREAMVAULT_EVENTSUB_VERSION_MAX,
                                     "_.-")
           != NGX_OK)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_request",
                                   "Twitch-Eventsub-Subscription-Type or "
                                   "-Version is missing or malformed");
    }

    if (t < ngx_time() - NGX_HTTP_STREAMVAULT_EVENTSUB_WINDOW
        || t > ngx_time() + NGX_HTTP_STREAMVAULT_EVENTSUB_WINDOW)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_FORBIDDEN,
                                   "forbidden",
                                   "the message is more than 10 minutes "
                                   "old or ahead");
    }

    /* what is signed: id || timestamp || body, before the body */

    p = ctx->body.data - ctx->id.len - ctx->timestamp.len;

    ctx->signed_text.data = p;
    ctx->signed_text.len = ctx->id.len + ctx->timestamp.len + ctx->body.len;

    p = ngx_cpymem(p, ctx->id.data, ctx->id.len);
    ngx_memcpy(p, ctx->timestamp.data, ctx->timestamp.len);

    return ngx_http_streamvault_eventsub_secret(ctx);
}


/* NGX_OK when the header "Twitch-Eventsub-<name>" is there once */

static ngx_int_t
ngx_http_streamvault_eventsub_header(ngx_http_request_t *r, char *name,
    ngx_str_t *value)
{
    size_t            len, prefix;
    ngx_uint_t        i, found;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    prefix = sizeof("Twitch-Eventsub-") - 1;
    len = ngx_strlen(name);
    found = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == prefix + len
                && ngx_strncasecmp(h[i].key.data,
                                   (u_char *) "Twitch-Eventsub-", prefix) == 0
                && ngx_strncasecmp(h[i].key.data + prefix, (u_char *) name,
                                   len) == 0)
            {
                *value = h[i].value;
                found++;
            }
        }
    }

    return (found == 1) ? NGX_OK : NGX_DECLINED;
}


/* 1..max bytes of letters, digits and the characters in more */

static ngx_int_t
ngx_http_streamvault_eventsub_token(ngx_str_t *s, size_t max, char *more)
{
    u_char      c;
    ngx_uint_t  i;

    if (s->len == 0 || s->len > max) {
        return NGX_DECLINED;
    }

    for (i = 0; i < s->len; i++) {
        c = s->data[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || ngx_strchr(more, c)))
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/* "sha256=" and 64 hex digits, either case */

static ngx_int_t
ngx_http_streamvault_eventsub_signature(ngx_str_t *header, u_char *mac)
{
    u_char      *p, c, v;
    ngx_uint_t   i;

    if (header->len != sizeof("sha256=") - 1 + 2 * SHA256_DIGEST_LENGTH
        || ngx_strncmp(header->data, "sha256=", sizeof("sha256=") - 1) != 0)
    {
        return NGX_DECLINED;
    }

    p = header->data + sizeof("sha256=") - 1;

    for (i = 0; i < 2 * SHA256_DIGEST_LENGTH; i++) {
        c = ngx_tolower(p[i]);

        if (c >= '0' && c <= '9') {
            v = c - '0';

        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;

        } else {
            return NGX_DECLINED;
        }

        mac[i / 2] = (i % 2) ? (mac[i / 2] << 4 | v) : v;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_eventsub_equal(ngx_str_t *a, ngx_str_t *b)
{
    return a->len == b->len && ngx_strncmp(a->data, b->data, a->len) == 0;
}


/* the canonical 8-4-4-4-12 hex form, either case */

static ngx_int_t
ngx_http_streamvault_eventsub_uuid(ngx_str_t *s)
{
    ngx_uint_t  i;

    if (s->len != 36) {
        return 0;
    }

    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s->data[i] != '-') {
                return 0;
            }

        } else if (!isxdigit(s->data[i])) {
            return 0;
        }
    }

    return 1;
}


/*
 * Goes on with a known secret, or waits for the first fetch (NGX_AGAIN).
 * A known one is fetched again once it is a minute old, while
 * the requests go on with it; none is asked for at most once a second.
 */

static ngx_int_t
ngx_http_streamvault_eventsub_secret(ngx_http_streamvault_eventsub_ctx_t *ctx)
{
    time_t  age;

    age = ngx_time() - ngx_http_streamvault_eventsub_known.fetched;

    if (ngx_http_streamvault_eventsub_known.len) {

        if (ngx_http_streamvault_eventsub_known.op == NULL
            && age >= NGX_HTTP_STREAMVAULT_EVENTSUB_REFRESH)
        {
            ngx_http_streamvault_eventsub_fetch();
        }

        return ngx_http_streamvault_eventsub_verify(ctx);
    }

    if (ngx_http_streamvault_eventsub_known.op == NULL
        && age >= NGX_HTTP_STREAMVAULT_EVENTSUB_RETRY)
    {
        ngx_http_streamvault_eventsub_fetch();
    }

    if (ngx_http_streamvault_eventsub_known.op == NULL) {
        return ngx_http_streamvault_eventsub_none(ctx->request);
    }

    ngx_queue_insert_tail(&ngx_http_streamvault_eventsub_known.waiting,
                          &ctx->queue);
    ctx->waiting = 1;

    return NGX_AGAIN;
}


/* no secret to check with: none is stored, or PostgreSQL did not answer */

static ngx_int_t
ngx_http_streamvault_eventsub_none(ngx_http_request_t *r)
{
    if (ngx_http_streamvault_eventsub_known.failed) {
        return ngx_http_streamvault_eventsub_unavailable(r,
                                       "PostgreSQL is unavailable; try again");
    }

    return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_FORBIDDEN,
                                       "forbidden",
                                       "no EventSub secret is stored yet");
}


static void
ngx_http_streamvault_eventsub_fetch(void)
{
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_streamvault_module);

    ngx_http_streamvault_eventsub_known.fetched = ngx_time();

    /* not a request's: it outlives the one that started it */

    ngx_http_streamvault_eventsub_known.op = ngx_http_streamvault_pg_send(
                       ngx_cycle->log, smcf->eventsub_statement,
                       (u_char *) NGX_HTTP_STREAMVAULT_EVENTSUB_SETTING,
                       sizeof(NGX_HTTP_STREAMVAULT_EVENTSUB_SETTING) - 1,
                       ngx_http_streamvault_eventsub_fetched, NULL);
}


static void
ngx_http_streamvault_eventsub_fetched(void *data, ngx_int_t rc,
    PGresult *res)
{
    ngx_queue_t                          *q;
    ngx_connection_t                     *c;
    ngx_http_request_t                   *r;
    ngx_http_streamvault_eventsub_ctx_t  *ctx;

    ngx_http_streamvault_eventsub_known.op = NULL;
    ngx_http_streamvault_eventsub_known.failed =
                        (rc != NGX_OK || PQresultStatus(res) != PGRES_TUPLES_OK);

    if (ngx_http_streamvault_eventsub_known.failed) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "streamvault: the EventSub secret could not be read%s%s",
                      rc == NGX_OK ? ": " : "",
                      rc == NGX_OK ? PQresultErrorMessage(res) : "");

    } else {
        ngx_http_streamvault_eventsub_keep(res);
    }

    while (!ngx_queue_empty(&ngx_http_streamvault_eventsub_known.waiting)) {
        q = ngx_queue_head(&ngx_http_streamvault_eventsub_known.waiting);
        ctx = ngx_queue_data(q, ngx_http_streamvault_eventsub_ctx_t, queue);

        ngx_queue_remove(q);
        ctx->waiting = 0;

        r = ctx->request;
        c = r->connection;

        rc = ngx_http_streamvault_eventsub_known.len
             ? ngx_http_streamvault_eventsub_verify(ctx)
             : ngx_http_streamvault_eventsub_none(r);

        if (rc != NGX_AGAIN) {
            ngx_http_finalize_request(r, rc);
        }

        ngx_http_run_posted_requests(c);
    }
}


/* the stored secret opened, or none; one that does not open is not used */

static void
ngx_http_streamvault_eventsub_keep(PGresult *res)
{
    size_t                             len;
    u_char                             key[SV_SECRETBOX_KEY_LEN], *plain;
    ngx_http_streamvault_main_conf_t  *smcf;

    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        ngx_explicit_memzero(ngx_http_streamvault_eventsub_known.data,
                             sizeof(ngx_http_streamvault_eventsub_known.data));
        ngx_http_streamvault_eventsub_known.len = 0;
        return;
    }

    smcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_streamvault_module);

    len = PQgetlength(res, 0, 0);

    plain = ngx_alloc(len, ngx_cycle->log);
    if (plain == NULL) {
        return;
    }

    sv_secretbox_key(smcf->secret.data, smcf->secret.len, key);

    if (sv_secretbox_open(key, NGX_HTTP_STREAMVAULT_EVENTSUB_SETTING,
                          PQgetvalue(res, 0, 0), len, plain, &len)
        != 0)
    {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "streamvault: the stored EventSub secret does not open "
                      "with the key of streamvault_secret_file (is it the "
                      "worker's secret_file?)");

    } else if (len == 0 || len > NGX_HTTP_STREAMVAULT_EVENTSUB_KEY_MAX) {
        ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                      "streamvault: the stored EventSub secret is %uz bytes, "
                      "not 1..%d", len,
                      NGX_HTTP_STREAMVAULT_EVENTSUB_KEY_MAX);

    } else {
        ngx_explicit_memzero(ngx_http_streamvault_eventsub_known.data,
                             sizeof(ngx_http_streamvault_eventsub_known.data));
        ngx_memcpy(ngx_http_streamvault_eventsub_known.data, plain, len);
        ngx_http_streamvault_eventsub_known.len = len;
    }

    ngx_explicit_memzero(key, sizeof(key));
    ngx_explicit_memzero(plain, PQgetlength(res, 0, 0));
    ngx_free(plain);
}


/* the signature, then the body, then what the message asks for */

static ngx_int_t
ngx_http_streamvault_eventsub_verify(ngx_http_streamvault_eventsub_ctx_t *ctx)
{
    u_char                     mac[EVP_MAX_MD_SIZE];
    yajl_val                   tree;
    ngx_int_t                  rc;
    ngx_str_t                  challenge;
    unsigned int               len;
    ngx_http_request_t        *r;
    ngx_http_complex_value_t   cv;

    static ngx_str_t  text_plain = ngx_string("text/plain");

    r = ctx->request;

    if (HMAC(EVP_sha256(), ngx_http_streamvault_eventsub_known.data,
             (int) ngx_http_streamvault_eventsub_known.len,
             ctx->signed_text.data, ctx->signed_text.len, mac, &len)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (len != SHA256_DIGEST_LENGTH
        || CRYPTO_memcmp(mac, ctx->signature, SHA256_DIGEST_LENGTH) != 0)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_FORBIDDEN,
                                                    "forbidden",
                                                    "bad signature");
    }

    rc = ngx_http_streamvault_json_check(ctx->body.data, ctx->body.len);

    tree = (rc == NGX_OK) ? ngx_http_streamvault_json_tree(r, &ctx->body)
                          : NULL;

    if (tree == NULL) {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_json",
                                   "the body is not a JSON object "
                                   "(or is nested too deeply)");
    }

    if (ctx->type != NGX_HTTP_STREAMVAULT_EVENTSUB_VERIFICATION) {
        return ngx_http_streamvault_eventsub_message(ctx, tree);
    }

    if (ngx_http_streamvault_json_string_field(tree, "challenge", &challenge,
                                 1, NGX_HTTP_STREAMVAULT_EVENTSUB_CHALLENGE_MAX)
        != NGX_OK)
    {
        return ngx_http_streamvault_eventsub_refuse(r, NGX_HTTP_BAD_REQUEST,
                                   "bad_request",
                                   "\"challenge\" must be a string of "
                                   "1..1024 bytes");
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "streamvault: EventSub verification of a %V subscription",
                  &ctx->sub_type);

    /* exactly the challenge, as Twitch wants it */

    ngx_memzero(&cv, sizeof(ngx_http_complex_value_t));
    cv.value = challenge;

    return ngx_http_send_response(r, NGX_HTTP_OK, &text_plain, &cv);
}


/* a notification of a wanted type, or a revocation, is queued */

static ngx_int_t
ngx_http_streamvault_eventsub_message(ngx_http_streamvault_eventsub_ctx_t *ctx,
    yajl_val tree)
{
    u_char                                  *p;
    yajl_val                                 event;
    ngx_str_t                                stream_id;
    ngx_http_request_t                      *r;
    ngx_http_streamvault_eventsub_wanted_t  *w;

    static const char  *event_key[] = { "event", NULL };

    r = ctx->request;

    if (ctx->type == NGX_HTTP_STREAMVAULT_EVENTSUB_NOTIFICATION) {

        for (w = ngx_http_streamvault_eventsub_wanted; w->type.len; w++) {
            if (ngx_http_streamvault_eventsub_equal(&ctx->sub_type, &w->type)
                && ngx_http_streamvault_eventsub_equal(&ctx->sub_version,
                                                       &w->version))
            {
                break;
            }
        }

        if (w->type.len == 0) {
            return ngx_http_streamvault_eventsub_no_content(r);
        }

        /* stream.online: Twitch sends one stream again with new ids */

        if (w == ngx_http_streamvault_eventsub_wanted) {
            event = yajl_tree_get(tree, event_key, yajl_t_object);

            if (event == NULL
                || ngx_http_streamvault_json_string_field(event, "id",
                                   &stream_id, 1,
                                   NGX_HTTP_STREAMVAULT_EVENTSUB_STREAM_ID_MAX)
                   != NGX_OK
                || ngx_http_streamvault_eventsub_token(&stream_id,
                                   NGX_HTTP_STREAMVAULT_EVENTSUB_STREAM_ID_MAX,
                                   "_-")
                   != NGX_OK)
            {
                return ngx_http_streamvault_eventsub_refuse(r,
                                   NGX_HTTP_BAD_REQUEST, "bad_request",
                                   "stream.online needs event.id, 1..64 of "
                                   "[A-Za-z0-9_-]");
            }

            ctx->stream_key.data = ngx_pnalloc(r->pool,
                                   sizeof(NGX_HTTP_STREAMVAULT_EVENTSUB_STREAM)
                                   - 1 + stream_id.len);
            if (ctx->stream_key.data == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            p = ngx_sprintf(ctx->stream_key.data,
                            NGX_HTTP_STREAMVAULT_EVENTSUB_STREAM "%V",
                            &stream_id);
            ctx->stream_key.len = p - ctx->stream_key.data;
        }
    }

    ctx->message_key.data = ngx_pnalloc(r->pool,
                                  sizeof(NGX_HTTP_STREAMVAULT_EVENTSUB_MESSAGE)
                                  - 1 + ctx->id.len);
    if (ctx->message_key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(ctx->message_key.data,
                    NGX_HTTP_STREAMVAULT_EVENTSUB_MESSAGE "%V", &ctx->id);
    ctx->message_key.len = p - ctx->message_key.data;

    if (ngx_http_streamvault_eventsub_job(ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_eventsub_enqueue(ctx);
}


/*
 * The inbox's job (README "Job schema"); every string in it was checked to
 * need no escaping, and the body is JSON checked above, kept verbatim.  A
 * message id that is a UUID becomes the job's id.
 */

static ngx_int_t
ngx_http_streamvault_eventsub_job(ngx_http_streamvault_eventsub_ctx_t *ctx)
{
    u_char              *p;
    size_t               len;
    ngx_str_t           *type;
    ngx_http_request_t  *r;

    r = ctx->request;

    type = &ngx_http_streamvault_eventsub_types[ctx->type];

    len = sizeof("{\"v\":1,\"type\":\"eventsub\",\"priority\":0,\"id\":\"\","
                 "\"payload\":{\"message_type\":\"\",\"message_id\":\"\","
                 "\"message_timestamp\":\"\",\"subscription_type\":\"\","
                 "\"subscription_version\":\"\",\"body\":}}") - 1
          + 2 * ctx->id.len + type->len + ctx->timestamp.len
          + ctx->sub_type.len + ctx->sub_version.len + ctx->body.len;

    ctx->job.data = ngx_pnalloc(r->pool, len);
    if (ctx->job.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(ctx->job.data,
                   "{\"v\":1,\"type\":\"eventsub\",\"priority\":0,",
                   sizeof("{\"v\":1,\"type\":\"eventsub\",\"priority\":0,")
                   - 1);

    if (ngx_http_streamvault_eventsub_uuid(&ctx->id)) {
        p = ngx_cpymem(p, "\"id\":\"", sizeof("\"id\":\"") - 1);
        ngx_strlow(p, ctx->id.data, ctx->id.len);
        p += ctx->id.len;
        *p++ = '"';
        *p++ = ',';
    }

    p = ngx_sprintf(p, "\"payload\":{\"message_type\":\"%V\","
                    "\"message_id\":\"%V\",\"message_timestamp\":\"%V\","
                    "\"subscription_type\":\"%V\","
                    "\"subscription_version\":\"%V\",\"body\":%V}}",
                    type, &ctx->id, &ctx->timestamp, &ctx->sub_type,
                    &ctx->sub_version, &ctx->body);

    ctx->job.len = p - ctx->job.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_eventsub_enqueue(ngx_http_streamvault_eventsub_ctx_t *ctx)
{
    int                  argc;
    size_t               argvlen[7];
    const char          *argv[7];
    ngx_http_request_t  *r;

    r = ctx->request;

    if (ctx->eval) {
        argv[0] = "EVAL";
        argv[1] = ngx_http_streamvault_eventsub_script;
        argvlen[1] = sizeof(ngx_http_streamvault_eventsub_script) - 1;

    } else {
        argv[0] = "EVALSHA";
        argv[1] = (char *) ngx_http_streamvault_eventsub_sha;
        argvlen[1] = sizeof(ngx_http_streamvault_eventsub_sha);
    }

    argvlen[0] = ngx_strlen(argv[0]);

    argv[2] = ctx->stream_key.len ? "3" : "2";
    argvlen[2] = 1;
    argv[3] = (char *) ctx->message_key.data;
    argvlen[3] = ctx->message_key.len;
    argv[4] = NGX_HTTP_STREAMVAULT_EVENTSUB_INBOX;
    argvlen[4] = sizeof(NGX_HTTP_STREAMVAULT_EVENTSUB_INBOX) - 1;
    argc = 5;

    if (ctx->stream_key.len) {
        argv[argc] = (char *) ctx->stream_key.data;
        argvlen[argc++] = ctx->stream_key.len;
    }

    argv[argc] = (char *) ctx->job.data;
    argvlen[argc++] = ctx->job.len;

    ctx->redis_op = ngx_http_streamvault_redis_send(r->connection->log, argc,
                                         argv, argvlen,
                                         ngx_http_streamvault_eventsub_queued,
                                         ctx);
    if (ctx->redis_op == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_AGAIN;
}


static void
ngx_http_streamvault_eventsub_queued(void *data, ngx_int_t rc,
    redisReply *reply)
{
    ngx_http_streamvault_eventsub_ctx_t  *ctx = data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;

    ctx->redis_op = NULL;

    /* the script is sent whole once Redis does not know it (a restart) */

    if (rc == NGX_OK && reply->type == REDIS_REPLY_ERROR && !ctx->eval
        && reply->len >= sizeof("NOSCRIPT") - 1
        && ngx_strncmp(reply->str, "NOSCRIPT", sizeof("NOSCRIPT") - 1) == 0)
    {
        ctx->eval = 1;
        rc = ngx_http_streamvault_eventsub_enqueue(ctx);

    } else if (rc != NGX_OK || reply->type != REDIS_REPLY_INTEGER) {

        if (rc == NGX_OK) {
            ngx_log_error(NGX_LOG_ERR, c->log, 0,
                          "streamvault: Redis answered the EventSub script "
                          "with \"%*s\"",
                          reply->type == REDIS_REPLY_ERROR ? reply->len : 0,
                          reply->str);
        }

        rc = ngx_http_streamvault_eventsub_unavailable(r,
                                            "Redis is unavailable; try again");

    } else {
        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, c->log, 0,
                       "streamvault: EventSub %V %V %s", &ctx->sub_type,
                       &ctx->id, reply->integer ? "queued" : "seen before");

        rc = ngx_http_streamvault_eventsub_no_content(r);
    }

    if (rc != NGX_AGAIN) {
        ngx_http_finalize_request(r, rc);
    }

    ngx_http_run_posted_requests(c);
}


static ngx_int_t
ngx_http_streamvault_eventsub_refuse(ngx_http_request_t *r,
    ngx_uint_t status, char *code, char *message)
{
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "streamvault: EventSub message refused with %ui: %s",
                  status, message);

    return ngx_http_streamvault_send_error(r, status, code, message);
}


static ngx_int_t
ngx_http_streamvault_eventsub_too_large(ngx_http_request_t *r)
{
    return ngx_http_streamvault_eventsub_refuse(r,
                                          NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
                                          "too_large",
                                          "the body is larger than 60 KiB");
}


/* Twitch sends the message again */

static ngx_int_t
ngx_http_streamvault_eventsub_unavailable(ngx_http_request_t *r,
    char *message)
{
    if (ngx_http_streamvault_retry_after(r, 1) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_eventsub_refuse(r,
                                                NGX_HTTP_SERVICE_UNAVAILABLE,
                                                "unavailable", message);
}


static ngx_int_t
ngx_http_streamvault_eventsub_no_content(ngx_http_request_t *r)
{
    r->headers_out.status = NGX_HTTP_NO_CONTENT;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    return ngx_http_send_header(r);
}


static void
ngx_http_streamvault_eventsub_cleanup(void *data)
{
    ngx_http_streamvault_eventsub_ctx_t  *ctx = data;

    if (ctx->waiting) {
        ngx_queue_remove(&ctx->queue);
        ctx->waiting = 0;
    }

    if (ctx->redis_op) {
        ngx_http_streamvault_redis_detach(ctx->redis_op);
        ctx->redis_op = NULL;
    }
}
