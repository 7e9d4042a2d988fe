/*
 * The image formats artwork may be stored in, told apart by their first
 * bytes (a server's Content-Type or a URL's name proves nothing) and by a
 * path's extension.
 */

#ifndef SV_IMAGE_TYPE_H
#define SV_IMAGE_TYPE_H

#include <stddef.h>

enum sv_image_type { SV_IMAGE_NONE, SV_IMAGE_JPEG, SV_IMAGE_PNG, SV_IMAGE_WEBP };

/* What data[0..len) starts like: JPEG FF D8 FF, PNG 89 'PNG' 0D 0A 1A 0A,
 * WebP "RIFF" <size> "WEBP"; SV_IMAGE_NONE for anything else. */
enum sv_image_type sv_image_type_of_bytes(const unsigned char *data,
                                          size_t len);

/* What path's extension promises: .jpg/.jpeg, .png, .webp (lower case). */
enum sv_image_type sv_image_type_of_path(const char *path);

/* "JPEG", "PNG", "WebP" or "not an image". */
const char *sv_image_type_name(enum sv_image_type type);

#endif /* SV_IMAGE_TYPE_H */
