/*
 * A recording's files in its output folder: a segment is written to
 * <file number, 12 digits>.ts.part and only made <file number>.ts once it
 * is on disk (fsync, rename, folder fsync), so a crash never leaves half a
 * segment under a segment name; where the stream is discontinuous is noted
 * in .discontinuities, and the offset from sequence to file numbers kept
 * in .sequence-offset. .segments logs what nginx makes the live playlist
 * of (lib/sv_hls_live.h): "<file> <seconds>" per segment made durable,
 * "<file> gap" before a discontinuity, "end" when the recording is over.
 * Every name is relative to the folder's descriptor.
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

/* Makes file's .part file, open on *fd, durable as file's .ts, and logs
 * it with its duration in .segments; *fd is closed (-1) either way. False
 * with the reason (naming dir_name) in err. */
bool sv_hls_part_commit(int dir_fd, const char *dir_name, int64_t file,
                        double duration_s, int *fd, char *err,
                        size_t errlen);

/* Appends "<file> <why>" to .discontinuities, and the gap to .segments;
 * best effort. */
void sv_hls_discontinuity_note(int dir_fd, int64_t file, const char *why);

/* Appends "end" to the .segments of the folder at path dir; best effort. */
void sv_hls_segments_end(const char *dir);

/* Removes the notes above from the folder at path dir, whose segments are
 * gone (post-processing took them); best effort. */
void sv_hls_folder_forget(const char *dir);

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
