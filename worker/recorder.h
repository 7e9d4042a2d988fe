/*
 * The worker's recordings: the HLS engine (hls_recorder.h: Twitch and HLS)
 * and the libavformat recorder (av_rec.h: RTMP, RTSP, SRT, HTTP streams,
 * Icecast) inside the daemon, with the chat archive (chat.h) of Twitch
 * recordings whose streamer wants it, and PostgreSQL keeping each
 * recording's state (sql/006_recorder.sql).
 *
 * A `record` job claims a recording and hands it to the engine; the job is
 * done at once and the recording goes on in this process. The engine moves
 * while the process waits: sv_recorder_wait is the driver of every
 * sv_wait_fd (signals.h), the daemon's idle sleep and its wait for an
 * isolated job alike. sv_recorder_service, called from the loop, does the
 * PostgreSQL side: a progress report every few seconds (bytes, media time,
 * bytes/s; the answer names the recordings to stop), the end of each
 * recording (postprocess queued, or the next part of a long one), the
 * disk-space guard, and once connected the recordings this worker was
 * running when it stopped, resumed.
 *
 * A recording ends when its stream does (after the grace period), at its
 * duration, when stopped through the API, when no new media came for
 * recording_stall_seconds, or when the disk guard stops it. At shutdown the
 * segments in flight are finished and the recordings stay 'recording', to
 * be resumed by the next start.
 */

#ifndef SV_RECORDER_H
#define SV_RECORDER_H

#include <hiredis.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct sv_recorder;

/* NULL with the reason when the engine cannot start. cfg is the running
 * configuration (reloads apply). */
struct sv_recorder *sv_recorder_new(const struct sv_config *cfg, char *err,
                                    size_t errlen);

/* Ends every transfer at once; call sv_recorder_shutdown before. */
void sv_recorder_free(struct sv_recorder *rc);

/* The sv_wait_driver (signals.h): moves the recordings while waiting up to
 * timeout_ms for fd or a signal. ctx is the recorder. */
int sv_recorder_wait(void *ctx, int fd, short events, int64_t timeout_ms);

/* The PostgreSQL side, when due; pg must be idle (not in a transaction).
 * redis may be NULL (events are then not published). */
void sv_recorder_service(struct sv_recorder *rc, PGconn *pg,
                         redisContext *redis);

/* When sv_recorder_service is next due (monotonic ms). */
int64_t sv_recorder_next_service_ms(const struct sv_recorder *rc);

/* Whether a recording may start now: false with the reason while this
 * worker records max_recordings streams or the disk guard holds. */
bool sv_recorder_can_start(const struct sv_recorder *rc, char *err,
                           size_t errlen);

/* A record job: claims recording id and starts recording it. 0 also when
 * there is nothing to record (it ended meanwhile) or this worker records it
 * already; -1 with the reason (full, the disk guard, a refused source). */
int sv_recorder_start(struct sv_recorder *rc, PGconn *pg, long long id,
                      char *err, size_t errlen);

/* Stops every recording gracefully (the segments in flight are finished,
 * at most a few seconds), reports their last progress and leaves them
 * 'recording' for the next start to resume. pg may be NULL. */
void sv_recorder_shutdown(struct sv_recorder *rc, PGconn *pg);

#endif /* SV_RECORDER_H */
