/*
 * Live streams from Helix (see twitch_service.h): in polling mode the way
 * recordings start and stop, with EventSub the check that catches missed
 * events; and the title/category of streams that started without them.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_tree.h"
#include "log.h"
#include "twitch_service_int.h"

/* NULL for "": the SQL functions take a missing category as NULL. */
static const char *
or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

static void
online(struct sv_twitch *t, PGconn *pg, const struct sv_helix_stream *s)
{
    const char  *params[6] = { s->user_id, s->id, s->started_at, s->title,
                               or_null(s->game_id), or_null(s->game_name) };
    char         err[512];
    yajl_val     r;

    r = sv_twitch_db_json(pg, "SELECT twitch.stream_online($1, $2, $3, $4, "
                          "$5, $6)", 6, params, err, sizeof(err));
    if (r == NULL) {
        sv_twitch_failed(t, "cannot record a live stream", err);
        return;
    }
    if (sv_tree_member(r, "new_stream", yajl_t_true) != NULL) {
        sv_log(SV_LOG_INFO, "a stream went live (polled)",
               SV_STR("broadcaster_id", s->user_id),
               SV_STR("twitch_stream_id", s->id),
               SV_INT("recording_id", sv_tree_integer(r, "recording_id",
                                                      0)));
    }
    yajl_tree_free(r);
}

static void
offline(struct sv_twitch *t, PGconn *pg, const char *broadcaster_id)
{
    struct timespec  wall = sv_realtime_now();
    char             at[SV_ISO8601_SIZE], err[512];
    const char      *params[2] = { broadcaster_id, at };

    sv_format_iso8601(&wall, at);
    if (!sv_twitch_db_exec(pg, "SELECT twitch.stream_offline($1, $2)", 2,
                           params, err, sizeof(err))) {
        sv_twitch_failed(t, "cannot record an ended stream", err);
        return;
    }
    sv_log(SV_LOG_INFO, "a stream ended (polled)",
           SV_STR("broadcaster_id", broadcaster_id));
}

/* One batch of targets [from, to) of the poll_targets list. */
static int
poll_batch(struct sv_twitch *t, PGconn *pg, yajl_val targets, size_t from,
           size_t to, struct sv_helix_stream *streams)
{
    const char  *ids[SV_HELIX_PAGE_MAX];
    bool         live[SV_HELIX_PAGE_MAX];
    size_t       n = 0, got;
    char         err[512];

    for (size_t i = from; i < to; i++) {
        yajl_val     v = YAJL_GET_ARRAY(targets)->values[i];
        const char  *id = sv_tree_string(v, "broadcaster_id");

        if (id != NULL) {
            live[n] = sv_tree_member(v, "live", yajl_t_true) != NULL;
            ids[n++] = id;
        }
    }
    if (sv_helix_streams(&t->helix, ids, n, streams, &got, err,
                         sizeof(err)) != 0) {
        sv_twitch_failed(t, "cannot poll Twitch's live streams", err);
        return -1;
    }
    for (size_t i = 0; i < got; i++) {
        if (strcmp(streams[i].type, "live") == 0) {
            online(t, pg, &streams[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool listed = false;

        for (size_t j = 0; j < got && !listed; j++) {
            listed = strcmp(streams[j].user_id, ids[i]) == 0
                     && strcmp(streams[j].type, "live") == 0;
        }
        if (live[i] && !listed) {
            offline(t, pg, ids[i]);
        }
    }
    return 0;
}

int
sv_twitch_poll(struct sv_twitch *t, PGconn *pg)
{
    struct sv_helix_stream  *streams;
    struct timespec          wall;
    yajl_val                 targets;
    char                     err[512];
    size_t                   count;
    int                      rc = 0;

    targets = sv_twitch_db_json(pg, "SELECT twitch.poll_targets()", 0, NULL,
                                err, sizeof(err));
    if (targets == NULL || !YAJL_IS_ARRAY(targets)) {
        sv_twitch_failed(t, "cannot list the streamers to poll",
                         targets == NULL ? err : "not a list");
        yajl_tree_free(targets);
        return -1;
    }
    count = YAJL_GET_ARRAY(targets)->len;
    streams = calloc(SV_HELIX_PAGE_MAX, sizeof(*streams));
    for (size_t i = 0; streams != NULL && rc == 0 && i < count;
         i += SV_HELIX_PAGE_MAX) {
        rc = poll_batch(t, pg, targets, i, count - i > SV_HELIX_PAGE_MAX
                        ? i + SV_HELIX_PAGE_MAX : count, streams);
    }
    if (streams == NULL) {
        rc = -1;
    }
    if (rc == 0) {
        wall = sv_realtime_now();
        sv_format_iso8601(&wall, t->last_poll_at);
    }
    free(streams);
    yajl_tree_free(targets);
    return rc;
}

void
sv_twitch_fill_info(struct sv_twitch *t, PGconn *pg)
{
    const char               *ids[SV_HELIX_PAGE_MAX];
    struct sv_helix_channel  *channels;
    yajl_val                  rows;
    size_t                    n, got;
    char                      err[512];

    rows = sv_twitch_db_list(t, pg, "SELECT twitch.streams_without_info(100)",
                             "broadcaster_id", "cannot list the streams "
                             "without a title", ids, &n);
    if (rows == NULL) {
        return;
    }
    channels = n > 0 ? calloc(SV_HELIX_PAGE_MAX, sizeof(*channels)) : NULL;
    if (channels == NULL
        || sv_helix_channels(&t->helix, ids, n, channels, &got, err,
                             sizeof(err)) != 0) {
        if (n > 0) {
            sv_twitch_failed(t, "cannot read channels on Twitch",
                             channels == NULL ? "out of memory" : err);
        }
        free(channels);
        yajl_tree_free(rows);
        return;
    }
    for (size_t i = 0; i < YAJL_GET_ARRAY(rows)->len; i++) {
        yajl_val     row = YAJL_GET_ARRAY(rows)->values[i];
        const char  *id = sv_tree_string(row, "broadcaster_id");
        char         stream_id[24];

        snprintf(stream_id, sizeof(stream_id), "%lld",
                 sv_tree_integer(row, "stream_id", 0));
        for (size_t j = 0; id != NULL && j < got; j++) {
            const struct sv_helix_channel  *c = &channels[j];
            const char                     *params[4] = {
                stream_id, c->title, or_null(c->game_id),
                or_null(c->game_name)
            };

            if (strcmp(c->broadcaster_id, id) == 0
                && !sv_twitch_db_exec(pg, "SELECT twitch.stream_info($1, $2,"
                                      " $3, $4)", 4, params, err,
                                      sizeof(err))) {
                sv_twitch_failed(t, "cannot record a stream's title", err);
            }
        }
    }
    free(channels);
    yajl_tree_free(rows);
}
