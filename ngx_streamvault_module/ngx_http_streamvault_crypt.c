
/*
 * StreamVault nginx module: password hashing off the event loop. yescrypt
 * takes tens of milliseconds on purpose, so crypt_rn() runs in nginx's
 * thread pool; the request is held (blocked) until the task is back.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#if !(NGX_THREADS)
#error the StreamVault module needs nginx built --with-threads
#endif

#include <crypt.h>
#include <openssl/crypto.h>

#include "ngx_http_streamvault_api.h"


struct ngx_http_streamvault_crypt_s {
    ngx_http_streamvault_ctx_t      *ctx;
    ngx_http_streamvault_crypt_pt    done;

    /* in: NUL-terminated copies; the passwords are wiped afterwards */
    char                            *password;      /* to verify, or NULL */
    char                            *stored_hash;
    char                            *new_password;  /* to hash, or NULL */

    /* out */
    ngx_flag_t                       verified;
    ngx_flag_t                       failed;
    char                             new_hash[CRYPT_OUTPUT_SIZE];

    struct crypt_data                data;
};


static char *ngx_http_streamvault_crypt_copy(ngx_pool_t *pool, ngx_str_t *s);
static void ngx_http_streamvault_crypt_thread(void *data, ngx_log_t *log);
static void ngx_http_streamvault_crypt_event(ngx_event_t *ev);


ngx_int_t
ngx_http_streamvault_crypt(ngx_http_streamvault_ctx_t *ctx,
    ngx_str_t *password, ngx_str_t *stored_hash, ngx_str_t *new_password,
    ngx_http_streamvault_crypt_pt done)
{
    ngx_thread_task_t                 *task;
    ngx_http_request_t                *r;
    ngx_http_streamvault_crypt_t      *cr;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;
    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    task = ngx_thread_task_alloc(r->pool,
                                 sizeof(ngx_http_streamvault_crypt_t));
    if (task == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cr = task->ctx;
    cr->ctx = ctx;
    cr->done = done;

    cr->password = ngx_http_streamvault_crypt_copy(r->pool, password);
    cr->stored_hash = ngx_http_streamvault_crypt_copy(r->pool, stored_hash);
    cr->new_password = ngx_http_streamvault_crypt_copy(r->pool, new_password);

    if ((password && cr->password == NULL)
        || (stored_hash && cr->stored_hash == NULL)
        || (new_password && cr->new_password == NULL))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    task->handler = ngx_http_streamvault_crypt_thread;
    task->event.handler = ngx_http_streamvault_crypt_event;
    task->event.data = cr;

    if (ngx_thread_task_post(smcf->thread_pool, task) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the request stays until the task is back, even if the client goes */

    r->main->blocked++;
    r->aio = 1;

    return NGX_AGAIN;
}


static char *
ngx_http_streamvault_crypt_copy(ngx_pool_t *pool, ngx_str_t *s)
{
    char  *copy;

    if (s == NULL) {
        return NULL;
    }

    copy = ngx_pnalloc(pool, s->len + 1);
    if (copy == NULL) {
        return NULL;
    }

    ngx_memcpy(copy, s->data, s->len);
    copy[s->len] = '\0';

    return copy;
}


static void
ngx_http_streamvault_crypt_thread(void *data, ngx_log_t *log)
{
    ngx_http_streamvault_crypt_t  *cr = data;

    char    *out, salt[CRYPT_GENSALT_OUTPUT_SIZE];
    size_t   len;

    if (cr->password) {
        out = crypt_rn(cr->password, cr->stored_hash, &cr->data,
                       sizeof(cr->data));

        len = ngx_strlen(cr->stored_hash);

        /* a hash that is no crypt string never verifies */

        cr->verified = out != NULL && out[0] != '*'
                       && ngx_strlen(out) == len
                       && CRYPTO_memcmp(out, cr->stored_hash, len) == 0;

        ngx_explicit_memzero(cr->password, ngx_strlen(cr->password));
    }

    if (cr->new_password) {
        if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL
            || (out = crypt_rn(cr->new_password, salt, &cr->data,
                               sizeof(cr->data))) == NULL
            || out[0] == '*')
        {
            cr->failed = 1;

        } else {
            ngx_cpystrn((u_char *) cr->new_hash, (u_char *) out,
                        sizeof(cr->new_hash));
        }

        ngx_explicit_memzero(cr->new_password, ngx_strlen(cr->new_password));
    }

    ngx_explicit_memzero(&cr->data, sizeof(cr->data));
}


static void
ngx_http_streamvault_crypt_event(ngx_event_t *ev)
{
    ngx_http_streamvault_crypt_t  *cr = ev->data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = cr->ctx->request;
    c = r->connection;

    r->main->blocked--;
    r->aio = 0;

    if (c->error) {
        /* the client went away meanwhile */
        ngx_http_finalize_request(r, NGX_ERROR);

    } else if (cr->failed) {
        ngx_log_error(NGX_LOG_ALERT, c->log, 0,
                      "streamvault: crypt_rn() could not hash a password");
        ngx_http_streamvault_finish(cr->ctx, NGX_HTTP_INTERNAL_SERVER_ERROR);

    } else {
        cr->done(cr->ctx, cr->verified, cr->new_hash);
    }

    ngx_http_run_posted_requests(c);
}
