/*
 * Still pictures for the thumbnails job: a blank full-range YUV 4:2:0
 * canvas (what the MJPEG encoder takes), decoded frames scaled into a
 * rectangle of it with libswscale, and the canvas saved as a JPEG.
 */

#ifndef SV_MEDIA_PICTURE_H
#define SV_MEDIA_PICTURE_H

#include <stdbool.h>
#include <stddef.h>

struct AVFrame;
struct SwsContext;

/* A black w x h canvas (both even); NULL when out of memory. Free with
 * av_frame_free. */
struct AVFrame *sv_picture_canvas(int w, int h);

/* Scales src into the w x h rectangle at x, y of canvas (all even); *sws
 * is reused between calls of the same sizes (free with sws_freeContext). */
bool sv_picture_paste(struct AVFrame *canvas, int x, int y, int w, int h,
                      const struct AVFrame *src, struct SwsContext **sws,
                      char *err, size_t errlen);

/* Encodes canvas as a JPEG (libavcodec's MJPEG) and saves it as rel under
 * the media root, atomically (media_save.h). */
bool sv_picture_save_jpeg(const struct AVFrame *canvas, const char *rel,
                          char *err, size_t errlen);

#endif /* SV_MEDIA_PICTURE_H */
