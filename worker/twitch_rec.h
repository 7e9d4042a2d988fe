/*
 * A recording's Twitch stage (see hls_recorder.h, struct sv_hls_twitch):
 * the GQL token, then the usher playlist, then the variant's URL becomes
 * the recording's playlist; again whenever that playlist fails or ends
 * (r->resolving). Its transfers are the recording's playlist transfer
 * (r->pl), on the engine's multi handle; failures retry like the
 * playlist's, from a fresh token.
 */

#ifndef SV_TWITCH_REC_H
#define SV_TWITCH_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hls_recorder_int.h"

/* NULL with the reason when tw is refused (the login, a URL). */
struct sv_twitch_rec *sv_twitch_rec_new(const struct sv_hls_twitch *tw,
                                        char *err, size_t errlen);
void sv_twitch_rec_free(struct sv_twitch_rec *t);

/* Starts the request due (r->resolving): the transfer, NULL when it
 * cannot start. */
struct sv_hls_xfer *sv_twitch_rec_start(struct sv_hls_rec *r);

/* r->pl, a Twitch request, finished with rc. */
void sv_twitch_rec_done(struct sv_hls_rec *r, CURLcode rc, int64_t now);

#endif /* SV_TWITCH_REC_H */
