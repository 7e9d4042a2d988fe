/*
 * The process log: JSON lines (log_format.h) to stderr or a file, one
 * write(2) per line so concurrent writers never interleave within a line.
 *
 *   sv_log(SV_LOG_WARN, "cannot connect to Redis, retrying",
 *          SV_STR("error", err), SV_INT("retry_in_ms", delay));
 */

#ifndef SV_LOG_H
#define SV_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "log_format.h"

#define SV_STR(k, v)  ((struct sv_log_field) { .key = (k), .str = (v) })
#define SV_INT(k, v)  ((struct sv_log_field) { .key = (k), .num = (v), \
                                               .is_int = true })

/* The field list may be empty (a GNU C extension this project relies on). */
#define sv_log(level, msg, ...)                                              \
    sv_log_fields((level), (msg),                                            \
                  (const struct sv_log_field[]) { __VA_ARGS__ },             \
                  sizeof((const struct sv_log_field[]) { __VA_ARGS__ })      \
                      / sizeof(struct sv_log_field))

void sv_log_fields(enum sv_log_level level, const char *msg,
                   const struct sv_log_field *fields, size_t nfields);

void sv_log_set_level(enum sv_log_level level);

/*
 * Switches the log to target: "stderr" or an absolute path opened for
 * appending. On failure the current destination stays and -1 is returned
 * with the reason in err.
 */
int sv_log_open(const char *target, char *err, size_t errlen);

/* Opens the current log file again (after rotation); as sv_log_open. */
int sv_log_reopen(char *err, size_t errlen);

/* Closes a log file; later lines go to stderr. */
void sv_log_close(void);

/*
 * The recent warnings and errors, for the daemon to pass on (log_push.h):
 * once sv_log_keep_recent() was called, every WARN and ERROR line logged is
 * also kept in memory, the newest SV_LOG_RECENT_LINES of them, numbered
 * from 1 in the order they were logged; a line longer than
 * SV_LOG_RECENT_LINE_MAX is kept formatted again, cut ("truncated":true).
 * Any thread may log; a fork() in another thread cannot leave the copy in
 * the child locked.
 */
#define SV_LOG_RECENT_LINES     64
#define SV_LOG_RECENT_LINE_MAX  2048

struct sv_log_recent {
    uint64_t  last;         /* the number of the newest line copied */
    size_t    count;
    size_t    len[SV_LOG_RECENT_LINES];     /* without the newline */
    char      line[SV_LOG_RECENT_LINES][SV_LOG_RECENT_LINE_MAX];
};

/* Starts keeping them; call it before starting threads that log. */
void sv_log_keep_recent(void);

/* Copies the kept lines numbered after `after`, oldest first (none: count
 * 0 and last = after). */
void sv_log_recent(uint64_t after, struct sv_log_recent *out);

#endif /* SV_LOG_H */
