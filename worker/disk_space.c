/*
 * Free space of a file system (see disk_space.h).
 */

#include "disk_space.h"

#include <sys/statvfs.h>

bool
sv_disk_free_mb(const char *path, long long *free_mb)
{
    struct statvfs st;

    if (statvfs(path, &st) != 0) {
        return false;
    }
    *free_mb = (long long) ((unsigned long long) st.f_bavail * st.f_frsize
                            / (1024 * 1024));
    return true;
}
