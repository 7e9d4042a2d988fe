
/*
 * StreamVault nginx module: JSON responses and the JSON error body.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_streamvault.h"


typedef struct {
    ngx_str_t   key;
    ngx_str_t   value;
} ngx_http_streamvault_header_t;


ngx_int_t
ngx_http_streamvault_set_header(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *key;
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/*
 * API answers (and the event stream) are data, never pages: nothing in them
 * may run, be framed or be sniffed into something else, and none is cached.
 */

static ngx_http_streamvault_header_t  ngx_http_streamvault_json_headers[] = {
    { ngx_string("Cache-Control"), ngx_string("no-store") },
    { ngx_string("X-Content-Type-Options"), ngx_string("nosniff") },
    { ngx_string("X-Frame-Options"), ngx_string("DENY") },
    { ngx_string("Referrer-Policy"), ngx_string("no-referrer") },
    { ngx_string("Content-Security-Policy"),
      ngx_string("default-src 'none'; frame-ancestors 'none'") },
    { ngx_null_string, ngx_null_string }
};


ngx_int_t
ngx_http_streamvault_data_headers(ngx_http_request_t *r)
{
    ngx_http_streamvault_header_t  *h;

    for (h = ngx_http_streamvault_json_headers; h->key.len; h++) {
        if (ngx_http_streamvault_set_header(r, &h->key, &h->value) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_streamvault_send_json(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *body)
{
    if (ngx_http_streamvault_data_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status;
    r->headers_out.content_length_n = body->len;

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    return ngx_http_streamvault_send_memory(r, body->data, body->len);
}


/* the header as set, then len bytes at data that live as long as r */

ngx_int_t
ngx_http_streamvault_send_memory(ngx_http_request_t *r, u_char *data,
    size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_streamvault_send_error(ngx_http_request_t *r, ngx_uint_t status,
    char *code, char *message)
{
    u_char     *p;
    size_t      code_len, message_len;
    ngx_int_t   rc;
    ngx_str_t   body;

    /* as ngx_http_special_response_handler() does for nginx's own errors */

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    code_len = ngx_strlen(code);
    message_len = ngx_strlen(message);

    body.len = sizeof("{\"error\":{\"code\":\"\",\"message\":\"\"}}\n") - 1
               + code_len
               + ngx_escape_json(NULL, (u_char *) code, code_len)
               + message_len
               + ngx_escape_json(NULL, (u_char *) message, message_len);

    body.data = ngx_pnalloc(r->pool, body.len);
    if (body.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(body.data, "{\"error\":{\"code\":\"",
                   sizeof("{\"error\":{\"code\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, (u_char *) code, code_len);
    p = ngx_cpymem(p, "\",\"message\":\"", sizeof("\",\"message\":\"") - 1);
    p = (u_char *) ngx_escape_json(p, (u_char *) message, message_len);
    ngx_memcpy(p, "\"}}\n", sizeof("\"}}\n") - 1);

    return ngx_http_streamvault_send_json(r, status, &body);
}


/* what a generator made, as the answer (copied: the caller frees g) */

ngx_int_t
ngx_http_streamvault_send_gen(ngx_http_request_t *r, ngx_uint_t status,
    yajl_gen g)
{
    size_t          len;
    ngx_str_t       out;
    const u_char   *buf;

    if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    out.data = ngx_pnalloc(r->pool, len + 1);
    if (out.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(out.data, buf, len);
    out.data[len] = '\n';
    out.len = len + 1;

    return ngx_http_streamvault_send_json(r, status, &out);
}


/* a parsed value again, as it was; bodies and answers nest at most 32 deep */

int
ngx_http_streamvault_gen_value(yajl_gen g, yajl_val v)
{
    size_t  i;

    switch (v->type) {

    case yajl_t_string:
        return yajl_gen_string(g, (u_char *) v->u.string,
                               ngx_strlen(v->u.string));

    case yajl_t_number:
        return yajl_gen_number(g, v->u.number.r, ngx_strlen(v->u.number.r));

    case yajl_t_object:
        yajl_gen_map_open(g);

        for (i = 0; i < v->u.object.len; i++) {
            yajl_gen_string(g, (u_char *) v->u.object.keys[i],
                            ngx_strlen(v->u.object.keys[i]));
            ngx_http_streamvault_gen_value(g, v->u.object.values[i]);
        }

        return yajl_gen_map_close(g);

    case yajl_t_array:
        yajl_gen_array_open(g);

        for (i = 0; i < v->u.array.len; i++) {
            ngx_http_streamvault_gen_value(g, v->u.array.values[i]);
        }

        return yajl_gen_array_close(g);

    case yajl_t_true:
        return yajl_gen_bool(g, 1);

    case yajl_t_false:
        return yajl_gen_bool(g, 0);

    default:
        return yajl_gen_null(g);
    }
}
