
/*
 * StreamVault nginx module: declarations shared by the module's files.
 */


#ifndef _NGX_HTTP_STREAMVAULT_H_INCLUDED_
#define _NGX_HTTP_STREAMVAULT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_thread_pool.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include <sv_secretbox.h>

#include "ngx_http_streamvault_backend.h"


typedef struct {
    ngx_str_t                          postgres;      /* libpq conninfo */
    ngx_url_t                         *redis;
    ngx_str_t                          media_root;
    ngx_str_t                          secret;
    u_char                             media_key[SV_SECRETBOX_KEY_LEN];
    time_t                             media_ttl;     /* of signed URLs */

    /* SQL texts (ngx_str_t), see ngx_http_streamvault_pg_add_statement() */
    ngx_array_t                       *statements;

    ngx_http_streamvault_pool_conf_t   postgres_pool;
    ngx_http_streamvault_pool_conf_t   redis_pool;

    ngx_uint_t                         login_rate;    /* per address */
    time_t                             login_window;

    ngx_msec_t                         api_cache_ttl; /* 0: no cache */

    /* uploads: renamed into <import_dir>/uploads/, at most this large */
    ngx_str_t                          import_dir;
    off_t                              upload_max_size;

    /* where passwords are hashed and playlists made: nginx's "default" */
    ngx_thread_pool_t                 *thread_pool;

    /* where "streamvault_api" was first used, NULL if nowhere */
    u_char                            *api_file;
    ngx_uint_t                         api_line;

    /* where "streamvault_eventsub" was first used, and its statement */
    u_char                            *eventsub_file;
    ngx_uint_t                         eventsub_line;
    ngx_uint_t                         eventsub_statement;

    /* GET /api/events */
    ngx_msec_t                         events_keepalive;
    ngx_msec_t                         events_lifetime;
    size_t                             events_buffer;

    /* where "streamvault_media" was first used */
    u_char                            *media_file;
    ngx_uint_t                         media_line;
} ngx_http_streamvault_main_conf_t;


ngx_int_t ngx_http_streamvault_api_handler(ngx_http_request_t *r);

/* ngx_http_streamvault_eventsub.c */
ngx_int_t ngx_http_streamvault_eventsub_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_streamvault_eventsub_init(ngx_conf_t *cf);
void ngx_http_streamvault_eventsub_exit_process(void);

/* ngx_http_streamvault_events.c */
ngx_int_t ngx_http_streamvault_events_init_process(ngx_cycle_t *cycle);
void ngx_http_streamvault_events_exit_process(void);
void ngx_http_streamvault_events_message(u_char *data, size_t len);
void ngx_http_streamvault_events_subscribed(ngx_uint_t again,
    uint64_t published);
void ngx_http_streamvault_events_flush_all(void);
void ngx_http_streamvault_events_stop(void);

/* ngx_http_streamvault_subscriber.c */
ngx_int_t ngx_http_streamvault_subscriber_start(ngx_cycle_t *cycle,
    ngx_url_t *redis, ngx_msec_t connect_timeout);
void ngx_http_streamvault_subscriber_stop(void);

/* ngx_http_streamvault_media.c */
ngx_int_t ngx_http_streamvault_media_handler(ngx_http_request_t *r);

ngx_int_t ngx_http_streamvault_set_header(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *value);
ngx_int_t ngx_http_streamvault_data_headers(ngx_http_request_t *r);
ngx_int_t ngx_http_streamvault_send_memory(ngx_http_request_t *r,
    u_char *data, size_t len);
ngx_int_t ngx_http_streamvault_send_json(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *body);
ngx_int_t ngx_http_streamvault_send_error(ngx_http_request_t *r,
    ngx_uint_t status, char *code, char *message);
ngx_int_t ngx_http_streamvault_send_gen(ngx_http_request_t *r,
    ngx_uint_t status, yajl_gen g);
int ngx_http_streamvault_gen_value(yajl_gen g, yajl_val v);


extern ngx_module_t  ngx_streamvault_module;


#endif /* _NGX_HTTP_STREAMVAULT_H_INCLUDED_ */
