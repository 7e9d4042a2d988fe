/*
 * The file a muxer writes, as an AVIOContext: large writes, and the kernel
 * asked to start writing each few MiB back to disk at once, so that the
 * fsync before the final rename has little left to wait for (the disk
 * works while the remux still runs).
 */

#ifndef SV_MEDIA_OUTPUT_H
#define SV_MEDIA_OUTPUT_H

#include <libavformat/avio.h>

/* Creates (truncates) path; NULL with errno set on failure. */
AVIOContext *sv_media_output_open(const char *path);

/* Flushes and closes; 0, or a negative AVERROR if anything failed. */
int sv_media_output_close(AVIOContext **pb);

#endif /* SV_MEDIA_OUTPUT_H */
