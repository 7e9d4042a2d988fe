/*
 * Image formats by magic bytes and by extension (see image_type.h).
 */

#include "image_type.h"

#include <string.h>

#include "sv_path.h"

static bool
starts_with(const unsigned char *data, size_t len, const char *magic,
            size_t at, size_t magic_len)
{
    return len >= at + magic_len && memcmp(data + at, magic, magic_len) == 0;
}

enum sv_image_type
sv_image_type_of_bytes(const unsigned char *data, size_t len)
{
    if (starts_with(data, len, "\xFF\xD8\xFF", 0, 3)) {
        return SV_IMAGE_JPEG;
    }
    if (starts_with(data, len, "\x89PNG\r\n\x1A\n", 0, 8)) {
        return SV_IMAGE_PNG;
    }
    /* bytes 4..7 are the RIFF chunk size: any value */
    if (starts_with(data, len, "RIFF", 0, 4)
        && starts_with(data, len, "WEBP", 8, 4)) {
        return SV_IMAGE_WEBP;
    }
    return SV_IMAGE_NONE;
}

enum sv_image_type
sv_image_type_of_path(const char *path)
{
    if (sv_path_has_suffix(path, ".jpg") || sv_path_has_suffix(path, ".jpeg")) {
        return SV_IMAGE_JPEG;
    }
    if (sv_path_has_suffix(path, ".png")) {
        return SV_IMAGE_PNG;
    }
    if (sv_path_has_suffix(path, ".webp")) {
        return SV_IMAGE_WEBP;
    }
    return SV_IMAGE_NONE;
}

const char *
sv_image_type_name(enum sv_image_type type)
{
    switch (type) {
    case SV_IMAGE_JPEG:
        return "JPEG";
    case SV_IMAGE_PNG:
        return "PNG";
    case SV_IMAGE_WEBP:
        return "WebP";
    default:
        return "not an image";
    }
}
