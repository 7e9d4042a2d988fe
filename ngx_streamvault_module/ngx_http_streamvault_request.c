
/*
 * StreamVault nginx module: what a request brings (query string, JSON body)
 * checked and bounded, and the request document the API functions take.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_QUERY_MAX        4096
#define NGX_HTTP_STREAMVAULT_QUERY_PARAMS     32
#define NGX_HTTP_STREAMVAULT_QUERY_KEY_MAX    32


typedef struct {
    ngx_uint_t  depth;
    ngx_uint_t  values;
} ngx_http_streamvault_json_state_t;


static ngx_int_t ngx_http_streamvault_query_pair(u_char *start, u_char *end,
    ngx_str_t *key, ngx_str_t *value, ngx_pool_t *pool);
static ngx_int_t ngx_http_streamvault_utf8_text(ngx_str_t *s);


/*
 * The query string as a JSON object of strings. Keys are [a-z0-9_]{1,32},
 * values valid UTF-8 without NUL; a repeated key is kept as often as it
 * comes, and jsonb keeps the last.
 */

ngx_int_t
ngx_http_streamvault_parse_query(ngx_http_request_t *r, ngx_str_t *json)
{
    u_char      *p, *end, *amp, *out;
    size_t       size;
    ngx_str_t    key[NGX_HTTP_STREAMVAULT_QUERY_PARAMS];
    ngx_str_t    value[NGX_HTTP_STREAMVAULT_QUERY_PARAMS];
    ngx_uint_t   n, i;

    if (r->args.len > NGX_HTTP_STREAMVAULT_QUERY_MAX) {
        return NGX_DECLINED;
    }

    n = 0;
    size = sizeof("{}") - 1;

    p = r->args.data;
    end = p + r->args.len;

    while (p < end) {
        amp = ngx_strlchr(p, end, '&');
        if (amp == NULL) {
            amp = end;
        }

        if (amp > p) {
            if (n == NGX_HTTP_STREAMVAULT_QUERY_PARAMS
                || ngx_http_streamvault_query_pair(p, amp, &key[n], &value[n],
                                                   r->pool)
                   != NGX_OK)
            {
                return NGX_DECLINED;
            }

            size += sizeof("\"\":\"\",") - 1 + key[n].len
                    + ngx_http_streamvault_json_string_len(&value[n]);
            n++;
        }

        p = amp + 1;
    }

    out = ngx_pnalloc(r->pool, size);
    if (out == NULL) {
        return NGX_ERROR;
    }

    json->data = out;

    *out++ = '{';

    for (i = 0; i < n; i++) {
        if (i) {
            *out++ = ',';
        }

        *out++ = '"';
        out = ngx_cpymem(out, key[i].data, key[i].len);
        *out++ = '"';
        *out++ = ':';
        out = ngx_http_streamvault_json_string(out, &value[i]);
    }

    *out++ = '}';

    json->len = out - json->data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_streamvault_query_pair(u_char *start, u_char *end, ngx_str_t *key,
    ngx_str_t *value, ngx_pool_t *pool)
{
    u_char      *eq, *src, *dst, *p;
    size_t       len;
    ngx_str_t   *part;
    ngx_uint_t   i;

    eq = ngx_strlchr(start, end, '=');
    if (eq == NULL) {
        eq = end;
    }

    for (i = 0; i < 2; i++) {
        part = i ? value : key;
        src = i ? (eq < end ? eq + 1 : end) : start;
        len = (i ? end : eq) - src;

        dst = ngx_pnalloc(pool, len + 1);
        if (dst == NULL) {
            return NGX_ERROR;
        }

        /* a form's "+" is a space */

        for (p = ngx_cpymem(dst, src, len); p > dst; p--) {
            if (p[-1] == '+') {
                p[-1] = ' ';
            }
        }

        part->data = dst;
        src = dst;
        ngx_unescape_uri(&dst, &src, len, 0);
        part->len = dst - part->data;
    }

    if (key->len == 0 || key->len > NGX_HTTP_STREAMVAULT_QUERY_KEY_MAX) {
        return NGX_DECLINED;
    }

    for (i = 0; i < key->len; i++) {
        if (!((key->data[i] >= 'a' && key->data[i] <= 'z')
              || (key->data[i] >= '0' && key->data[i] <= '9')
              || key->data[i] == '_'))
        {
            return NGX_DECLINED;
        }
    }

    return ngx_http_streamvault_utf8_text(value);
}


/* valid UTF-8 and no NUL: what PostgreSQL's text and jsonb can hold */

static ngx_int_t
ngx_http_streamvault_utf8_text(ngx_str_t *s)
{
    u_char  *p, *end;

    p = s->data;
    end = p + s->len;

    while (p < end) {
        if (*p == '\0') {
            return NGX_DECLINED;
        }

        if (*p < 0x80) {
            p++;
            continue;
        }

        if (ngx_utf8_decode(&p, end - p) > 0x10ffff) {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/*
 * The body, gathered from nginx's buffers (or its temporary file when it
 * was larger than client_body_buffer_size), bounded by the route's limit,
 * and checked to be one JSON object nested at most 32 deep.
 */

ngx_int_t
ngx_http_streamvault_read_json_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char                      *p;
    off_t                        len;
    ssize_t                      n;
    ngx_buf_t                   *b;
    ngx_chain_t                 *cl;
    ngx_http_streamvault_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_streamvault_module);

    ngx_str_null(body);

    if (r->request_body == NULL) {
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    if (len > (off_t) ctx->route->body_limit) {
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    if (len == 0) {
        return NGX_OK;
    }

    body->data = ngx_pnalloc(r->pool, (size_t) len);
    if (body->data == NULL) {
        return NGX_ERROR;
    }

    p = body->data;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        n = ngx_read_file(b->file, p, (size_t) (b->file_last - b->file_pos),
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_CRIT, r->connection->log, ngx_errno,
                          "streamvault: reading the body from \"%V\" failed",
                          &b->file->name);
            return NGX_ERROR;
        }

        p += n;
    }

    body->len = p - body->data;

    return ngx_http_streamvault_json_check(body->data, body->len);
}


static int
ngx_http_streamvault_json_value(void *data)
{
    ngx_http_streamvault_json_state_t  *st = data;

    /* the document itself must be an object */

    return st->depth > 0 && ++st->values < 100000;
}


static int
ngx_http_streamvault_json_boolean(void *data, int b)
{
    return ngx_http_streamvault_json_value(data);
}


static int
ngx_http_streamvault_json_scalar(void *data, const char *s, size_t len)
{
    return ngx_http_streamvault_json_value(data);
}


/* PostgreSQL's text cannot hold NUL, and C strings end at it: refused */

static int
ngx_http_streamvault_json_text(void *data, const unsigned char *s, size_t len)
{
    return ngx_strlchr((u_char *) s, (u_char *) s + len, '\0') == NULL
           && ngx_http_streamvault_json_value(data);
}


static int
ngx_http_streamvault_json_open(void *data)
{
    ngx_http_streamvault_json_state_t  *st = data;

    if (st->depth == 0 && st->values > 0) {
        return 0;
    }

    st->values++;

    return ++st->depth <= NGX_HTTP_STREAMVAULT_JSON_DEPTH;
}


static int
ngx_http_streamvault_json_open_array(void *data)
{
    ngx_http_streamvault_json_state_t  *st = data;

    return st->depth > 0 && ngx_http_streamvault_json_open(data);
}


static int
ngx_http_streamvault_json_close(void *data)
{
    ngx_http_streamvault_json_state_t  *st = data;

    st->depth--;

    return 1;
}


static yajl_callbacks  ngx_http_streamvault_json_callbacks = {
    ngx_http_streamvault_json_value,       /* null */
    ngx_http_streamvault_json_boolean,
    NULL,                                  /* integer: numbers are text */
    NULL,                                  /* double */
    ngx_http_streamvault_json_scalar,      /* number */
    ngx_http_streamvault_json_text,        /* string */
    ngx_http_streamvault_json_open,        /* start map */
    ngx_http_streamvault_json_text,        /* map key */
    ngx_http_streamvault_json_close,       /* end map */
    ngx_http_streamvault_json_open_array,  /* start array */
    ngx_http_streamvault_json_close        /* end array */
};


/* NGX_OK for one JSON object, else NGX_HTTP_BAD_REQUEST */

ngx_int_t
ngx_http_streamvault_json_check(u_char *data, size_t len)
{
    yajl_handle                        h;
    yajl_status                        rc;
    ngx_http_streamvault_json_state_t  st;

    ngx_memzero(&st, sizeof(st));

    h = yajl_alloc(&ngx_http_streamvault_json_callbacks, NULL, &st);
    if (h == NULL) {
        return NGX_ERROR;
    }

    rc = yajl_parse(h, data, len);

    if (rc == yajl_status_ok) {
        rc = yajl_complete_parse(h);
    }

    yajl_free(h);

    return (rc == yajl_status_ok && st.values > 0) ? NGX_OK
                                                   : NGX_HTTP_BAD_REQUEST;
}


static void
ngx_http_streamvault_json_tree_free(void *data)
{
    yajl_tree_free(data);
}


/*
 * A parsed copy of JSON that was checked (a body) or is our own (a
 * function's answer), freed with the request; NULL if there is none.
 */

yajl_val
ngx_http_streamvault_json_tree(ngx_http_request_t *r, ngx_str_t *json)
{
    char                *text;
    yajl_val             tree;
    ngx_pool_cleanup_t  *cln;

    if (json->len == 0) {
        return NULL;
    }

    text = ngx_pnalloc(r->pool, json->len + 1);
    if (text == NULL) {
        return NULL;
    }

    ngx_memcpy(text, json->data, json->len);
    text[json->len] = '\0';

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    tree = yajl_tree_parse(text, NULL, 0);
    if (tree == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_streamvault_json_tree_free;
    cln->data = tree;

    return tree;
}


/* a string member of an object, min to max bytes long */

ngx_int_t
ngx_http_streamvault_json_string_field(yajl_val object, const char *key,
    ngx_str_t *value, size_t min, size_t max)
{
    yajl_val     v;
    const char  *path[] = { key, NULL };

    v = yajl_tree_get(object, path, yajl_t_string);

    if (v == NULL) {
        return NGX_DECLINED;
    }

    value->data = (u_char *) YAJL_GET_STRING(v);
    value->len = ngx_strlen(value->data);

    return (value->len >= min && value->len <= max) ? NGX_OK : NGX_DECLINED;
}


/* a string member of object; NULL when there is none (or no object) */

const char *
ngx_http_streamvault_json_member_string(yajl_val object, const char *key)
{
    yajl_val     v;
    const char  *path[] = { key, NULL };

    if (object == NULL || !YAJL_IS_OBJECT(object)) {
        return NULL;
    }

    v = yajl_tree_get(object, path, yajl_t_string);

    return v ? YAJL_GET_STRING(v) : NULL;
}


size_t
ngx_http_streamvault_json_string_len(ngx_str_t *s)
{
    return sizeof("\"\"") - 1 + s->len
           + ngx_escape_json(NULL, s->data, s->len);
}


u_char *
ngx_http_streamvault_json_string(u_char *p, ngx_str_t *s)
{
    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s->data, s->len);
    *p++ = '"';

    return p;
}


/*
 * The request document:
 *   {"auth":{"kind":..,"token_hash":..,"csrf":..,"method":..,"ip":..},
 *    "params":{..},"query":{..},"body":..,"extra":..}
 */

ngx_int_t
ngx_http_streamvault_document(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *body, ngx_str_t *extra, ngx_str_t *doc)
{
    u_char                       *p;
    size_t                        len;
    ngx_uint_t                    i;
    ngx_str_t                     uuid, ip;
    ngx_http_request_t           *r;
    const struct sv_route_param  *param;

    static ngx_str_t  kinds[] = {
        ngx_string("none"), ngx_string("session"), ngx_string("token")
    };

    r = ctx->request;
    ip = r->connection->addr_text;

    len = sizeof("{\"auth\":{\"kind\":\"\",\"token_hash\":\"\",\"csrf\":,"
                 "\"method\":\"\",\"ip\":},\"params\":{},\"query\":,"
                 "\"body\":,\"extra\":}") - 1
          + kinds[ctx->auth].len + NGX_HTTP_STREAMVAULT_HASH_HEX_LEN
          + (ctx->csrf.data ? ngx_http_streamvault_json_string_len(&ctx->csrf)
                            : sizeof("null") - 1)
          + r->method_name.len
          + ngx_http_streamvault_json_string_len(&ip)
          + ctx->query.len
          + (body && body->len ? body->len : sizeof("null") - 1)
          + (extra ? extra->len : sizeof("null") - 1);

    for (i = 0; i < ctx->params.count; i++) {
        /* "name":<int> or "name":"<uuid>", */
        len += ctx->params.param[i].name_len + NGX_INT64_LEN
               + sizeof("\"\":\"\",") - 1 + 36;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    doc->data = p;

    p = ngx_sprintf(p, "{\"auth\":{\"kind\":\"%V\",\"token_hash\":\"",
                    &kinds[ctx->auth]);

    if (ctx->auth != NGX_HTTP_STREAMVAULT_AUTH_NONE) {
        p = ngx_cpymem(p, ctx->token_hash, NGX_HTTP_STREAMVAULT_HASH_HEX_LEN);
    }

    p = ngx_cpymem(p, "\",\"csrf\":", sizeof("\",\"csrf\":") - 1);

    if (ctx->csrf.data) {
        p = ngx_http_streamvault_json_string(p, &ctx->csrf);

    } else {
        p = ngx_cpymem(p, "null", sizeof("null") - 1);
    }

    p = ngx_sprintf(p, ",\"method\":\"%V\",\"ip\":", &r->method_name);
    p = ngx_http_streamvault_json_string(p, &ip);
    p = ngx_cpymem(p, "},\"params\":{", sizeof("},\"params\":{") - 1);

    for (i = 0; i < ctx->params.count; i++) {
        param = &ctx->params.param[i];

        if (i) {
            *p++ = ',';
        }

        *p++ = '"';
        p = ngx_cpymem(p, param->name, param->name_len);
        *p++ = '"';
        *p++ = ':';

        if (param->type == SV_PARAM_INT) {
            p = ngx_sprintf(p, "%L", param->value);

        } else {
            uuid.data = (u_char *) param->text;
            uuid.len = param->text_len;

            *p++ = '"';
            ngx_strlow(p, uuid.data, uuid.len);
            p += uuid.len;
            *p++ = '"';
        }
    }

    p = ngx_sprintf(p, "},\"query\":%V,\"body\":", &ctx->query);

    if (body && body->len) {
        p = ngx_cpymem(p, body->data, body->len);

    } else {
        p = ngx_cpymem(p, "null", sizeof("null") - 1);
    }

    p = ngx_cpymem(p, ",\"extra\":", sizeof(",\"extra\":") - 1);

    if (extra) {
        p = ngx_cpymem(p, extra->data, extra->len);

    } else {
        p = ngx_cpymem(p, "null", sizeof("null") - 1);
    }

    *p++ = '}';

    doc->len = p - doc->data;

    return NGX_OK;
}


/* the first request header of that name, or NULL */

ngx_table_elt_t *
ngx_http_streamvault_header_in(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == name->len
            && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
        {
            return &h[i];
        }
    }
}
