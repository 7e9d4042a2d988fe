/*
 * Streamers added by login get their Twitch id, names, description and
 * images from Helix (see twitch_service.h).
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

static bool
resolved(struct sv_twitch *t, PGconn *pg, const char *login,
         const struct sv_helix_user *u)
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
    ok = sv_twitch_db_exec(pg, "SELECT twitch.streamer_resolved($1, $2)", 2,
                           params, err, sizeof(err));
    yajl_gen_free(g);
    if (!ok) {
        sv_twitch_failed(t, "cannot record a resolved streamer", err);
    }
    return ok;
}

void
sv_twitch_resolve(struct sv_twitch *t, PGconn *pg)
{
    const char            *logins[SV_HELIX_PAGE_MAX];
    struct sv_helix_user  *users;
    yajl_val               list;
    size_t                 n, got;
    char                   err[512];

    list = sv_twitch_db_list(t, pg, "SELECT twitch.streamers_to_resolve(100)",
                             NULL, "cannot list the streamers to resolve",
                             logins, &n);
    if (list == NULL) {
        return;
    }
    users = n > 0 ? calloc(SV_HELIX_PAGE_MAX, sizeof(*users)) : NULL;
    if (users == NULL
        || sv_helix_users(&t->helix, logins, n, users, &got, err,
                          sizeof(err)) != 0) {
        if (n > 0) {
            sv_twitch_failed(t, "cannot look up streamers on Twitch",
                             users == NULL ? "out of memory" : err);
        }
        free(users);
        yajl_tree_free(list);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sv_helix_user  *u = NULL;
        const char                  *params[2] = { logins[i],
                                                   "no Twitch user" };

        for (size_t j = 0; j < got && u == NULL; j++) {
            u = strcasecmp(users[j].login, logins[i]) == 0 ? &users[j]
                                                           : NULL;
        }
        if (u != NULL) {
            resolved(t, pg, logins[i], u);
        } else if (!sv_twitch_db_exec(pg, "SELECT twitch.streamer_unresolved"
                                      "($1, $2)", 2, params, err,
                                      sizeof(err))) {
            sv_twitch_failed(t, "cannot record an unknown streamer", err);
        }
    }
    free(users);
    yajl_tree_free(list);
}
