/*
 * Free space of the file system holding a path, as an unprivileged user
 * sees it (the worker does not run as root in production).
 */

#ifndef SV_DISK_SPACE_H
#define SV_DISK_SPACE_H

#include <stdbool.h>

/* Megabytes (MiB) available at path; false when statvfs fails. */
bool sv_disk_free_mb(const char *path, long long *free_mb);

#endif /* SV_DISK_SPACE_H */
