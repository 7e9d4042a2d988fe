/*
 * The process log's destination and level (see log.h).
 */

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

static struct {
    int                fd;
    enum sv_log_level  min_level;
    char               path[PATH_MAX];    /* empty: stderr */
} sv_log_state = { STDERR_FILENO, SV_LOG_INFO, "" };

void
sv_log_set_level(enum sv_log_level level)
{
    sv_log_state.min_level = level;
}

void
sv_log_fields(enum sv_log_level level, const char *msg,
              const struct sv_log_field *fields, size_t nfields)
{
    char             line[SV_LOG_LINE_MAX];
    struct timespec  now;
    size_t           len;

    if (level < sv_log_state.min_level) {
        return;
    }

    now = sv_realtime_now();
    len = sv_log_format(line, sizeof(line), &now, level, msg, (long) getpid(),
                        fields, nfields);

    /* Nowhere to report a failed log write; a short write can only happen
     * on a full disk or pipe, and retrying would split the line. */
    while (write(sv_log_state.fd, line, len) < 0 && errno == EINTR) {
        /* retry */
    }
}

static void
use_fd(int fd, const char *path)
{
    if (sv_log_state.fd != STDERR_FILENO) {
        close(sv_log_state.fd);
    }

    sv_log_state.fd = fd;
    snprintf(sv_log_state.path, sizeof(sv_log_state.path), "%s", path);
}

int
sv_log_open(const char *target, char *err, size_t errlen)
{
    int fd;

    if (strcmp(target, "stderr") == 0) {
        use_fd(STDERR_FILENO, "");
        return 0;
    }

    if (strlen(target) >= sizeof(sv_log_state.path)) {
        snprintf(err, errlen, "log file path is too long");
        return -1;
    }

    fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
              0640);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open log file %s: %s", target,
                 strerror(errno));
        return -1;
    }

    use_fd(fd, target);
    return 0;
}

int
sv_log_reopen(char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (sv_log_state.path[0] == '\0') {
        return 0;
    }

    memcpy(path, sv_log_state.path, sizeof(path));
    return sv_log_open(path, err, errlen);
}

void
sv_log_close(void)
{
    use_fd(STDERR_FILENO, "");
}
