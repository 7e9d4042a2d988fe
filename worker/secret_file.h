/*
 * Writing a secret to a file only its owner can read, atomically: readers
 * see the old file or the complete new one, never a partial write.
 */

#ifndef SV_SECRET_FILE_H
#define SV_SECRET_FILE_H

#include <stddef.h>

/* Writes PATH.tmp (mode 0600), syncs it and renames it over path.
 * 0, or -1 with the reason in err (PATH.tmp is then removed). */
int sv_secret_file_write(const char *path, const char *data, size_t len,
                         char *err, size_t errlen);

#endif /* SV_SECRET_FILE_H */
