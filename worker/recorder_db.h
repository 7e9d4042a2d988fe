/*
 * The recorder's side of PostgreSQL (sql/006_recorder.sql, schema
 * "recorder"): claiming a recording, progress reports, the end of a
 * recording or of a part, resuming and ghosts. Each call is one statement;
 * a failure leaves the row as it was and says why in err.
 */

#ifndef SV_RECORDER_DB_H
#define SV_RECORDER_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* What the worker needs to record a claimed recording. */
struct sv_rec_claim {
    long long   id;
    char        raw_dir[256];           /* relative to the media root */
    char        twitch_login[65];       /* "": not a Twitch channel */
    char        quality[33];
    char        proxy[2049];
    char        source_url[2049];       /* "" for Twitch */
    double      duration_left_s;        /* -1: no limit */
    long long   bytes, media_ms;        /* recorded before (a resume) */
    long long   rollover_s;             /* the setting; 0: the worker's */
    bool        resume;
    bool        chat;                   /* archive the channel's chat */
    long long   started_at_ms;          /* wall clock, the chat's zero */
    char        user_token[2048];       /* Twitch: the setting
                                         * twitch.user_token, sealed; "":
                                         * none */
};

/* The end of a recording, as the recorder saw it. */
struct sv_rec_end {
    long long   id;
    const char *why;                    /* ended, duration, stopped, ... */
    const char *error;                  /* NULL: none */
    long long   bytes, media_ms;        /* in all */
};

/* recorder.create: a new pending recording of streamer (a login, looked up)
 * or of source_url; *already when that streamer is recorded now. */
bool sv_recdb_create(PGconn *pg, const char *streamer, const char *source_url,
                     long long duration_s, const char *title, long long *id,
                     bool *already, char *err, size_t errlen);

/* recorder.claim (and for Twitch the sealed user token); *got false when there is nothing to record (it is over,
 * or another live worker records it). */
bool sv_recdb_claim(PGconn *pg, long long id, const char *worker_id,
                    unsigned stale_s, struct sv_rec_claim *c, bool *got,
                    char *err, size_t errlen);

/* recorder.resumable: the ids (at most max) into ids, their count in *n. */
bool sv_recdb_resumable(PGconn *pg, const char *worker_id, long long *ids,
                        size_t max, size_t *n, char *err, size_t errlen);

/* recorder.progress with report, a JSON array; the ids to stop (at most
 * max) into stop, their count in *n. */
bool sv_recdb_progress(PGconn *pg, const char *worker_id, const char *report,
                       long long *stop, size_t max, size_t *n, char *err,
                       size_t errlen);

/* recorder.finish; outcome ("processing", "failed", "gone") into outcome. */
bool sv_recdb_finish(PGconn *pg, const char *worker_id,
                     const struct sv_rec_end *end, char *outcome,
                     size_t outcome_len, char *err, size_t errlen);

/* recorder.rollover; *next 0 when no part follows. */
bool sv_recdb_rollover(PGconn *pg, const char *worker_id,
                       const struct sv_rec_end *end, long long *next,
                       char *err, size_t errlen);

/* recorder.finalize_ghosts; how many were finalized in *n. */
bool sv_recdb_finalize_ghosts(PGconn *pg, unsigned stale_s, size_t *n,
                              char *err, size_t errlen);

#endif /* SV_RECORDER_DB_H */
