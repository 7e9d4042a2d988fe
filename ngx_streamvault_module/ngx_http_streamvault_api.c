
/*
 * StreamVault nginx module: the API route table and request dispatch.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_version.h>

#include "ngx_http_streamvault.h"


typedef ngx_int_t (*ngx_http_streamvault_route_pt)(ngx_http_request_t *r);


typedef struct {
    ngx_uint_t                      methods;    /* NGX_HTTP_GET|... */
    ngx_str_t                       path;
    ngx_http_streamvault_route_pt   handler;
} ngx_http_streamvault_route_t;


typedef struct {
    ngx_uint_t                      method;
    ngx_str_t                       name;
} ngx_http_streamvault_method_t;


static ngx_int_t ngx_http_streamvault_not_allowed(ngx_http_request_t *r,
    ngx_uint_t methods);
static ngx_int_t ngx_http_streamvault_health(ngx_http_request_t *r);


static ngx_http_streamvault_route_t  ngx_http_streamvault_routes[] = {

    { NGX_HTTP_GET|NGX_HTTP_HEAD,
      ngx_string("/api/health"),
      ngx_http_streamvault_health },

    { 0, ngx_null_string, NULL }
};


/* the order of the "Allow" header */

static ngx_http_streamvault_method_t  ngx_http_streamvault_methods[] = {
    { NGX_HTTP_GET, ngx_string("GET") },
    { NGX_HTTP_HEAD, ngx_string("HEAD") },
    { NGX_HTTP_POST, ngx_string("POST") },
    { NGX_HTTP_PUT, ngx_string("PUT") },
    { NGX_HTTP_PATCH, ngx_string("PATCH") },
    { NGX_HTTP_DELETE, ngx_string("DELETE") },
    { 0, ngx_null_string }
};


ngx_int_t
ngx_http_streamvault_api_handler(ngx_http_request_t *r)
{
    ngx_uint_t                     methods;
    ngx_http_streamvault_route_t  *route;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "streamvault api: %V \"%V\"", &r->method_name, &r->uri);

    /* several routes may share a path, one per set of methods */

    methods = 0;

    for (route = ngx_http_streamvault_routes; route->handler; route++) {

        if (route->path.len != r->uri.len
            || ngx_strncmp(route->path.data, r->uri.data, r->uri.len) != 0)
        {
            continue;
        }

        if (route->methods & r->method) {
            return route->handler(r);
        }

        methods |= route->methods;
    }

    if (methods == 0) {
        return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_FOUND,
                                               "not_found",
                                               "no such API route");
    }

    return ngx_http_streamvault_not_allowed(r, methods);
}


static ngx_int_t
ngx_http_streamvault_not_allowed(ngx_http_request_t *r, ngx_uint_t methods)
{
    u_char                         *p;
    ngx_str_t                       allow;
    ngx_http_streamvault_method_t  *m;

    static ngx_str_t  allow_key = ngx_string("Allow");

    allow.len = 0;

    for (m = ngx_http_streamvault_methods; m->method; m++) {
        if (methods & m->method) {
            allow.len += m->name.len + sizeof(", ") - 1;
        }
    }

    allow.data = ngx_pnalloc(r->pool, allow.len);
    if (allow.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = allow.data;

    for (m = ngx_http_streamvault_methods; m->method; m++) {
        if (methods & m->method) {
            if (p != allow.data) {
                *p++ = ','; *p++ = ' ';
            }

            p = ngx_cpymem(p, m->name.data, m->name.len);
        }
    }

    allow.len = p - allow.data;

    if (ngx_http_streamvault_set_header(r, &allow_key, &allow) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_streamvault_send_error(r, NGX_HTTP_NOT_ALLOWED,
                                           "method_not_allowed",
                                           "method not allowed for this "
                                           "API route");
}


static ngx_int_t
ngx_http_streamvault_health(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    static ngx_str_t  body = ngx_string("{\"status\":\"ok\",\"version\":\""
                                        STREAMVAULT_VERSION "\"}\n");

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_streamvault_send_json(r, NGX_HTTP_OK, &body);
}
