/*
 * The Helix endpoints the worker uses, on top of helix_client.h: users by
 * login, streams and channels by id, and EventSub subscriptions (list all,
 * create a webhook one, delete). Ids and logins that are not Twitch's
 * alphabet are left out of the query. Each: 0, or -1 with the reason.
 */

#ifndef SV_HELIX_API_H
#define SV_HELIX_API_H

#include <stddef.h>

#include "helix_client.h"
#include "helix_parse.h"

/* The most subscriptions listed (Twitch's cost limit allows 10000). */
#define SV_HELIX_SUBS_MAX  10000

/* Up to SV_HELIX_PAGE_MAX logins into out (room for as many). */
int sv_helix_users(struct sv_helix_client *c, const char *const *logins,
                   size_t n, struct sv_helix_user *out, size_t *got,
                   char *err, size_t errlen);

/* The live streams of up to SV_HELIX_PAGE_MAX user ids (every page). */
int sv_helix_streams(struct sv_helix_client *c, const char *const *ids,
                     size_t n, struct sv_helix_stream *out, size_t *got,
                     char *err, size_t errlen);

/* Up to SV_HELIX_PAGE_MAX broadcaster ids. */
int sv_helix_channels(struct sv_helix_client *c, const char *const *ids,
                      size_t n, struct sv_helix_channel *out, size_t *got,
                      char *err, size_t errlen);

/* Every subscription of the app, up to max. */
int sv_helix_subs_list(struct sv_helix_client *c, struct sv_helix_sub *out,
                       size_t max, size_t *got, char *err, size_t errlen);

/* A webhook subscription; *created is Twitch's answer (its status is
 * webhook_callback_verification_pending). 409 (it exists) is an error. */
int sv_helix_sub_create(struct sv_helix_client *c, const char *type,
                        const char *version, const char *broadcaster_id,
                        const char *callback, const char *secret,
                        struct sv_helix_sub *created, char *err,
                        size_t errlen);

/* 404 (gone already) counts as done. */
int sv_helix_sub_delete(struct sv_helix_client *c, const char *id,
                        char *err, size_t errlen);

#endif /* SV_HELIX_API_H */
