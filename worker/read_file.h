/*
 * Reading a whole file into memory, with a size limit that holds even for
 * files that grow while being read or lie about their size (/proc, FIFOs).
 */

#ifndef SV_READ_FILE_H
#define SV_READ_FILE_H

#include <stddef.h>

/*
 * Returns a malloc'd copy of the file, NUL-terminated (the NUL is not counted
 * in *len), or NULL with a message in err: "cannot open PATH: <strerror>",
 * "PATH is larger than N bytes", "cannot read PATH: <strerror>".
 */
char *sv_read_file(const char *path, size_t max, size_t *len, char *err,
                   size_t errlen);

#endif /* SV_READ_FILE_H */
