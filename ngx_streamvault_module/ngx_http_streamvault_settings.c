
/*
 * StreamVault nginx module: PUT /api/settings.  The Twitch secrets in the
 * body (the app's client secret, a user token) are sealed with the key of
 * streamvault_secret_file (lib/sv_secretbox.h) before the call, so that
 * PostgreSQL, its dumps and its logs only ever hold them sealed; the worker
 * opens them with the same key.  api.settings_put accepts nothing else for
 * them.  The file name template is checked by the code that renders it
 * (ngx_http_streamvault_template.c).  Every other member goes on as it
 * came.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_secretbox.h>

#include "ngx_http_streamvault_api.h"


#define NGX_HTTP_STREAMVAULT_SETTING_SECRET_MAX  1024
#define NGX_HTTP_STREAMVAULT_SETTING_TEMPLATE    "storage.filename_template"


static ngx_int_t ngx_http_streamvault_settings_seal(
    ngx_http_streamvault_ctx_t *ctx, const char *name, yajl_val value,
    ngx_str_t *sealed);


/* the settings sealed under their own names */

static const char  *ngx_http_streamvault_settings_sealed[] = {
    "twitch.client_secret",
    "twitch.user_token",
    NULL
};


ngx_int_t
ngx_http_streamvault_settings(ngx_http_streamvault_ctx_t *ctx)
{
    u_char                        message[NGX_HTTP_STREAMVAULT_TEMPLATE_ERR];
    yajl_val                      body, value;
    ngx_int_t                     rc;
    ngx_uint_t                    i, k, n, seen;
    const char                   *name;
    ngx_http_request_t           *r;
    ngx_http_streamvault_field_t  fields[3];

    r = ctx->request;

    body = ngx_http_streamvault_json_tree(r, &ctx->body);

    if (ngx_http_streamvault_template_members(body,
                                   NGX_HTTP_STREAMVAULT_SETTING_TEMPLATE,
                                   message, sizeof(message))
        != NGX_OK)
    {
        return ngx_http_streamvault_send_error(r, 422, "invalid",
                                               (char *) message);
    }

    n = 0;

    for (k = 0; ngx_http_streamvault_settings_sealed[k]; k++) {
        name = ngx_http_streamvault_settings_sealed[k];
        value = NULL;
        seen = 0;

        for (i = 0; body && i < body->u.object.len; i++) {
            if (ngx_strcmp(body->u.object.keys[i], name) == 0) {
                value = body->u.object.values[i];
                seen++;
            }
        }

        /* which of two would PostgreSQL keep?  neither */

        if (seen > 1) {
            *ngx_snprintf(message, sizeof(message) - 1,
                          "\"%s\" is given more than once", name) = '\0';

            return ngx_http_streamvault_send_error(r, 422, "invalid",
                                                   (char *) message);
        }

        /* null resets it, another type is refused by api.settings_put */

        if (value == NULL || !YAJL_IS_STRING(value)) {
            continue;
        }

        rc = ngx_http_streamvault_settings_seal(ctx, name, value,
                                                &fields[n].value);

        if (rc == NGX_DECLINED) {
            *ngx_snprintf(message, sizeof(message) - 1,
                          "\"%s\" must be 1..%d printable ASCII characters "
                          "without spaces", name,
                          NGX_HTTP_STREAMVAULT_SETTING_SECRET_MAX) = '\0';

            return ngx_http_streamvault_send_error(r, 422, "invalid",
                                                   (char *) message);
        }

        if (rc != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        fields[n++].key = name;
    }

    fields[n].key = NULL;

    return ngx_http_streamvault_rewrite_call(ctx, fields,
                                             ngx_http_streamvault_reply);
}


/*
 * NGX_DECLINED for what api.settings_put can no longer check once sealed:
 * 1 to 1024 printable ASCII characters, no space.
 */

static ngx_int_t
ngx_http_streamvault_settings_seal(ngx_http_streamvault_ctx_t *ctx,
    const char *name, yajl_val value, ngx_str_t *sealed)
{
    u_char                             key[SV_SECRETBOX_KEY_LEN];
    size_t                             len, i;
    ngx_int_t                          rc;
    const u_char                      *plain;
    ngx_http_request_t                *r;
    ngx_http_streamvault_main_conf_t  *smcf;

    r = ctx->request;

    plain = (const u_char *) YAJL_GET_STRING(value);
    len = ngx_strlen(plain);

    for (i = 0; i < len; i++) {
        if (plain[i] <= ' ' || plain[i] > '~') {
            break;
        }
    }

    if (len == 0 || len > NGX_HTTP_STREAMVAULT_SETTING_SECRET_MAX || i < len)
    {
        return NGX_DECLINED;
    }

    sealed->data = ngx_pnalloc(r->pool, sv_secretbox_sealed_len(len) + 1);
    if (sealed->data == NULL) {
        return NGX_ERROR;
    }

    smcf = ngx_http_get_module_main_conf(r, ngx_streamvault_module);

    sv_secretbox_key(smcf->secret.data, smcf->secret.len, key);

    rc = sv_secretbox_seal(key, name, plain, len, (char *) sealed->data);

    ngx_explicit_memzero(key, sizeof(key));

    if (rc != 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "streamvault: sealing \"%s\" failed", name);
        return NGX_ERROR;
    }

    sealed->len = ngx_strlen(sealed->data);

    return NGX_OK;
}
