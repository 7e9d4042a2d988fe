/*
 * Log line format, level names and timestamps (worker/log_format.c,
 * worker/clock.c).
 */

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "clock.h"
#include "log_format.h"
#include "tap.h"

/* 2026-11-21T10:29:00.123Z */
static const struct timespec fixed_time = { 1795256940, 123456789 };

static void
test_timestamps(void)
{
    char                   out[SV_ISO8601_SIZE];
    const struct timespec  epoch = { 0, 0 };
    const struct timespec  last_ms = { 59, 999999999 };

    sv_format_iso8601(&fixed_time, out);
    tap_is_str(out, "2026-11-21T10:29:00.123Z", "ISO-8601 UTC with ms");
    sv_format_iso8601(&epoch, out);
    tap_is_str(out, "1970-01-01T00:00:00.000Z", "the epoch");
    sv_format_iso8601(&last_ms, out);
    tap_is_str(out, "1970-01-01T00:00:59.999Z", "milliseconds truncate, "
               "never round up to 1000");
}

static void
test_levels(void)
{
    enum sv_log_level level = SV_LOG_ERROR;

    tap_ok(sv_log_level_parse("debug", &level) && level == SV_LOG_DEBUG,
           "debug parses");
    tap_ok(sv_log_level_parse("warn", &level) && level == SV_LOG_WARN,
           "warn parses");
    tap_ok(!sv_log_level_parse("WARN", &level), "names are lower-case");
    tap_ok(!sv_log_level_parse("warning", &level), "no synonyms");
    tap_is_str(sv_log_level_name(SV_LOG_ERROR), "error", "error's name");
}

static void
test_line(void)
{
    char                        line[512];
    const struct sv_log_field   fields[] = {
        { .key = "error", .str = "no \"route\"\n" },
        { .key = "retry_in_ms", .num = 800, .is_int = true },
        { .key = "none", .str = NULL },
    };
    size_t len = sv_log_format(line, sizeof(line), &fixed_time, SV_LOG_WARN,
                               "cannot connect, retrying", 4242, fields, 3);

    line[len] = '\0';
    tap_is_str(line, "{\"ts\":\"2026-11-21T10:29:00.123Z\",\"level\":\"warn\","
               "\"msg\":\"cannot connect, retrying\",\"pid\":4242,"
               "\"error\":\"no \\\"route\\\"\\u000a\",\"retry_in_ms\":800,"
               "\"none\":null}\n", "a complete line, fields in order");

    len = sv_log_format(line, sizeof(line), &fixed_time, SV_LOG_INFO,
                        "stopped", 1, NULL, 0);
    line[len] = '\0';
    tap_is_str(line, "{\"ts\":\"2026-11-21T10:29:00.123Z\",\"level\":\"info\","
               "\"msg\":\"stopped\",\"pid\":1}\n", "a line without fields");
}

static void
test_truncation(void)
{
    static char  big[3 * SV_LOG_LINE_MAX];
    static char  line[SV_LOG_LINE_MAX];
    const struct sv_log_field fields[] = {
        { .key = "error", .str = big },
        { .key = "after", .num = 7, .is_int = true },
    };
    size_t       len;
    yajl_val     v;
    const char  *truncated_path[] = { "truncated", NULL };
    const char  *after_path[] = { "after", NULL };

    /* Quotes double in size when escaped: the worst case for the limit. */
    memset(big, '"', sizeof(big) - 1);

    len = sv_log_format(line, sizeof(line) - 1, &fixed_time, SV_LOG_ERROR,
                        "x", 1, fields, 2);
    line[len] = '\0';

    tap_ok(len <= sizeof(line) - 1, "an oversized line stays within the "
           "buffer (%zu bytes)", len);
    tap_ok(len > 0 && line[len - 1] == '\n' && memchr(line, '\n', len - 1)
           == NULL, "it is still one line");

    line[len - 1] = '\0';
    v = yajl_tree_parse(line, NULL, 0);
    tap_ok(v != NULL, "it is still valid JSON");
    tap_ok(v != NULL && YAJL_IS_TRUE(yajl_tree_get(v, truncated_path,
                                                   yajl_t_any)),
           "it says \"truncated\":true");
    tap_ok(v != NULL && yajl_tree_get(v, after_path, yajl_t_any) == NULL,
           "fields after the cut are dropped, not garbled");
    yajl_tree_free(v);
}

int
main(void)
{
    test_timestamps();
    test_levels();
    test_line();
    test_truncation();
    return tap_done();
}
