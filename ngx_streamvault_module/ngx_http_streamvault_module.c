
/*
 * StreamVault nginx module: the module, its directives and configuration.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <libpq-fe.h>

#include <sv_media_url.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_REDIS_PORT   6379
#define NGX_HTTP_STREAMVAULT_SECRET_MIN   32
#define NGX_HTTP_STREAMVAULT_SECRET_MAX   4096
#define NGX_HTTP_STREAMVAULT_EVENTSUB_BUFFER  65536


static void *ngx_http_streamvault_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_streamvault_init_main_conf(ngx_conf_t *cf, void *conf);

static char *ngx_http_streamvault_postgres(ngx_conf_t *cf, void *post,
    void *data);
static ngx_int_t ngx_http_streamvault_postgres_hosts(ngx_conf_t *cf,
    char *host, char *hostaddr);
static void ngx_http_streamvault_postgres_item(u_char **pos, u_char *last,
    ngx_str_t *item);
static char *ngx_http_streamvault_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_streamvault_media_root(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_streamvault_import_dir(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_streamvault_secret_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static void ngx_http_streamvault_secret_cleanup(void *data);
static char *ngx_http_streamvault_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_streamvault_eventsub(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_streamvault_media(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_streamvault_content(ngx_conf_t *cf,
    ngx_http_handler_pt handler, u_char **file, ngx_uint_t *line);
static char *ngx_http_streamvault_pool_timeout(ngx_conf_t *cf, void *post,
    void *data);
static void ngx_http_streamvault_init_pool_conf(
    ngx_http_streamvault_pool_conf_t *conf,
    ngx_http_streamvault_pool_conf_t *dflt);

static ngx_int_t ngx_http_streamvault_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_streamvault_init_process(ngx_cycle_t *cycle);
static void ngx_http_streamvault_exit_process(ngx_cycle_t *cycle);


static ngx_conf_post_handler_pt  ngx_http_streamvault_postgres_p =
    ngx_http_streamvault_postgres;

static ngx_conf_post_handler_pt  ngx_http_streamvault_media_root_p =
    ngx_http_streamvault_media_root;

static ngx_conf_post_handler_pt  ngx_http_streamvault_import_dir_p =
    ngx_http_streamvault_import_dir;

static ngx_conf_num_bounds_t  ngx_http_streamvault_pool_size_bounds = {
    ngx_conf_check_num_bounds, 1, -1
};

static ngx_conf_num_bounds_t  ngx_http_streamvault_queue_bounds = {
    ngx_conf_check_num_bounds, 0, -1
};

static ngx_conf_post_handler_pt  ngx_http_streamvault_pool_timeout_p =
    ngx_http_streamvault_pool_timeout;


/* the pools' defaults; see ngx_http_streamvault_pg.c and _redis.c */

static ngx_http_streamvault_pool_conf_t  ngx_http_streamvault_postgres_pool = {
    8,                                     /* size */
    256,                                   /* queue */
    3000,                                  /* queue_timeout */
    3000,                                  /* connect_timeout */
    10000                                  /* timeout */
};

static ngx_http_streamvault_pool_conf_t  ngx_http_streamvault_redis_pool = {
    4,                                     /* size */
    256,                                   /* queue */
    2000,                                  /* queue_timeout */
    2000,                                  /* connect_timeout */
    2000                                   /* timeout */
};


static ngx_command_t  ngx_http_streamvault_commands[] = {

    { ngx_string("streamvault_postgres"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, postgres),
      &ngx_http_streamvault_postgres_p },

    { ngx_string("streamvault_redis"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_http_streamvault_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("streamvault_postgres_pool_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, postgres_pool.size),
      &ngx_http_streamvault_pool_size_bounds },

    { ngx_string("streamvault_postgres_queue"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, postgres_pool.queue),
      &ngx_http_streamvault_queue_bounds },

    { ngx_string("streamvault_postgres_queue_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, postgres_pool.queue_timeout),
      NULL },

    { ngx_string("streamvault_postgres_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t,
               postgres_pool.connect_timeout),
      &ngx_http_streamvault_pool_timeout_p },

    { ngx_string("streamvault_postgres_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, postgres_pool.timeout),
      &ngx_http_streamvault_pool_timeout_p },

    { ngx_string("streamvault_redis_pool_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, redis_pool.size),
      &ngx_http_streamvault_pool_size_bounds },

    { ngx_string("streamvault_redis_queue"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, redis_pool.queue),
      &ngx_http_streamvault_queue_bounds },

    { ngx_string("streamvault_redis_queue_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, redis_pool.queue_timeout),
      NULL },

    { ngx_string("streamvault_redis_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, redis_pool.connect_timeout),
      &ngx_http_streamvault_pool_timeout_p },

    { ngx_string("streamvault_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, redis_pool.timeout),
      &ngx_http_streamvault_pool_timeout_p },

    { ngx_string("streamvault_login_rate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, login_rate),
      &ngx_http_streamvault_pool_size_bounds },

    { ngx_string("streamvault_login_window"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, login_window),
      NULL },

    { ngx_string("streamvault_api_cache_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, api_cache_ttl),
      NULL },

    { ngx_string("streamvault_media_root"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, media_root),
      &ngx_http_streamvault_media_root_p },

    { ngx_string("streamvault_import_dir"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, import_dir),
      &ngx_http_streamvault_import_dir_p },

    { ngx_string("streamvault_upload_max_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_off_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, upload_max_size),
      NULL },

    { ngx_string("streamvault_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_http_streamvault_secret_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("streamvault_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_streamvault_api,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("streamvault_eventsub"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_streamvault_eventsub,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("streamvault_media"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_streamvault_media,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("streamvault_events_keepalive"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, events_keepalive),
      NULL },

    { ngx_string("streamvault_events_lifetime"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, events_lifetime),
      NULL },

    { ngx_string("streamvault_events_buffer"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, events_buffer),
      NULL },

    { ngx_string("streamvault_media_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_streamvault_main_conf_t, media_ttl),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_streamvault_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_streamvault_postconfiguration, /* postconfiguration */

    ngx_http_streamvault_create_main_conf, /* create main configuration */
    ngx_http_streamvault_init_main_conf,   /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_streamvault_module = {
    NGX_MODULE_V1,
    &ngx_http_streamvault_module_ctx,      /* module context */
    ngx_http_streamvault_commands,         /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_streamvault_init_process,     /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_streamvault_exit_process,     /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_streamvault_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_streamvault_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     smcf->postgres = { 0, NULL };
     *     smcf->redis = NULL;
     *     smcf->media_root = { 0, NULL };
     *     smcf->import_dir = { 0, NULL };
     *     smcf->secret = { 0, NULL };
     *     smcf->statements = NULL;
     *     smcf->api_file = NULL;
     *     smcf->api_line = 0;
     *     smcf->eventsub_file = NULL;
     *     smcf->eventsub_line = 0;
     *     smcf->eventsub_statement = 0;
     *     smcf->media_file = NULL;
     *     smcf->media_line = 0;
     */

    smcf->postgres_pool.size = NGX_CONF_UNSET_UINT;
    smcf->postgres_pool.queue = NGX_CONF_UNSET_UINT;
    smcf->postgres_pool.queue_timeout = NGX_CONF_UNSET_MSEC;
    smcf->postgres_pool.connect_timeout = NGX_CONF_UNSET_MSEC;
    smcf->postgres_pool.timeout = NGX_CONF_UNSET_MSEC;

    smcf->redis_pool.size = NGX_CONF_UNSET_UINT;
    smcf->redis_pool.queue = NGX_CONF_UNSET_UINT;
    smcf->redis_pool.queue_timeout = NGX_CONF_UNSET_MSEC;
    smcf->redis_pool.connect_timeout = NGX_CONF_UNSET_MSEC;
    smcf->redis_pool.timeout = NGX_CONF_UNSET_MSEC;

    smcf->login_rate = NGX_CONF_UNSET_UINT;
    smcf->login_window = NGX_CONF_UNSET;
    smcf->api_cache_ttl = NGX_CONF_UNSET_MSEC;
    smcf->upload_max_size = NGX_CONF_UNSET;
    smcf->media_ttl = NGX_CONF_UNSET;
    smcf->events_keepalive = NGX_CONF_UNSET_MSEC;
    smcf->events_lifetime = NGX_CONF_UNSET_MSEC;
    smcf->events_buffer = NGX_CONF_UNSET_SIZE;

    return smcf;
}


static char *
ngx_http_streamvault_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_streamvault_main_conf_t  *smcf = conf;

    char        *missing, *directive;
    u_char      *file;
    ngx_uint_t   line;

    ngx_http_streamvault_init_pool_conf(&smcf->postgres_pool,
                                        &ngx_http_streamvault_postgres_pool);
    ngx_http_streamvault_init_pool_conf(&smcf->redis_pool,
                                        &ngx_http_streamvault_redis_pool);

    ngx_conf_init_uint_value(smcf->login_rate, 30);
    ngx_conf_init_value(smcf->login_window, 60);
    ngx_conf_init_msec_value(smcf->api_cache_ttl, 10000);
    ngx_conf_init_value(smcf->media_ttl, 6 * 60 * 60);
    ngx_conf_init_msec_value(smcf->events_keepalive, 15000);
    ngx_conf_init_msec_value(smcf->events_lifetime, 10 * 60 * 1000);
    ngx_conf_init_size_value(smcf->events_buffer, 256 * 1024);
    if (smcf->upload_max_size == NGX_CONF_UNSET) {
        smcf->upload_max_size = (off_t) 16 * 1024 * 1024 * 1024;
    }

    if (smcf->upload_max_size < 1) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"streamvault_upload_max_size\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (smcf->login_window < 1) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"streamvault_login_window\" must be at least 1s");
        return NGX_CONF_ERROR;
    }

    if (smcf->events_keepalive < 1000
        || smcf->events_lifetime < smcf->events_keepalive)
    {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"streamvault_events_keepalive\" must be at least 1s "
                      "and \"streamvault_events_lifetime\" at least as long");
        return NGX_CONF_ERROR;
    }

    /* the largest frame must fit, with room for what is being sent */

    if (smcf->events_buffer < 128 * 1024) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"streamvault_events_buffer\" must be at least 128k");
        return NGX_CONF_ERROR;
    }

    if (smcf->media_ttl < 60) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"streamvault_media_ttl\" must be at least 1m");
        return NGX_CONF_ERROR;
    }

    /* media URLs are checked with the secret, files found below the root */

    if (smcf->media_file
        && (smcf->media_root.data == NULL || smcf->secret.data == NULL))
    {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"streamvault_media\" requires \"%s\" in %s:%ui",
                      smcf->media_root.data == NULL
                      ? "streamvault_media_root" : "streamvault_secret_file",
                      smcf->media_file, smcf->media_line);
        return NGX_CONF_ERROR;
    }

    /* each names the first directive it lacks */

    if (smcf->api_file) {
        directive = "streamvault_api";
        file = smcf->api_file;
        line = smcf->api_line;

    } else if (smcf->eventsub_file) {
        directive = "streamvault_eventsub";
        file = smcf->eventsub_file;
        line = smcf->eventsub_line;

    } else {
        return NGX_CONF_OK;
    }

    if (smcf->postgres.data == NULL) {
        missing = "streamvault_postgres";

    } else if (smcf->redis == NULL) {
        missing = "streamvault_redis";

    } else if (smcf->media_root.data == NULL && smcf->api_file) {
        missing = "streamvault_media_root";

    } else if (smcf->secret.data == NULL) {
        missing = "streamvault_secret_file";

    } else {
        return NGX_CONF_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "\"%s\" requires \"%s\" in %s:%ui",
                  directive, missing, file, line);

    return NGX_CONF_ERROR;
}


/*
 * Where the API is served: its SQL functions become the pool's prepared
 * statements, and password hashing gets nginx's default thread pool.  The
 * EventSub statement follows them (the API's are numbered from 0).
 */

static ngx_int_t
ngx_http_streamvault_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_streamvault_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_streamvault_module);

    if (smcf->api_file || smcf->media_file) {
        smcf->thread_pool = ngx_thread_pool_add(cf, NULL);
        if (smcf->thread_pool == NULL) {
            return NGX_ERROR;
        }
    }

    if (smcf->api_file == NULL) {
        return smcf->eventsub_file ? ngx_http_streamvault_eventsub_init(cf)
                                   : NGX_OK;
    }

    if (ngx_http_streamvault_upload_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_streamvault_init_statements(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return smcf->eventsub_file ? ngx_http_streamvault_eventsub_init(cf)
                               : NGX_OK;
}


static void
ngx_http_streamvault_init_pool_conf(ngx_http_streamvault_pool_conf_t *conf,
    ngx_http_streamvault_pool_conf_t *dflt)
{
    ngx_conf_init_uint_value(conf->size, dflt->size);
    ngx_conf_init_uint_value(conf->queue, dflt->queue);
    ngx_conf_init_msec_value(conf->queue_timeout, dflt->queue_timeout);
    ngx_conf_init_msec_value(conf->connect_timeout, dflt->connect_timeout);
    ngx_conf_init_msec_value(conf->timeout, dflt->timeout);
}


static char *
ngx_http_streamvault_postgres(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *conninfo = data;

    char              *err, *host, *hostaddr;
    size_t             len;
    ngx_int_t          rc;
    PQconninfoOption  *options, *option;

    err = NULL;

    options = PQconninfoParse((char *) conninfo->data, &err);

    if (options == NULL) {

        if (err == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"streamvault_postgres\" PQconninfoParse() "
                               "failed: out of memory");
            return NGX_CONF_ERROR;
        }

        len = ngx_strlen(err);

        while (len && (err[len - 1] == LF || err[len - 1] == CR)) {
            len--;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_postgres\" has an invalid "
                           "conninfo: %*s", len, err);

        PQfreemem(err);

        return NGX_CONF_ERROR;
    }

    host = "";
    hostaddr = "";

    for (option = options; option->keyword; option++) {

        if (option->val == NULL) {
            continue;
        }

        if (ngx_strcmp(option->keyword, "host") == 0) {
            host = option->val;

        } else if (ngx_strcmp(option->keyword, "hostaddr") == 0) {
            hostaddr = option->val;
        }
    }

    rc = ngx_http_streamvault_postgres_hosts(cf, host, hostaddr);

    PQconninfoFree(options);

    return (rc == NGX_OK) ? NGX_CONF_OK : NGX_CONF_ERROR;
}


static ngx_int_t
ngx_http_streamvault_postgres_hosts(ngx_conf_t *cf, char *host,
    char *hostaddr)
{
    u_char      *hp, *hlast, *ap, *alast;
    ngx_int_t    rc;
    ngx_str_t    h, a;
    ngx_addr_t   addr;

    /*
     * libpq resolves host names with a blocking getaddrinfo(), which must
     * not run in a worker's event loop; "host" and "hostaddr" are parallel
     * comma-separated lists, and each of their entries must be reachable
     * without DNS: a numeric "hostaddr" (then "host" is not resolved),
     * else a unix socket directory, a numeric "host", or the default
     * socket when both are empty
     */

    hp = (u_char *) host;
    hlast = hp + ngx_strlen(host);

    ap = (u_char *) hostaddr;
    alast = ap + ngx_strlen(hostaddr);

    while (hp || ap) {

        ngx_http_streamvault_postgres_item(&hp, hlast, &h);
        ngx_http_streamvault_postgres_item(&ap, alast, &a);

        if (a.len) {
            rc = ngx_parse_addr(cf->pool, &addr, a.data, a.len);

            if (rc == NGX_DECLINED) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"streamvault_postgres\" hostaddr "
                                   "\"%V\" is not a numeric address", &a);
            }

        } else if (h.len && h.data[0] != '/') {
            rc = ngx_parse_addr(cf->pool, &addr, h.data, h.len);

            if (rc == NGX_DECLINED) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"streamvault_postgres\" host \"%V\" "
                                   "needs a DNS lookup, which libpq does "
                                   "blocking; use a unix socket directory "
                                   "(host=/path) or add a numeric "
                                   "\"hostaddr\"", &h);
            }

        } else {
            rc = NGX_OK;
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_streamvault_postgres_item(u_char **pos, u_char *last,
    ngx_str_t *item)
{
    u_char  *p, *comma;

    /* the next entry of a comma-separated list, empty past its end */

    p = *pos;

    if (p == NULL) {
        ngx_str_null(item);
        return;
    }

    comma = ngx_strlchr(p, last, ',');

    item->data = p;

    if (comma == NULL) {
        item->len = last - p;
        *pos = NULL;

    } else {
        item->len = comma - p;
        *pos = comma + 1;
    }
}


static char *
ngx_http_streamvault_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_streamvault_main_conf_t  *smcf = conf;

    ngx_str_t  *value;
    ngx_url_t  *u;

    if (smcf->redis) {
        return "is duplicate";
    }

    value = cf->args->elts;

    u = ngx_pcalloc(cf->pool, sizeof(ngx_url_t));
    if (u == NULL) {
        return NGX_CONF_ERROR;
    }

    u->url = value[1];
    u->default_port = NGX_HTTP_STREAMVAULT_REDIS_PORT;

    if (ngx_parse_url(cf->pool, u) != NGX_OK) {
        if (u->err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"streamvault_redis\" %s in \"%V\"",
                               u->err, &u->url);
        }

        return NGX_CONF_ERROR;
    }

    smcf->redis = u;

    return NGX_CONF_OK;
}


static char *
ngx_http_streamvault_media_root(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *path = data;

    ngx_file_info_t  fi;

    if (ngx_conf_full_name(cf->cycle, path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_file_info(path->data, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"streamvault_media_root\" "
                           ngx_file_info_n " \"%s\" failed", path->data);
        return NGX_CONF_ERROR;
    }

    if (!ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_media_root\" \"%s\" "
                           "is not a directory", path->data);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/*
 * The worker's <media_root>/import, where uploads are renamed into: made
 * here when it is missing (by the master, before nginx makes the
 * client_body_temp_path inside it), owned by the workers' user.
 */

static char *
ngx_http_streamvault_import_dir(ngx_conf_t *cf, void *post, void *data)
{
    ngx_str_t  *path = data;

    ngx_err_t         err;
    ngx_file_info_t   fi;
    ngx_core_conf_t  *ccf;

    if (ngx_conf_full_name(cf->cycle, path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    while (path->len > 1 && path->data[path->len - 1] == '/') {
        path->data[--path->len] = '\0';
    }

    if (ngx_file_info(path->data, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;

        if (err != NGX_ENOENT) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, err,
                               "\"streamvault_import_dir\" "
                               ngx_file_info_n " \"%s\" failed", path->data);
            return NGX_CONF_ERROR;
        }

        if (ngx_create_dir(path->data, 0750) == NGX_FILE_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "\"streamvault_import_dir\" "
                               ngx_create_dir_n " \"%s\" failed", path->data);
            return NGX_CONF_ERROR;
        }

        ccf = (ngx_core_conf_t *) ngx_get_conf(cf->cycle->conf_ctx,
                                               ngx_core_module);

        if (geteuid() == 0 && ccf->user != (ngx_uid_t) NGX_CONF_UNSET_UINT
            && chown((const char *) path->data, ccf->user, ccf->group) == -1)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                               "\"streamvault_import_dir\" "
                               "chown(\"%s\") failed", path->data);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (!ngx_is_dir(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_import_dir\" \"%s\" "
                           "is not a directory", path->data);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_streamvault_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_streamvault_main_conf_t  *smcf = conf;

    char                *rv;
    size_t               size;
    ssize_t              n;
    ngx_fd_t             fd;
    ngx_str_t           *value, name, *buf;
    ngx_file_info_t      fi;
    ngx_pool_cleanup_t  *cln;

    if (smcf->secret.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"streamvault_secret_file\" "
                           ngx_open_file_n " \"%s\" failed", name.data);
        return NGX_CONF_ERROR;
    }

    rv = NGX_CONF_ERROR;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"streamvault_secret_file\" "
                           ngx_fd_info_n " \"%s\" failed", name.data);
        goto done;
    }

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_secret_file\" \"%s\" "
                           "is not a regular file", name.data);
        goto done;
    }

    if (ngx_file_access(&fi) & 0004) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_secret_file\" \"%s\" "
                           "must not be world-readable (chmod o-r)",
                           name.data);
        goto done;
    }

    if (ngx_file_size(&fi) > NGX_HTTP_STREAMVAULT_SECRET_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_secret_file\" \"%s\" "
                           "is larger than %d bytes",
                           name.data, NGX_HTTP_STREAMVAULT_SECRET_MAX);
        goto done;
    }

    size = (size_t) ngx_file_size(&fi);

    /* the secret is wiped when the configuration is freed, even a bad one */

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(ngx_str_t));
    if (cln == NULL) {
        goto done;
    }

    buf = cln->data;

    buf->data = ngx_pnalloc(cf->pool, size);
    if (buf->data == NULL) {
        goto done;
    }

    buf->len = size;
    cln->handler = ngx_http_streamvault_secret_cleanup;

    n = ngx_read_fd(fd, buf->data, size);

    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"streamvault_secret_file\" "
                           ngx_read_fd_n " \"%s\" failed", name.data);
        goto done;
    }

    if ((size_t) n != size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_secret_file\" "
                           ngx_read_fd_n " \"%s\" returned only "
                           "%z bytes instead of %uz", name.data, n, size);
        goto done;
    }

    while (size && (buf->data[size - 1] == LF || buf->data[size - 1] == CR)) {
        size--;
    }

    if (size < NGX_HTTP_STREAMVAULT_SECRET_MIN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"streamvault_secret_file\" \"%s\" is too "
                           "short: %uz bytes, at least %d are needed "
                           "(trailing newlines do not count)",
                           name.data, size, NGX_HTTP_STREAMVAULT_SECRET_MIN);
        goto done;
    }

    smcf->secret.data = buf->data;
    smcf->secret.len = size;

    sv_media_key(smcf->secret.data, smcf->secret.len, smcf->media_key);

    rv = NGX_CONF_OK;

done:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, ngx_errno,
                           ngx_close_file_n " \"%s\" failed", name.data);
    }

    return rv;
}


static void
ngx_http_streamvault_secret_cleanup(void *data)
{
    ngx_str_t  *buf = data;

    ngx_explicit_memzero(buf->data, buf->len);
}


static char *
ngx_http_streamvault_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_streamvault_main_conf_t  *smcf = conf;

    return ngx_http_streamvault_content(cf, ngx_http_streamvault_api_handler,
                                        &smcf->api_file, &smcf->api_line);
}


/*
 * Twitch's webhooks: a body of at most 64 KiB is read into memory, so the
 * location's client_body_buffer_size defaults to that (the handler refuses
 * a body that went to a temporary file).
 */

static char *
ngx_http_streamvault_eventsub(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_streamvault_main_conf_t  *smcf = conf;

    char                      *rv;
    ngx_http_core_loc_conf_t  *clcf;

    rv = ngx_http_streamvault_content(cf,
                                      ngx_http_streamvault_eventsub_handler,
                                      &smcf->eventsub_file,
                                      &smcf->eventsub_line);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->client_body_buffer_size == NGX_CONF_UNSET_SIZE) {
        clcf->client_body_buffer_size = NGX_HTTP_STREAMVAULT_EVENTSUB_BUFFER;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_streamvault_media(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_streamvault_main_conf_t  *smcf = conf;

    return ngx_http_streamvault_content(cf, ngx_http_streamvault_media_handler,
                                        &smcf->media_file, &smcf->media_line);
}


/* the location's content handler, and where the directive was first used */

static char *
ngx_http_streamvault_content(ngx_conf_t *cf, ngx_http_handler_pt handler,
    u_char **file, ngx_uint_t *line)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler == handler) {
        return "is duplicate";
    }

    clcf->handler = handler;

    if (*file == NULL) {
        *file = cf->conf_file->file.name.data;
        *line = cf->conf_file->line;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_streamvault_pool_timeout(ngx_conf_t *cf, void *post, void *data)
{
    ngx_msec_t  *msp = data;

    /* 0 would disable statement_timeout, or fail every connect */

    if (*msp == 0) {
        return "must not be zero";
    }

    /* statement_timeout is an int */

    if (*msp > NGX_MAX_INT32_VALUE) {
        return "is too long";
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_streamvault_init_process(ngx_cycle_t *cycle)
{
    /* the helper processes (cache manager, loader) have no pools */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    if (ngx_http_cycle_get_module_main_conf(cycle, ngx_streamvault_module)
        == NULL)
    {
        return NGX_OK;
    }

    if (ngx_http_streamvault_pg_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_streamvault_redis_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_streamvault_events_init_process(cycle);
}


static void
ngx_http_streamvault_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_streamvault_events_exit_process();
    ngx_http_streamvault_pg_exit_process(cycle);
    ngx_http_streamvault_redis_exit_process(cycle);
    ngx_http_streamvault_cache_free();
    ngx_http_streamvault_eventsub_exit_process();
}
