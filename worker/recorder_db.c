/*
 * The recorder's side of PostgreSQL (see recorder_db.h).
 */

#include "recorder_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "json_tree.h"
#include "pg.h"

bool
sv_recdb_create(PGconn *pg, const char *streamer, const char *source_url,
                long long duration_s, const char *title, long long *id,
                bool *already, char *err, size_t errlen)
{
    char        dur[24];
    const char *params[] = { streamer, source_url,
                             duration_s > 0 ? dur : NULL, title };
    PGresult   *res;

    snprintf(dur, sizeof(dur), "%lld", duration_s);
    res = sv_pg_query(pg,
                      "SELECT (r->>'recording_id')::bigint,"
                      "       (r->>'already')::boolean"
                      "  FROM recorder.create("
                      "           CASE WHEN $1::text IS NOT NULL"
                      "                THEN recorder.streamer_id($1) END,"
                      "           $2::text, $3::integer, $4::text, NULL) r",
                      4, params, err, errlen);
    if (res == NULL) {
        return false;
    }
    *id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    *already = PQgetvalue(res, 0, 1)[0] == 't';
    PQclear(res);
    return true;
}

static void
copy_member(yajl_val tree, const char *key, char *dst, size_t cap)
{
    const char *v = sv_tree_string(tree, key);

    snprintf(dst, cap, "%s", v != NULL ? v : "");
}

bool
sv_recdb_claim(PGconn *pg, long long id, const char *worker_id,
               unsigned stale_s, struct sv_rec_claim *c, bool *got,
               char *err, size_t errlen)
{
    char        id_text[24], stale[16], perr[128];
    const char *params[] = { id_text, worker_id, stale };
    PGresult   *res;
    yajl_val    tree;

    snprintf(id_text, sizeof(id_text), "%lld", id);
    snprintf(stale, sizeof(stale), "%u", stale_s);
    res = sv_pg_query(pg,
                      "SELECT c::text,"
                      "       CASE WHEN c ? 'twitch_login'"
                      "            THEN twitch.config()->>'user_token' END"
                      "  FROM recorder.claim($1::bigint, $2, $3::integer) c",
                      3, params, err, errlen);
    if (res == NULL) {
        return false;
    }
    *got = !PQgetisnull(res, 0, 0);
    if (!*got) {
        PQclear(res);
        return true;
    }
    tree = yajl_tree_parse(PQgetvalue(res, 0, 0), perr, sizeof(perr));
    memset(c, 0, sizeof(*c));
    snprintf(c->user_token, sizeof(c->user_token), "%s",
             PQgetvalue(res, 0, 1));
    PQclear(res);
    if (sv_tree_string(tree, "busy") != NULL) {
        *got = false;
        yajl_tree_free(tree);
        return true;
    }
    if (tree == NULL || sv_tree_string(tree, "raw_dir") == NULL) {
        snprintf(err, errlen, "recorder.claim gave no raw_dir");
        yajl_tree_free(tree);
        return false;
    }
    c->id = id;
    copy_member(tree, "raw_dir", c->raw_dir, sizeof(c->raw_dir));
    copy_member(tree, "twitch_login", c->twitch_login,
                sizeof(c->twitch_login));
    copy_member(tree, "quality", c->quality, sizeof(c->quality));
    copy_member(tree, "proxy", c->proxy, sizeof(c->proxy));
    copy_member(tree, "source_url", c->source_url, sizeof(c->source_url));
    c->duration_left_s = sv_tree_double(tree, "duration_left_s", -1);
    c->bytes = sv_tree_integer(tree, "bytes", 0);
    c->media_ms = sv_tree_integer(tree, "media_ms", 0);
    c->rollover_s = sv_tree_integer(tree, "rollover_s", 0);
    c->resume = sv_tree_member(tree, "resume", yajl_t_true) != NULL;
    c->chat = sv_tree_member(tree, "chat", yajl_t_true) != NULL;
    c->started_at_ms = sv_tree_integer(tree, "started_at_ms", 0);
    yajl_tree_free(tree);
    return true;
}

/* A query answering one bigint per row: the values into ids. */
static bool
ids_of(PGconn *pg, const char *sql, int nparams, const char *const *params,
       long long *ids, size_t max, size_t *n, char *err, size_t errlen)
{
    PGresult *res = sv_pg_query(pg, sql, nparams, params, err, errlen);
    int       rows;

    if (res == NULL) {
        return false;
    }
    rows = PQntuples(res);
    *n = 0;
    for (int i = 0; i < rows && *n < max; i++) {
        ids[(*n)++] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    }
    PQclear(res);
    return true;
}

bool
sv_recdb_resumable(PGconn *pg, const char *worker_id, long long *ids,
                   size_t max, size_t *n, char *err, size_t errlen)
{
    const char *params[] = { worker_id };

    return ids_of(pg, "SELECT recorder.resumable($1)", 1, params, ids, max,
                  n, err, errlen);
}

bool
sv_recdb_progress(PGconn *pg, const char *worker_id, const char *report,
                  long long *stop, size_t max, size_t *n, char *err,
                  size_t errlen)
{
    const char *params[] = { worker_id, report };

    return ids_of(pg, "SELECT unnest(recorder.progress($1, $2::jsonb))", 2,
                  params, stop, max, n, err, errlen);
}

/* The parameters every end carries: id, worker, bytes, media_ms. */
struct end_params {
    char id[24], bytes[24], media_ms[24];
};

static void
end_params(const struct sv_rec_end *end, struct end_params *p)
{
    snprintf(p->id, sizeof(p->id), "%lld", end->id);
    snprintf(p->bytes, sizeof(p->bytes), "%lld", end->bytes);
    snprintf(p->media_ms, sizeof(p->media_ms), "%lld", end->media_ms);
}

bool
sv_recdb_finish(PGconn *pg, const char *worker_id,
                const struct sv_rec_end *end, char *outcome,
                size_t outcome_len, char *err, size_t errlen)
{
    struct end_params  p;
    PGresult          *res;

    end_params(end, &p);

    const char *params[] = { p.id, worker_id, end->why, end->error, p.bytes,
                             p.media_ms };

    res = sv_pg_query(pg, "SELECT recorder.finish($1::bigint, $2, $3, $4, "
                      "$5::bigint, $6::bigint)", 6, params, err, errlen);
    if (res == NULL) {
        return false;
    }
    snprintf(outcome, outcome_len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return true;
}

bool
sv_recdb_rollover(PGconn *pg, const char *worker_id,
                  const struct sv_rec_end *end, long long *next, char *err,
                  size_t errlen)
{
    struct end_params  p;
    PGresult          *res;

    end_params(end, &p);

    const char *params[] = { p.id, worker_id, p.bytes, p.media_ms };

    res = sv_pg_query(pg, "SELECT recorder.rollover($1::bigint, $2, "
                      "$3::bigint, $4::bigint)", 4, params, err, errlen);
    if (res == NULL) {
        return false;
    }
    *next = PQgetisnull(res, 0, 0) ? 0
            : strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return true;
}

bool
sv_recdb_finalize_ghosts(PGconn *pg, unsigned stale_s, size_t *n, char *err,
                         size_t errlen)
{
    char        stale[16];
    const char *params[] = { stale };
    PGresult   *res;

    snprintf(stale, sizeof(stale), "%u", stale_s);
    res = sv_pg_query(pg, "SELECT cardinality(recorder.finalize_ghosts("
                      "$1::integer))", 1, params, err, errlen);
    if (res == NULL) {
        return false;
    }
    *n = (size_t) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return true;
}
