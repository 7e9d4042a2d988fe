/*
 * A recording's files in its output folder: a segment is written to
 * <file number, 12 digits>.ts.part and only made <file number>.ts once it
 * is on disk (fsync, rename, folder fsync), so a crash never leaves half a
 * segment under a segment name; where the stream is discontinuous is noted
 * in .discontinuities, and the offset from sequence to file numbers kept
 * in .sequence-offset. Every name is relative to the folder's descriptor.
 */

#ifndef SV_HLS_SEGMENT_FILE_H
#define SV_HLS_SEGMENT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Creates (truncates) file's .part file: its descriptor, or -1 (errno). */
int sv_hls_part_open(int dir_fd, int64_t file);

/* Writes all n bytes to fd; false with the reason in *err_no. */
bool sv_hls_part_write(int fd, const char *p, size_t n, int *err_no);

/* Removes file's .part file (a download given up). */
void sv_hls_part_discard(int dir_fd, int64_t file);

/* Makes file's .part file, open on *fd, durable as file's .ts; *fd is
 * closed (-1) either way. False with the reason (naming dir_name) in
 * err. */
bool sv_hls_part_commit(int dir_fd, const char *dir_name, int64_t file,
                        int *fd, char *err, size_t errlen);

/* Appends "<file> <why>" to .discontinuities; best effort. */
void sv_hls_discontinuity_note(int dir_fd, int64_t file, const char *why);

/* A folder a recording starts in: removes the .part files a crash left,
 * and gives the highest file number of its .ts files (-1: none) and the
 * offset kept (0: none). False with the reason when the folder cannot be
 * read or .sequence-offset is not a number. */
bool sv_hls_folder_open(int dir_fd, const char *dir_name, int64_t *highest,
                        int64_t *offset, char *err, size_t errlen);

/* Keeps offset in .sequence-offset (a temp file, fsync, rename). False
 * with the reason. */
bool sv_hls_offset_save(int dir_fd, const char *dir_name, int64_t offset,
                        char *err, size_t errlen);

#endif /* SV_HLS_SEGMENT_FILE_H */
