/*
 * Bounded whole-file reads (see read_file.h).
 */

#include "read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
sv_read_file(const char *path, size_t max, size_t *len, char *err,
             size_t errlen)
{
    char    *data;
    size_t   used = 0;
    int      fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }

    /* One byte more than allowed tells "exactly max" from "too large". */
    data = malloc(max + 2);
    if (data == NULL) {
        snprintf(err, errlen, "cannot read %s: out of memory", path);
        close(fd);
        return NULL;
    }

    for (;;) {
        ssize_t n = read(fd, data + used, max + 1 - used);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0) {
            close(fd);
            data[used] = '\0';
            *len = used;
            return data;
        }

        used += (size_t) n;
        if (used > max) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
            break;
        }
    }

    close(fd);
    free(data);
    return NULL;
}
