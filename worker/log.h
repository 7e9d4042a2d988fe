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

#endif /* SV_LOG_H */
