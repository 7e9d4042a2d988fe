/*
 * Video frames at chosen times, for the thumbnails job: opens a file's best
 * video stream and hands out the frame shown at a time, in increasing
 * times. For each time it seeks to the keyframe at or before it, unless the
 * decoder is already between that keyframe and the time (then decoding on
 * is cheaper than seeking back), and decodes up to the time.
 */

#ifndef SV_MEDIA_FRAMES_H
#define SV_MEDIA_FRAMES_H

#include <stdbool.h>
#include <stddef.h>

struct AVFrame;
struct sv_frames;

/* Opens path; *duration_s is what its headers say. False with the reason
 * (no video stream, unknown duration, ...). */
bool sv_frames_open(const char *path, struct sv_frames **out,
                    double *duration_s, char *err, size_t errlen);

/* The frame shown at t_s seconds from the start (the last frame when t_s is
 * past the end), valid until the next call. alive is called every few
 * packets; false from it stops with "stopped". NULL with the reason. */
const struct AVFrame *sv_frames_at(struct sv_frames *f, double t_s,
                                   bool (*alive)(void *ctx), void *ctx,
                                   char *err, size_t errlen);

/* The picture's size as displayed (its sample aspect ratio applied to the
 * width). */
void sv_frames_display_size(const struct sv_frames *f, int *w, int *h);

void sv_frames_close(struct sv_frames *f);

#endif /* SV_MEDIA_FRAMES_H */
