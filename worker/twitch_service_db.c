/*
 * The Twitch service's calls of the twitch.* SQL functions (see
 * twitch_service_int.h).
 */

#include <stdio.h>
#include <string.h>

#include "json_guard.h"
#include "json_tree.h"
#include "log.h"
#include "pg.h"
#include "twitch_service_int.h"

/* Our own functions' answers: lists of up to a few thousand objects. */
#define DEPTH_MAX  16

yajl_val
sv_twitch_db_json(PGconn *pg, const char *sql, int n,
                  const char *const *params, char *err, size_t errlen)
{
    PGresult    *res = sv_pg_query(pg, sql, n, params, err, errlen);
    const char  *text, *unfit;
    char         perr[128];
    yajl_val     v = NULL;

    if (res == NULL) {
        return NULL;
    }
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        snprintf(err, errlen, "%s answered nothing", sql);
    } else {
        text = PQgetvalue(res, 0, 0);
        unfit = sv_json_unfit_for_tree(text, strlen(text), DEPTH_MAX);
        v = unfit == NULL ? yajl_tree_parse(text, perr, sizeof(perr)) : NULL;
        if (v == NULL) {
            snprintf(err, errlen, "%s answered no usable JSON", sql);
        }
    }
    PQclear(res);
    return v;
}

yajl_val
sv_twitch_db_list(struct sv_twitch *t, PGconn *pg, const char *sql,
                  const char *key, const char *what, const char **out,
                  size_t *n)
{
    char      err[512];
    yajl_val  list = sv_twitch_db_json(pg, sql, 0, NULL, err, sizeof(err));

    *n = 0;
    if (list == NULL || !YAJL_IS_ARRAY(list)) {
        sv_twitch_failed(t, what, list == NULL ? err : "not a list");
        yajl_tree_free(list);
        return NULL;
    }
    for (size_t i = 0; i < YAJL_GET_ARRAY(list)->len
                       && *n < SV_HELIX_PAGE_MAX; i++) {
        yajl_val v = YAJL_GET_ARRAY(list)->values[i];

        if (key != NULL) {
            v = sv_tree_member(v, key, yajl_t_string);
        }
        if (v != NULL && YAJL_IS_STRING(v)) {
            out[(*n)++] = YAJL_GET_STRING(v);
        }
    }
    return list;
}

bool
sv_twitch_db_exec(PGconn *pg, const char *sql, int n,
                  const char *const *params, char *err, size_t errlen)
{
    PGresult *res = sv_pg_query(pg, sql, n, params, err, errlen);

    PQclear(res);
    return res != NULL;
}

const char *
sv_twitch_gen_text(yajl_gen g)
{
    const unsigned char  *buf;
    size_t                len;

    /* yajl keeps its buffer NUL-terminated. */
    yajl_gen_get_buf(g, &buf, &len);
    return (const char *) buf;
}

void
sv_twitch_failed(struct sv_twitch *t, const char *what, const char *err)
{
    sv_log(SV_LOG_WARN, what, SV_STR("error", err));
    snprintf(t->helix.last_error, sizeof(t->helix.last_error), "%s: %s",
             what, err);
}
