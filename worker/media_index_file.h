/*
 * The fragment index (media_index.h) of an MP4 on disk: scanning the file
 * itself, and checking a written <mp4>.index.json against that scan.
 */

#ifndef SV_MEDIA_INDEX_FILE_H
#define SV_MEDIA_INDEX_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "media_index.h"

/* Scans the file at path; as sv_mp4_index_scan. */
bool sv_mp4_index_scan_file(const char *path, struct sv_mp4_index *idx,
                            char *err, size_t errlen);

/* True when the JSON at index_path describes the file at mp4_path exactly:
 * the same timescale, init segment and fragments (offset, size, duration)
 * as a scan of the file's bytes finds, so each fragment starts with a moof
 * and together they cover the file. Else false with the reason. */
bool sv_mp4_index_check(const char *mp4_path, const char *index_path,
                        char *err, size_t errlen);

#endif /* SV_MEDIA_INDEX_FILE_H */
