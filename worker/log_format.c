/*
 * Log line formatting (see log_format.h).
 */

#include "log_format.h"

#include <string.h>

#include "clock.h"
#include "json.h"

static const char *const level_names[] = {
    [SV_LOG_DEBUG] = "debug",
    [SV_LOG_INFO] = "info",
    [SV_LOG_WARN] = "warn",
    [SV_LOG_ERROR] = "error",
};

/* Space kept back while filling in fields, so the closing part always fits. */
static const char truncated_member[] = ",\"truncated\":true";
static const char line_end[] = "}\n";
#define TAIL_SIZE  (sizeof(truncated_member) - 1 + sizeof(line_end) - 1)

const char *
sv_log_level_name(enum sv_log_level level)
{
    return level_names[level];
}

bool
sv_log_level_parse(const char *name, enum sv_log_level *level)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *level = (enum sv_log_level) i;
            return true;
        }
    }

    return false;
}

size_t
sv_log_format(char *out, size_t cap, const struct timespec *ts,
              enum sv_log_level level, const char *msg, long pid,
              const struct sv_log_field *fields, size_t nfields)
{
    struct sv_jbuf  b;
    char            when[SV_ISO8601_SIZE];
    bool            cut;

    sv_format_iso8601(ts, when);
    sv_jbuf_init(&b, out, cap - TAIL_SIZE);

    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_string(&b, "ts", when);
    sv_jbuf_member_string(&b, "level", sv_log_level_name(level));
    sv_jbuf_member_string(&b, "msg", msg);
    sv_jbuf_member_int(&b, "pid", pid);

    for (size_t i = 0; i < nfields; i++) {
        if (fields[i].is_int) {
            sv_jbuf_member_int(&b, fields[i].key, fields[i].num);
        } else {
            sv_jbuf_member_string(&b, fields[i].key, fields[i].str);
        }
    }

    cut = b.truncated;
    b.truncated = false;
    b.limit = cap;

    if (cut) {
        sv_jbuf_raw(&b, truncated_member, sizeof(truncated_member) - 1);
    }
    sv_jbuf_raw(&b, line_end, sizeof(line_end) - 1);

    return b.len;
}
