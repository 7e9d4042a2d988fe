/*
 * Checks of a media file with libavformat/libavcodec, for the validate job:
 * what its headers say (duration, streams), and whether its first and last
 * keyframe groups (GOPs) decode.
 */

#ifndef SV_MEDIA_CHECK_H
#define SV_MEDIA_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct sv_media_info {
    double   duration_s;
    unsigned video, audio;      /* streams of each kind */
};

/* Opens path and reads its headers (no decoding); false with the reason,
 * also when libavformat can say nothing about its duration. */
bool sv_media_info(const char *path, struct sv_media_info *info, char *err,
                   size_t errlen);

struct AVFormatContext;

/* Opens path with libavformat and reads its stream headers; false with the
 * reason (close with avformat_close_input). Shared by the media jobs. */
bool sv_media_open(const char *path, struct AVFormatContext **fmt,
                   char *err, size_t errlen);

/* Puts "what: <libav's text for averr>" in err; returns false. */
bool sv_media_av_fail(int averr, const char *what, char *err, size_t errlen);

enum sv_gop { SV_GOP_FIRST, SV_GOP_LAST };

/* Decodes the first GOP (from the start to the second keyframe) or the last
 * one (from the last keyframe to the end) of the video stream, or of the
 * audio stream when there is no video. False with the reason when a packet
 * cannot be read or decoded, a frame comes out corrupt, or none comes. */
bool sv_media_decode_gop(const char *path, enum sv_gop which, char *err,
                         size_t errlen);

#endif /* SV_MEDIA_CHECK_H */
