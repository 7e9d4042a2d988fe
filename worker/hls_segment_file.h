/*
 * A recording's files in its output folder: a segment is written to
 * <sequence, 12 digits>.ts.part and only made <sequence>.ts once it is on
 * disk (fsync, rename, folder fsync), so a crash never leaves half a segment
 * under a segment name; where the stream is discontinuous is noted in
 * .discontinuities. Every name is relative to the folder's descriptor.
 */

#ifndef SV_HLS_SEGMENT_FILE_H
#define SV_HLS_SEGMENT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Creates (truncates) seq's .part file: its descriptor, or -1 (errno). */
int sv_hls_part_open(int dir_fd, int64_t seq);

/* Writes all n bytes to fd; false with the reason in *err_no. */
bool sv_hls_part_write(int fd, const char *p, size_t n, int *err_no);

/* Removes seq's .part file (a download given up). */
void sv_hls_part_discard(int dir_fd, int64_t seq);

/* Makes seq's .part file, open on *fd, durable as seq's .ts; *fd is closed
 * (-1) either way. False with the reason (naming dir_name) in err. */
bool sv_hls_part_commit(int dir_fd, const char *dir_name, int64_t seq,
                        int *fd, char *err, size_t errlen);

/* Appends "<seq> <why>" to .discontinuities; best effort. */
void sv_hls_discontinuity_note(int dir_fd, int64_t seq, const char *why);

#endif /* SV_HLS_SEGMENT_FILE_H */
