/*
 * The EventSub subscriptions made to match what is wanted (see
 * twitch_service.h): Helix's list mirrored into PostgreSQL, then deleted
 * what is not wanted, points at another callback or failed (all of them
 * on a resubscribe), and created what is wanted and missing. A pass does
 * at most ACTIONS_MAX of those (a resubscribe's deletions aside); the rest
 * is left for the next pass.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_gen.h"
#include "json_tree.h"
#include "log.h"
#include "twitch_service_int.h"

#define ACTIONS_MAX  50
/* The subscriptions listed at most: three for each of 1000 streamers. */
#define SUBS_MAX     3000

/* Statuses after which Twitch sends nothing more on a subscription. */
static const char *const failed_statuses[] = {
    "webhook_callback_verification_failed", "notification_failures_exceeded",
    "authorization_revoked", "moderator_removed", "user_removed",
    "version_removed",
};

struct wanted {
    const char  *type, *version, *broadcaster_id;
    bool         present;
};

static void
gen_sub(yajl_gen g, const struct sv_helix_sub *s)
{
    yajl_gen_map_open(g);
    sv_gen_str(g, "id", s->id);
    sv_gen_str(g, "status", s->status);
    sv_gen_str(g, "type", s->type);
    sv_gen_str(g, "version", s->version);
    sv_gen_key(g, "condition");
    yajl_gen_map_open(g);
    sv_gen_str(g, "broadcaster_user_id", s->broadcaster_user_id);
    yajl_gen_map_close(g);
    sv_gen_key(g, "transport");
    yajl_gen_map_open(g);
    sv_gen_str(g, "method", "webhook");
    sv_gen_str(g, "callback", s->callback);
    yajl_gen_map_close(g);
    sv_gen_str(g, "created_at", s->created_at[0] ? s->created_at : NULL);
    yajl_gen_map_close(g);
}

/* twitch.subscriptions_sync or subscription_put with subs as JSON. */
static bool
store(struct sv_twitch *t, PGconn *pg, const struct sv_helix_sub *subs,
      size_t n, bool one)
{
    yajl_gen     g = yajl_gen_alloc(NULL);
    const char  *text;
    char         err[512];
    bool         ok;

    if (g == NULL) {
        return false;
    }
    if (!one) {
        yajl_gen_array_open(g);
    }
    for (size_t i = 0; i < n; i++) {
        gen_sub(g, &subs[i]);
    }
    if (!one) {
        yajl_gen_array_close(g);
    }
    text = sv_twitch_gen_text(g);
    ok = sv_twitch_db_exec(pg, one ? "SELECT twitch.subscription_put($1)"
                           : "SELECT twitch.subscriptions_sync($1)", 1,
                           &text, err, sizeof(err));
    yajl_gen_free(g);
    if (!ok) {
        sv_twitch_failed(t, "cannot record the EventSub subscriptions", err);
    }
    return ok;
}

static bool
failed_status(const char *status)
{
    for (size_t i = 0; i < sizeof(failed_statuses) / sizeof(*failed_statuses);
         i++) {
        if (strcmp(status, failed_statuses[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The wanted entry sub covers that is not yet covered, or NULL. */
static struct wanted *
match(struct wanted *w, size_t n, const struct sv_helix_sub *sub)
{
    for (size_t i = 0; i < n; i++) {
        if (!w[i].present && strcmp(w[i].type, sub->type) == 0
            && strcmp(w[i].version, sub->version) == 0
            && strcmp(w[i].broadcaster_id, sub->broadcaster_user_id) == 0) {
            return &w[i];
        }
    }
    return NULL;
}

/* The wanted list in polling mode is empty: only orphans are deleted. */
static struct wanted *
read_wanted(struct sv_twitch *t, PGconn *pg, yajl_val *tree, size_t *n)
{
    struct wanted  *w;
    char            err[512];
    size_t          len;

    *n = 0;
    *tree = NULL;
    if (t->mode == SV_TWITCH_EVENTSUB) {
        *tree = sv_twitch_db_json(pg, "SELECT twitch.wanted_subscriptions()",
                                  0, NULL, err, sizeof(err));
        if (*tree == NULL || !YAJL_IS_ARRAY(*tree)) {
            sv_twitch_failed(t, "cannot list the wanted subscriptions",
                             *tree == NULL ? err : "not a list");
            return NULL;
        }
    }
    len = *tree != NULL ? YAJL_GET_ARRAY(*tree)->len : 0;
    w = calloc(len + 1, sizeof(*w));
    for (size_t i = 0; w != NULL && i < len; i++) {
        yajl_val v = YAJL_GET_ARRAY(*tree)->values[i];

        w[*n].type = sv_tree_string(v, "type");
        w[*n].version = sv_tree_string(v, "version");
        w[*n].broadcaster_id = sv_tree_string(v, "broadcaster_user_id");
        if (w[*n].type != NULL && w[*n].version != NULL
            && w[*n].broadcaster_id != NULL) {
            (*n)++;
        }
    }
    return w;
}

/* Deletes what is to go; false if a call failed. */
static bool
delete_unwanted(struct sv_twitch *t, PGconn *pg, struct sv_helix_sub *subs,
                size_t n, struct wanted *w, size_t nw, const char *callback,
                bool resubscribe, unsigned *actions)
{
    char err[512];

    for (size_t i = 0; i < n; i++) {
        const char      *id = subs[i].id;
        struct wanted   *m = NULL;

        if (!resubscribe && strcmp(subs[i].callback, callback) == 0
            && !failed_status(subs[i].status)) {
            m = match(w, nw, &subs[i]);
        }
        if (m != NULL) {
            m->present = true;
            continue;
        }
        /* A resubscribe deletes every old one in the same pass. */
        if (!resubscribe && ++*actions > ACTIONS_MAX) {
            continue;
        }
        if (sv_helix_sub_delete(&t->helix, id, err, sizeof(err)) != 0) {
            sv_twitch_failed(t, "cannot delete an EventSub subscription",
                             err);
            return false;
        }
        sv_log(SV_LOG_INFO, "deleted an EventSub subscription",
               SV_STR("id", id), SV_STR("type", subs[i].type),
               SV_STR("status", subs[i].status),
               SV_STR("broadcaster_id", subs[i].broadcaster_user_id));
        if (!sv_twitch_db_exec(pg, "SELECT twitch.subscription_gone($1)", 1,
                               &id, err, sizeof(err))) {
            sv_twitch_failed(t, "cannot record a deleted subscription", err);
            return false;
        }
    }
    return true;
}

static bool
create_missing(struct sv_twitch *t, PGconn *pg, struct wanted *w, size_t nw,
               const char *callback, unsigned *actions)
{
    struct sv_helix_sub  sub;
    char                 err[512];

    for (size_t i = 0; i < nw; i++) {
        if (w[i].present || ++*actions > ACTIONS_MAX) {
            continue;
        }
        if (sv_helix_sub_create(&t->helix, w[i].type, w[i].version,
                                w[i].broadcaster_id, callback,
                                t->eventsub_secret, &sub, err,
                                sizeof(err)) != 0) {
            sv_twitch_failed(t, "cannot create an EventSub subscription",
                             err);
            return false;
        }
        t->created = true;
        sv_log(SV_LOG_INFO, "created an EventSub subscription",
               SV_STR("id", sub.id), SV_STR("type", sub.type),
               SV_STR("status", sub.status),
               SV_STR("broadcaster_id", sub.broadcaster_user_id));
        if (!store(t, pg, &sub, 1, true)) {
            return false;
        }
    }
    return true;
}

int
sv_twitch_reconcile(struct sv_twitch *t, PGconn *pg)
{
    long long             seq = t->reconcile_seq, reseq = t->resubscribe_seq;
    bool                  resubscribe = reseq != t->done_resubscribe_seq;
    struct sv_helix_sub  *subs = calloc(SUBS_MAX, sizeof(*subs));
    struct wanted        *w = NULL;
    yajl_val              wanted_tree = NULL;
    size_t                n, nw;
    unsigned              actions = 0;
    char                  callback[1100], err[512], seqs[2][24];
    const char           *params[2] = { seqs[0], seqs[1] };
    int                   rc = -1;
    size_t                base = strlen(t->public_base_url);

    if (base > 0 && t->public_base_url[base - 1] == '/') {
        base--;
    }
    snprintf(callback, sizeof(callback), "%.*s/eventsub", (int) base,
             t->public_base_url);
    if (subs == NULL) {
        return -1;
    }
    if (sv_helix_subs_list(&t->helix, subs, SUBS_MAX, &n, err,
                           sizeof(err)) != 0) {
        sv_twitch_failed(t, "cannot list the EventSub subscriptions", err);
        goto done;
    }
    if (!store(t, pg, subs, n, false)) {
        goto done;
    }
    w = read_wanted(t, pg, &wanted_tree, &nw);
    if (w == NULL
        || !delete_unwanted(t, pg, subs, n, w, nw, callback, resubscribe,
                            &actions)
        || !create_missing(t, pg, w, nw, callback, &actions)) {
        goto done;
    }
    if (actions > ACTIONS_MAX) {
        /* The rest next pass, which must not delete the new ones. */
        t->done_resubscribe_seq = reseq;
        rc = 1;
        goto done;
    }
    snprintf(seqs[0], sizeof(seqs[0]), "%lld", seq);
    snprintf(seqs[1], sizeof(seqs[1]), "%lld", reseq);
    if (!sv_twitch_db_exec(pg, "SELECT twitch.reconcile_done($1, $2)", 2,
                           params, err, sizeof(err))) {
        sv_twitch_failed(t, "cannot record the reconciliation", err);
        goto done;
    }
    t->done_reconcile_seq = seq;
    t->done_resubscribe_seq = reseq;
    rc = 0;

done:
    free(w);
    yajl_tree_free(wanted_tree);
    free(subs);
    return rc;
}
