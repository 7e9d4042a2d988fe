/*
 * The process log's destination and level (see log.h).
 */

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

static struct {
    int                fd;
    enum sv_log_level  min_level;
    char               path[PATH_MAX];    /* empty: stderr */
} sv_log_state = { STDERR_FILENO, SV_LOG_INFO, "" };

/* The recent warnings and errors: a ring any thread writes to; line number
 * k sits in slot (k - 1) % SV_LOG_RECENT_LINES. */
static struct {
    pthread_mutex_t  lock;
    bool             on;        /* set before other threads exist */
    uint64_t         newest;    /* the newest line's number, 0 before any */
    size_t           len[SV_LOG_RECENT_LINES];
    char             line[SV_LOG_RECENT_LINES][SV_LOG_RECENT_LINE_MAX];
} recent = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
recent_lock(void)
{
    pthread_mutex_lock(&recent.lock);
}

static void
recent_unlock(void)
{
    pthread_mutex_unlock(&recent.lock);
}

void
sv_log_keep_recent(void)
{
    if (!recent.on) {
        /* Held across fork(): the child's copy of the lock is then never
         * taken by a thread that does not exist there. */
        pthread_atfork(recent_lock, recent_unlock, recent_unlock);
        recent.on = true;
    }
}

/* line: a whole line of at most SV_LOG_RECENT_LINE_MAX bytes, newline and
 * all; the newline is left out. */
static void
keep_recent(const char *line, size_t len)
{
    size_t slot;

    recent_lock();
    slot = recent.newest++ % SV_LOG_RECENT_LINES;
    memcpy(recent.line[slot], line, len - 1);
    recent.len[slot] = len - 1;
    recent_unlock();
}

void
sv_log_recent(uint64_t after, struct sv_log_recent *out)
{
    uint64_t first = after + 1;

    recent_lock();
    /* the older ones were overwritten */
    if (recent.newest > SV_LOG_RECENT_LINES
        && first <= recent.newest - SV_LOG_RECENT_LINES) {
        first = recent.newest - SV_LOG_RECENT_LINES + 1;
    }
    out->count = 0;
    for (uint64_t k = first; k <= recent.newest; k++) {
        size_t slot = (k - 1) % SV_LOG_RECENT_LINES;

        memcpy(out->line[out->count], recent.line[slot], recent.len[slot]);
        out->len[out->count++] = recent.len[slot];
    }
    out->last = recent.newest > after ? recent.newest : after;
    recent_unlock();
}

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

    if (level >= SV_LOG_WARN && recent.on) {
        if (len > SV_LOG_RECENT_LINE_MAX) {
            len = sv_log_format(line, SV_LOG_RECENT_LINE_MAX, &now, level, msg,
                                (long) getpid(), fields, nfields);
        }
        keep_recent(line, len);
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
