/*
 * The retention job (see job_retention.h).
 *
 * One transaction: the plan locks the recordings it lists (so none is
 * re-processed or changes state meanwhile), their files go, then their
 * rows. A crash in between leaves rows whose files are partly gone; the
 * next run lists them again and finishes (a missing file is not an error).
 */

#include "job_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "event_publish.h"
#include "json_tree.h"
#include "library_files.h"
#include "log.h"
#include "payload_check.h"
#include "pg.h"
#include "queue.h"

struct retention_payload {
    bool dry_run;
};

static const struct sv_payload_field fields[] = {
    { "dry_run", false, sv_payload_bool,
      offsetof(struct retention_payload, dry_run), NULL },
};

static bool
parse_payload(yajl_val payload, struct retention_payload *p, char *err,
              size_t errlen)
{
    memset(p, 0, sizeof(*p));
    return sv_payload_read(payload, "", fields, sv_payload_nfields(fields),
                           p, err, errlen);
}

bool
sv_job_retention_validate(yajl_val payload, char *err, size_t errlen)
{
    struct retention_payload p;

    return parse_payload(payload, &p, err, errlen);
}

/* What the run did, for the summary and the event. */
struct tally {
    long long  *ids;
    size_t      nids;
    long long   bytes;
    unsigned    files;
    char        first_error[1024];
};

static bool
exec_simple(PGconn *pg, const char *sql, char *err, size_t errlen)
{
    PGresult *res = sv_pg_query(pg, sql, 0, NULL, err, errlen);

    PQclear(res);
    return res != NULL;
}

static void
rollback(PGconn *pg)
{
    char err[256];

    if (!exec_simple(pg, "ROLLBACK", err, sizeof(err))) {
        sv_log(SV_LOG_WARN, "retention: cannot roll back",
               SV_STR("error", err));
    }
}

/* Removes one path of recording id; false when the file system refused
 * (the recording then stays, for a later run). */
static bool
remove_path(long long id, const char *rel, bool tree, unsigned *files,
            struct tally *t)
{
    char                    why[512];
    enum sv_library_removed r = sv_library_remove(rel, tree, files, why,
                                                  sizeof(why));

    if (r == SV_LIBRARY_REFUSED) {
        /* not ours to delete: the row goes, whatever it named stays */
        sv_log(SV_LOG_WARN, "retention leaves a path alone",
               SV_INT("id", id), SV_STR("path", rel), SV_STR("reason", why));
    } else if (r == SV_LIBRARY_FAILED) {
        sv_log(SV_LOG_WARN, "retention cannot delete a file",
               SV_INT("id", id), SV_STR("path", rel), SV_STR("error", why));
        if (t->first_error[0] == '\0') {
            snprintf(t->first_error, sizeof(t->first_error),
                     "recording %lld: %s: %s", id, rel, why);
        }
        return false;
    }
    return true;
}

/* One recording of the plan: its files (unless dry_run), then the tally. */
static void
purge(yajl_val item, bool dry_run, struct tally *t)
{
    const char *path[] = { "paths", NULL };
    yajl_val    paths = yajl_tree_get(item, path, yajl_t_array);
    const char *raw_dir = sv_tree_string(item, "raw_dir");
    long long   id = sv_tree_integer(item, "id", 0);
    unsigned    files = 0;
    bool        ok = true;

    for (size_t i = 0; paths != NULL && i < paths->u.array.len; i++) {
        const char *rel = YAJL_GET_STRING(paths->u.array.values[i]);

        if (rel == NULL) {
            continue;
        }
        if (dry_run) {
            files++;
        } else {
            ok = remove_path(id, rel, false, &files, t) && ok;
        }
    }
    if (raw_dir != NULL && !dry_run) {
        ok = remove_path(id, raw_dir, true, &files, t) && ok;
    }
    if (!ok) {
        return;
    }
    t->ids[t->nids++] = id;
    t->bytes += sv_tree_integer(item, "bytes", 0);
    t->files += files;
    sv_log(SV_LOG_INFO, dry_run ? "retention would delete a recording"
                                : "retention deletes a recording",
           SV_INT("id", id), SV_STR("why", sv_tree_string(item, "why")),
           SV_INT("bytes", sv_tree_integer(item, "bytes", 0)),
           SV_INT("files", files));
}

/* The plan as parsed JSON, NULL with the reason. */
static yajl_val
plan(PGconn *pg, bool dry_run, char *err, size_t errlen)
{
    const char *params[] = { dry_run ? "true" : "false" };
    char        why[256];
    yajl_val    tree;
    PGresult   *res = sv_pg_query(pg,
                                  "SELECT library.retention_plan($1::boolean)",
                                  1, params, err, errlen);

    if (res == NULL) {
        return NULL;
    }
    tree = PQntuples(res) == 1
           ? yajl_tree_parse(PQgetvalue(res, 0, 0), why, sizeof(why)) : NULL;
    PQclear(res);
    if (!YAJL_IS_ARRAY(tree)) {
        snprintf(err, errlen, "retention_plan did not answer a list");
        yajl_tree_free(tree);
        return NULL;
    }
    return tree;
}

/* Deletes the rows of t->ids; t->ids becomes what was deleted. */
static bool
delete_rows(PGconn *pg, struct tally *t, char *err, size_t errlen)
{
    char       *list = malloc(t->nids * 24 + 3);
    size_t      n = 0;
    PGresult   *res;

    if (list == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    list[n++] = '{';
    for (size_t i = 0; i < t->nids; i++) {
        n += (size_t) sprintf(list + n, "%s%lld", i > 0 ? "," : "",
                              t->ids[i]);
    }
    list[n++] = '}';
    list[n] = '\0';

    const char *params[] = { list };

    res = sv_pg_query(pg, "SELECT unnest(library.retention_done("
                      "$1::bigint[]))", 1, params, err, errlen);
    free(list);
    if (res == NULL) {
        return false;
    }
    t->nids = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        t->ids[t->nids++] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    }
    PQclear(res);
    return true;
}

static void
publish(redisContext *redis, const struct tally *t, bool dry_run)
{
    size_t         cap = 128 + t->nids * 24;
    char          *storage = malloc(cap), num[24];
    const char    *end = dry_run ? ",\"dry_run\":true}"
                                 : ",\"dry_run\":false}";
    struct sv_jbuf b;

    if (storage == NULL) {
        return;
    }
    sv_jbuf_init(&b, storage, cap);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "type", "retention");
    sv_jbuf_raw(&b, ",\"deleted\":[", 12);
    for (size_t i = 0; i < t->nids; i++) {
        int n = snprintf(num, sizeof(num), "%s%lld", i > 0 ? "," : "",
                         t->ids[i]);

        sv_jbuf_raw(&b, num, (size_t) n);
    }
    sv_jbuf_raw(&b, "]", 1);
    sv_jbuf_member_int(&b, "bytes", t->bytes);
    sv_jbuf_member_int(&b, "files", t->files);
    sv_jbuf_raw(&b, end, strlen(end));
    sv_event_publish(redis, &b);
    free(storage);
}

int
sv_job_retention_run(yajl_val payload, const struct sv_job_run *run,
                     char *err, size_t errlen)
{
    struct retention_payload p;
    struct tally             t = { .ids = NULL };
    yajl_val                 items;
    bool                     stopped = false;
    size_t                   n;

    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    if (run->pg == NULL || run->queue == NULL) {
        snprintf(err, errlen, "retention needs the worker's connections");
        return -1;
    }
    if (!p.dry_run && !exec_simple(run->pg, "BEGIN", err, errlen)) {
        return -1;
    }
    items = plan(run->pg, p.dry_run, err, errlen);
    n = items != NULL ? items->u.array.len : 0;
    t.ids = items != NULL ? calloc(n + 1, sizeof(*t.ids)) : NULL;
    if (t.ids == NULL) {
        if (items != NULL) {
            snprintf(err, errlen, "out of memory");
        }
        yajl_tree_free(items);
        if (!p.dry_run) {
            rollback(run->pg);
        }
        return -1;
    }

    for (size_t i = 0; i < n; i++) {
        if (!run->keep_alive(run->ctx)) {
            stopped = true;     /* what is done so far is still recorded */
            break;
        }
        purge(items->u.array.values[i], p.dry_run, &t);
        run->progress(run->ctx, (unsigned) ((i + 1) * 100 / n));
    }
    yajl_tree_free(items);

    if (!p.dry_run) {
        if (!delete_rows(run->pg, &t, err, errlen)) {
            rollback(run->pg);
            free(t.ids);
            return -1;
        }
        if (!exec_simple(run->pg, "COMMIT", err, errlen)) {
            free(t.ids);
            return -1;
        }
    }

    sv_log(SV_LOG_INFO, p.dry_run ? "retention dry run" : "retention done",
           SV_STR("job", run->id), SV_INT("deleted", (long long) t.nids),
           SV_INT("bytes", t.bytes), SV_INT("files", t.files));
    publish(run->queue->redis, &t, p.dry_run);
    free(t.ids);

    if (stopped) {
        snprintf(err, errlen, "interrupted");
        return -1;
    }
    if (t.first_error[0] != '\0') {
        snprintf(err, errlen, "%s", t.first_error);
        return -1;
    }
    return 0;
}
