
/*
 * StreamVault nginx module: file name templates, judged and rendered by
 * lib/sv_template.c, the code the worker names the files with.
 *
 * GET /api/settings/template_preview?template=...&streamer_id=N: the
 * template's verdict joins the request document as "extra" (as the
 * schedules' cron does), so api.settings_template_preview answers 422
 * with it only after authorization; the function gives the values of the
 * newest recording (or a sample), and the answer gets the path the worker
 * would write for them:
 *
 *   {"template": "...", "values": {...}, "recording_id": 7,
 *    "sample": false,
 *    "path": "library/alice/Season 202611/alice - S202611E03 - x.mp4"}
 *
 * PUT /api/settings checks storage.filename_template the same way
 * (ngx_http_streamvault_settings.c), and a streamer's filename_template
 * is checked before it is saved (ngx_http_streamvault_streamer_template()).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <sv_template.h>

#include "ngx_http_streamvault_api.h"


static void ngx_http_streamvault_template_done(
    ngx_http_streamvault_ctx_t *ctx, PGresult *res);
static ngx_int_t ngx_http_streamvault_template_values(yajl_val values,
    struct sv_template_values *v);


ngx_int_t
ngx_http_streamvault_template_preview(ngx_http_streamvault_ctx_t *ctx)
{
    const char          *tmpl;
    ngx_str_t            extra;
    ngx_http_request_t  *r;
    u_char               message[NGX_HTTP_STREAMVAULT_TEMPLATE_ERR];

    r = ctx->request;

    tmpl = ngx_http_streamvault_json_member_string(
               ngx_http_streamvault_json_tree(r, &ctx->query), "template");

    ngx_str_set(&extra, "{}");

    /* empty: the template that applies without one, SQL's to say */

    if (tmpl && tmpl[0]
        && ngx_http_streamvault_template_check("template", tmpl, message,
                                               sizeof(message))
           != NGX_OK)
    {
        if (ngx_http_streamvault_invalid_extra(r->pool, "template",
                                               (char *) message, &extra)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_streamvault_call(ctx,
                         ngx_http_streamvault_statement(ctx->route->function),
                         NULL, &extra, ngx_http_streamvault_template_done);
}


/* NGX_DECLINED with "<name>: <why>" in message when tmpl is no template */

ngx_int_t
ngx_http_streamvault_template_check(const char *name, const char *tmpl,
    u_char *message, size_t size)
{
    char  err[NGX_HTTP_STREAMVAULT_TEMPLATE_ERR];

    if (sv_template_check(tmpl, err, sizeof(err))) {
        return NGX_OK;
    }

    *ngx_snprintf(message, size - 1, "%s: %s", name, err) = '\0';

    return NGX_DECLINED;
}


/*
 * POST /api/streamers, PATCH /api/streamers/{id}: a streamer's own
 * template is judged as the global one is, so none is saved that
 * post-processing would refuse.
 */

ngx_int_t
ngx_http_streamvault_streamer_template(ngx_http_streamvault_ctx_t *ctx)
{
    ngx_http_request_t  *r;
    u_char               message[NGX_HTTP_STREAMVAULT_TEMPLATE_ERR];

    r = ctx->request;

    if (ngx_http_streamvault_template_members(
            ngx_http_streamvault_json_tree(r, &ctx->body), "filename_template",
            message, sizeof(message))
        != NGX_OK)
    {
        return ngx_http_streamvault_send_error(r, 422, "invalid",
                                               (char *) message);
    }

    return ngx_http_streamvault_call(ctx,
                  ngx_http_streamvault_statement(ctx->route->function),
                  &ctx->body, NULL, ngx_http_streamvault_reply);
}


/*
 * Every string member key of object (NULL: none) judged as a template:
 * each copy, since PostgreSQL keeps the last of a repeated key.  NGX_OK,
 * or NGX_DECLINED with the first refusal in message.
 */

ngx_int_t
ngx_http_streamvault_template_members(yajl_val object, const char *key,
    u_char *message, size_t size)
{
    size_t    i;
    yajl_val  value;

    for (i = 0; YAJL_IS_OBJECT(object) && i < object->u.object.len; i++) {
        value = object->u.object.values[i];

        if (YAJL_IS_STRING(value)
            && YAJL_GET_STRING(value)[0] != '\0'
            && ngx_strcmp(object->u.object.keys[i], key) == 0
            && ngx_http_streamvault_template_check(key,
                                                   YAJL_GET_STRING(value),
                                                   message, size)
               != NGX_OK)
        {
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static void
ngx_http_streamvault_template_done(ngx_http_streamvault_ctx_t *ctx,
    PGresult *res)
{
    size_t                      i;
    yajl_gen                    g;
    yajl_val                    doc;
    ngx_int_t                   rc;
    ngx_str_t                   json;
    const char                 *tmpl;
    ngx_http_request_t         *r;
    struct sv_template_values   v;
    char                        path[SV_PATH_REL_MAX + 1];
    char                        err[NGX_HTTP_STREAMVAULT_TEMPLATE_ERR];
    u_char                      message[NGX_HTTP_STREAMVAULT_TEMPLATE_ERR];

    static const char  *values_path[] = { "values", NULL };

    r = ctx->request;
    g = NULL;

    rc = ngx_http_streamvault_result_json(ctx, res, &json);
    if (rc != NGX_OK) {
        goto done;
    }

    doc = ngx_http_streamvault_json_tree(r, &json);

    if (!YAJL_IS_OBJECT(doc)
        || ngx_http_streamvault_template_values(
               yajl_tree_get(doc, values_path, yajl_t_object), &v)
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "streamvault: api.%s answered no template values",
                      ctx->route->function);
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    tmpl = ngx_http_streamvault_json_member_string(doc, "template");
    tmpl = tmpl ? tmpl : SV_TEMPLATE_DEFAULT;

    /* a template stored before templates were checked may be no template */

    if (ngx_http_streamvault_template_check("template", tmpl, message,
                                            sizeof(message))
        != NGX_OK)
    {
        rc = ngx_http_streamvault_send_error(r, 422, "invalid",
                                             (char *) message);
        goto done;
    }

    if (!sv_template_video_path(tmpl, &v, path, err, sizeof(err))) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "streamvault: a checked template did not render: %s",
                      err);
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        goto done;
    }

    yajl_gen_map_open(g);

    for (i = 0; i < doc->u.object.len; i++) {
        if (ngx_strcmp(doc->u.object.keys[i], "template") != 0) {
            yajl_gen_string(g, (u_char *) doc->u.object.keys[i],
                            ngx_strlen(doc->u.object.keys[i]));
            ngx_http_streamvault_gen_value(g, doc->u.object.values[i]);
        }
    }

    yajl_gen_string(g, (u_char *) "template", sizeof("template") - 1);
    yajl_gen_string(g, (u_char *) tmpl, ngx_strlen(tmpl));
    yajl_gen_string(g, (u_char *) "path", sizeof("path") - 1);
    yajl_gen_string(g, (u_char *) path, ngx_strlen(path));

    yajl_gen_map_close(g);

    rc = ngx_http_streamvault_send_gen(r, ctx->route->status, g);

done:

    if (g) {
        yajl_gen_free(g);
    }

    ngx_http_streamvault_finish(ctx, rc);
}


/* the placeholders' values as api.settings_template_preview gives them */

static ngx_int_t
ngx_http_streamvault_template_values(yajl_val values,
    struct sv_template_values *v)
{
    yajl_val     episode;
    const char  *date, *clock;

    static const char  *episode_path[] = { "episode", NULL };

    ngx_memzero(v, sizeof(struct sv_template_values));

    if (values == NULL) {
        return NGX_DECLINED;
    }

    v->streamer = ngx_http_streamvault_json_member_string(values, "streamer");
    v->title = ngx_http_streamvault_json_member_string(values, "title");
    v->id = ngx_http_streamvault_json_member_string(values, "id");

    date = ngx_http_streamvault_json_member_string(values, "date");
    clock = ngx_http_streamvault_json_member_string(values, "time");
    episode = yajl_tree_get(values, episode_path, yajl_t_number);

    if (date == NULL || clock == NULL || !sv_template_when(v, date, clock)
        || episode == NULL || !YAJL_IS_INTEGER(episode)
        || YAJL_GET_INTEGER(episode) < 0
        || YAJL_GET_INTEGER(episode) > NGX_MAX_UINT32_VALUE)
    {
        return NGX_DECLINED;
    }

    v->episode = (unsigned) YAJL_GET_INTEGER(episode);

    return NGX_OK;
}
