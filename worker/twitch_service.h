/*
 * The worker's Twitch service: the Helix side of the Twitch integration,
 * run by the daemon every pass (cheap when nothing is due) and only in the
 * worker holding a PostgreSQL advisory lock on its connection (one leader
 * per installation; the others retry every 30 s).
 *
 * Every 5 s it reads twitch.config() (sql/008_twitch.sql) and picks its
 * mode: no client id/secret -> "off"; public_base_url set -> "eventsub"
 * (subscriptions reconciled towards public_base_url + "/eventsub", and a
 * check poll every twitch_check_seconds); else "polling" (the streams every
 * twitch_poll_seconds). Secrets kept in PostgreSQL are sealed
 * (lib/sv_secretbox.h) under a key derived from secret_file; the EventSub
 * secret is generated here when there is none, and never logged.
 *
 * Work per pass, each when due and bounded: resolve streamers added by
 * login and answer the logins the web UI looks up (every second; both
 * twitch_resolve.c), reconcile the EventSub subscriptions
 * (twitch_reconcile.c), poll the streams and fill the title/category of
 * streams without them (twitch_poll.c), publish the status (twitch.status_put)
 * when it changed and every 30 s.
 */

#ifndef SV_TWITCH_SERVICE_H
#define SV_TWITCH_SERVICE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct sv_twitch;

/* cfg is the running configuration (reloads apply). NULL with the reason
 * when the HTTP side cannot start. */
struct sv_twitch *sv_twitch_new(const struct sv_config *cfg, char *err,
                                size_t errlen);

void sv_twitch_free(struct sv_twitch *t);

/* What goes on while Twitch is waited for (helix_http.h). */
void sv_twitch_set_idle(struct sv_twitch *t, void (*fn)(void *ctx),
                        void *ctx);

/* A new PostgreSQL connection: the lock is to be taken again. */
void sv_twitch_pg_connected(struct sv_twitch *t);

/* The configuration was reloaded: read secret_file again. */
void sv_twitch_reload(struct sv_twitch *t);

/* One pass; pg must be idle. */
void sv_twitch_service(struct sv_twitch *t, PGconn *pg);

/* When the next pass has something to do (monotonic ms). */
int64_t sv_twitch_next_ms(const struct sv_twitch *t);

#endif /* SV_TWITCH_SERVICE_H */
