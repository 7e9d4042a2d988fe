/*
 * The log line format: one JSON object per line,
 *   {"ts":"...","level":"info","msg":"...","pid":123,<fields>}
 * Pure, so the exact bytes can be unit-tested.
 */

#ifndef SV_LOG_FORMAT_H
#define SV_LOG_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Longer lines are cut at a character boundary and get "truncated":true. */
#define SV_LOG_LINE_MAX  16384

enum sv_log_level {
    SV_LOG_DEBUG,
    SV_LOG_INFO,
    SV_LOG_WARN,
    SV_LOG_ERROR
};

/* An extra key/value pair; build them with SV_STR and SV_INT (log.h). */
struct sv_log_field {
    const char  *key;
    const char  *str;       /* NULL (and is_int false) logs null */
    long long    num;
    bool         is_int;
};

const char *sv_log_level_name(enum sv_log_level level);

/* Accepts debug, info, warn, error. */
bool sv_log_level_parse(const char *name, enum sv_log_level *level);

/* Writes one complete line, newline included, into out (cap bytes, at least
 * 128) and returns its length. */
size_t sv_log_format(char *out, size_t cap, const struct timespec *ts,
                     enum sv_log_level level, const char *msg, long pid,
                     const struct sv_log_field *fields, size_t nfields);

#endif /* SV_LOG_FORMAT_H */
