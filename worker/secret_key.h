/*
 * The key of the settings sealed at rest (lib/sv_secretbox.h), derived
 * from the worker's secret_file, and opening a sealed setting with it.
 * The Twitch service and the recorder both read sealed settings.
 */

#ifndef SV_SECRET_KEY_H
#define SV_SECRET_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "sv_secretbox.h"

/* The key from the file at path (its trailing CR/LF aside, at least 32
 * bytes, as nginx reads it); false with the reason in err. */
bool sv_secret_key_load(const char *path,
                        unsigned char key[SV_SECRETBOX_KEY_LEN], char *err,
                        size_t errlen);

/* Opens sealed, the value of setting name, into out (cap bytes with the
 * NUL); false if it does not open, is empty, too long or not text. */
bool sv_secret_open_text(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                         const char *name, const char *sealed, char *out,
                         size_t cap);

#endif /* SV_SECRET_KEY_H */
