/*
 * What the parts of the Twitch service share (twitch_service.h): its state
 * and the calls of the twitch.* SQL functions.
 */

#ifndef SV_TWITCH_SERVICE_INT_H
#define SV_TWITCH_SERVICE_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "clock.h"
#include "config.h"
#include "helix_api.h"
#include "sv_secretbox.h"

enum sv_twitch_mode {
    SV_TWITCH_OFF,
    SV_TWITCH_POLLING,
    SV_TWITCH_EVENTSUB
};

struct sv_twitch {
    const struct sv_config   *cfg;
    struct sv_helix_client    helix;

    unsigned char             key[SV_SECRETBOX_KEY_LEN];
    bool                      have_key;
    char                      key_error[PATH_MAX + 128];

    bool                      leader;
    int64_t                   next_lock_ms;
    int64_t                   next_config_ms;

    enum sv_twitch_mode       mode;
    char                      reason[160];
    char                      public_base_url[1024];
    char                      eventsub_secret[128];     /* plain */
    long long                 reconcile_seq, resubscribe_seq;
    long long                 done_reconcile_seq, done_resubscribe_seq;
    bool                      took_over;    /* the handled seqs were read */
    bool                      reconciled;   /* since this worker leads */

    int64_t                   next_reconcile_ms;    /* hourly */
    int64_t                   reconcile_retry_ms;   /* after a failure */
    bool                      created;      /* subscriptions, this pass */
    bool                      follow_up;    /* the next one checks them */
    int64_t                   next_poll_ms;
    int64_t                   next_lookup_ms;       /* every second */

    char                      last_poll_at[SV_ISO8601_SIZE];
    char                      last_reconcile_at[SV_ISO8601_SIZE];
    char                      last_status[8192];
    int64_t                   next_status_ms;
};

/* SELECT fn(params...): the jsonb answer parsed (the caller frees it), or
 * NULL with the reason in err (a failed call, or a NULL or bad answer). */
yajl_val sv_twitch_db_json(PGconn *pg, const char *sql, int n,
                           const char *const *params, char *err,
                           size_t errlen);

/* SELECT of a jsonb list: its tree (the caller frees it), and into out
 * (room for SV_HELIX_PAGE_MAX) the strings it lists, or with key the
 * string members key of the objects it lists. NULL after recording the
 * failure as what. */
yajl_val sv_twitch_db_list(struct sv_twitch *t, PGconn *pg, const char *sql,
                           const char *key, const char *what,
                           const char **out, size_t *n);

/* A call without an answer worth reading; false with the reason. */
bool sv_twitch_db_exec(PGconn *pg, const char *sql, int n,
                       const char *const *params, char *err,
                       size_t errlen);

/* The generator's text as a C string (valid until the generator is freed
 * or cleared). */
const char *sv_twitch_gen_text(yajl_gen g);

/* Records a failure of Twitch or the database in the status. */
void sv_twitch_failed(struct sv_twitch *t, const char *what,
                      const char *err);

/* The parts: each one step, bounded. */
void sv_twitch_resolve(struct sv_twitch *t, PGconn *pg);
void sv_twitch_lookups(struct sv_twitch *t, PGconn *pg);
int sv_twitch_reconcile(struct sv_twitch *t, PGconn *pg);
int sv_twitch_poll(struct sv_twitch *t, PGconn *pg);
void sv_twitch_fill_info(struct sv_twitch *t, PGconn *pg);

#endif /* SV_TWITCH_SERVICE_INT_H */
