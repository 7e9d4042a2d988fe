/*
 * Logins looked up on Helix (see twitch_service.h): streamers added by
 * login get their Twitch id, names, description and images; logins the UI
 * asks about before adding them get an answer it shows.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json_gen.h"
#include "twitch_service_int.h"

/* An empty string is no value. */
static void
gen_nonempty(yajl_gen g, const char *key, const char *value)
{
    sv_gen_str(g, key, value[0] != '\0' ? value : NULL);
}

/* What is done with logins looked up on Helix: where they come from, and
 * the SQL that records a user found ($1 login, $2 user) or missing ($1). */
struct login_work {
    const char  *list_sql;
    const char  *found_sql;
    const char  *missing_sql;
    const char  *what;              /* for the status, on failure */
};

static const struct login_work resolve_work = {
    "SELECT twitch.streamers_to_resolve(100)",
    "SELECT twitch.streamer_resolved($1, $2)",
    "SELECT twitch.streamer_unresolved($1, 'no Twitch user')",
    "streamers to resolve"
};

static const struct login_work lookup_work = {
    "SELECT twitch.lookups_to_do(100)",
    "SELECT twitch.lookup_done($1, $2)",
    "SELECT twitch.lookup_done($1, NULL)",
    "lookups"
};

static bool
found(struct sv_twitch *t, PGconn *pg, const struct login_work *w,
      const char *login, const struct sv_helix_user *u)
{
    yajl_gen     g = yajl_gen_alloc(NULL);
    const char  *params[2] = { login, NULL };
    char         err[512];
    bool         ok;

    if (g == NULL) {
        return false;
    }
    yajl_gen_map_open(g);
    sv_gen_str(g, "id", u->id);
    sv_gen_str(g, "login", u->login);
    gen_nonempty(g, "display_name", u->display_name);
    gen_nonempty(g, "description", u->description);
    gen_nonempty(g, "profile_image_url", u->profile_image_url);
    gen_nonempty(g, "offline_image_url", u->offline_image_url);
    yajl_gen_map_close(g);
    params[1] = sv_twitch_gen_text(g);
    ok = sv_twitch_db_exec(pg, w->found_sql, 2, params, err, sizeof(err));
    yajl_gen_free(g);
    if (!ok) {
        sv_twitch_failed(t, "cannot record a Twitch user looked up", err);
    }
    return ok;
}

/* One page of logins of w looked up, each recorded found or missing. */
static void
look_up(struct sv_twitch *t, PGconn *pg, const struct login_work *w)
{
    const char            *logins[SV_HELIX_PAGE_MAX];
    struct sv_helix_user  *users;
    yajl_val               list;
    size_t                 n, got;
    char                   err[512], what[64];

    snprintf(what, sizeof(what), "cannot list the %s", w->what);
    list = sv_twitch_db_list(t, pg, w->list_sql, NULL, what, logins, &n);
    if (list == NULL) {
        return;
    }
    users = n > 0 ? calloc(SV_HELIX_PAGE_MAX, sizeof(*users)) : NULL;
    if (users == NULL
        || sv_helix_users(&t->helix, logins, n, users, &got, err,
                          sizeof(err)) != 0) {
        if (n > 0) {
            sv_twitch_failed(t, "cannot look up logins on Twitch",
                             users == NULL ? "out of memory" : err);
        }
        free(users);
        yajl_tree_free(list);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sv_helix_user  *u = NULL;
        const char                  *params[1] = { logins[i] };

        for (size_t j = 0; j < got && u == NULL; j++) {
            u = strcasecmp(users[j].login, logins[i]) == 0 ? &users[j]
                                                           : NULL;
        }
        if (u != NULL) {
            found(t, pg, w, logins[i], u);
        } else if (!sv_twitch_db_exec(pg, w->missing_sql, 1, params, err,
                                      sizeof(err))) {
            sv_twitch_failed(t, "cannot record a login Twitch does not know",
                             err);
        }
    }
    free(users);
    yajl_tree_free(list);
}

void
sv_twitch_resolve(struct sv_twitch *t, PGconn *pg)
{
    look_up(t, pg, &resolve_work);
}

void
sv_twitch_lookups(struct sv_twitch *t, PGconn *pg)
{
    look_up(t, pg, &lookup_work);
}
