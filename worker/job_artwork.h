/*
 * The artwork job: a show's poster, fanart and banner (or any images) from
 * the web into the media root, where Kodi and Jellyfin look for them.
 *
 * payload: {"images": [{"url": "http(s)://...", "path": "<relative>.jpg"},
 *                      ...]}                     1..SV_ARTWORK_IMAGES_MAX
 *
 * Runs in a child process (a blocking fetch, a parser facing the network).
 * Each image is fetched within limits (http_fetch.h: connect 5 s, total
 * 30 s, 3 redirects to http/https only, 10 MiB, status 200), must be the
 * image its path's extension names (by its magic bytes: .jpg/.jpeg JPEG,
 * .png PNG, .webp WebP; a mismatch fails rather than being renamed, since
 * the .nfo files refer to the names given) and is saved atomically. The
 * first image that fails fails the job, naming its URL; those saved before
 * stay, and a re-run fetches and saves them all again.
 */

#ifndef SV_JOB_ARTWORK_H
#define SV_JOB_ARTWORK_H

#include "job_types.h"

#define SV_ARTWORK_IMAGES_MAX   8
#define SV_ARTWORK_BYTES_MAX    (10 * 1024 * 1024)
/* Every image at its full total timeout, and some slack. */
#define SV_ARTWORK_TIME_LIMIT_S (SV_ARTWORK_IMAGES_MAX * 30 + 60)

bool sv_job_artwork_validate(yajl_val payload, char *err, size_t errlen);
int sv_job_artwork_run(yajl_val payload, const struct sv_job_run *run,
                       char *err, size_t errlen);

#endif /* SV_JOB_ARTWORK_H */
