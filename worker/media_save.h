/*
 * Small files (text sidecars: .nfo, ...) saved under the media root in one
 * step: written to a temp file next to the target, fsynced and renamed
 * (media_path.h), so readers see the old file or the new one, never half.
 */

#ifndef SV_MEDIA_SAVE_H
#define SV_MEDIA_SAVE_H

#include <stdbool.h>
#include <stddef.h>

/* Saves data[0..len) as rel (checked to lie under the media root, its
 * directories created); false with the reason. */
bool sv_media_save(const char *rel, const char *data, size_t len, char *err,
                   size_t errlen);

#endif /* SV_MEDIA_SAVE_H */
