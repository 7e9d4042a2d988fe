/*
 * The nfo job: the .nfo files Kodi, Jellyfin and Emby read for a recording.
 *
 * payload: {"dir": "<relative folder of the show>",
 *           "show": {"title", "plot"?, "id"?},
 *           "season": {"number": YYYYMM, "title"?},
 *           "episode": {"file": "<dir>/.../<name>.mp4", "title", "plot"?,
 *                       "aired": "YYYY-MM-DD", "season": YYYYMM,
 *                       "episode": 1.., "runtime_s"?, "category"?,
 *                       "streamer"?, "id"?}}
 *
 * Writes <dir>/tvshow.nfo, <dir>/Season YYYYMM/season.nfo and <name>.nfo
 * next to the video (see nfo.h), each saved atomically under the media
 * root; a re-run writes the same files.
 */

#ifndef SV_JOB_NFO_H
#define SV_JOB_NFO_H

#include "job_types.h"

#define SV_NFO_TITLE_MAX   1024        /* bytes of a title, name, id */
#define SV_NFO_PLOT_MAX    16384       /* bytes of a plot */
#define SV_NFO_EPISODE_MAX 99999
#define SV_NFO_RUNTIME_MAX (31 * 86400)

bool sv_job_nfo_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_nfo_run(yajl_val payload, const struct sv_job_run *run,
                   char *err, size_t errlen);

#endif /* SV_JOB_NFO_H */
