/*
 * Cron expressions and their run times (see sv_cron.h).
 */

#include "sv_cron.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sv_civil_time.h"

/* The search ends here: 9999-12-31T23:59:59Z. */
#define LAST_INSTANT    INT64_C(253402300799)

/* --- parsing ------------------------------------------------------------- */

static const char *const month_names[] = {
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
    "nov", "dec", NULL,
};
static const char *const weekday_names[] = {
    "sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL,
};

static const struct field {
    const char        *name;
    int                lo, hi;
    const char *const *names;           /* names of lo, lo+1, ... */
} fields[5] = {
    { "minute", 0, 59, NULL },
    { "hour", 0, 23, NULL },
    { "day-of-month", 1, 31, NULL },
    { "month", 1, 12, month_names },
    { "day-of-week", 0, 7, weekday_names },
};

static const struct macro {
    const char *name, *fields;
} macros[] = {
    { "@hourly", "0 * * * *" },   { "@daily", "0 0 * * *" },
    { "@midnight", "0 0 * * *" }, { "@weekly", "0 0 * * 0" },
    { "@monthly", "0 0 1 * *" },  { "@yearly", "0 0 1 1 *" },
    { "@annually", "0 0 1 1 *" },
};

/* Hostile text made printable for an error: ASCII as is, the rest \xNN,
 * at most 24 bytes of it. */
static const char *
shown(const char *s, size_t len, char *buf, size_t size)
{
    size_t o = 0;

    for (size_t i = 0; i < len && i < 24 && o + 5 < size; i++) {
        unsigned char c = (unsigned char) s[i];

        o += (size_t) snprintf(buf + o, size - o, c >= 0x20 && c < 0x7f
                               ? "%c" : "\\x%02X", c);
    }
    if (len > 24 && o + 4 < size) {
        memcpy(buf + o, "...", 4);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* One field being parsed: the whole expression (for byte positions). */
struct cursor {
    const char         *expr;
    size_t              pos, end;
    int                 index;          /* 0-based field number */
    const struct field *f;
    char               *err;
    size_t              errlen;
};

static bool
fail(struct cursor *cur, const char *fmt, const char *a, long b, long c)
{
    int n = snprintf(cur->err, cur->errlen, "field %d (%s): ", cur->index + 1,
                     cur->f->name);

    if (n >= 0 && (size_t) n < cur->errlen) {
        snprintf(cur->err + n, cur->errlen - (size_t) n, fmt, a, b, c);
    }
    return false;
}

static bool
unexpected(struct cursor *cur)
{
    char buf[8];

    if (cur->pos >= cur->end) {
        return fail(cur, "%sunexpected end at byte %ld", "", (long) cur->pos,
                    0);
    }
    return fail(cur, "unexpected '%s' at byte %ld",
                shown(cur->expr + cur->pos, 1, buf, sizeof(buf)),
                (long) cur->pos, 0);
}

/* A number or a name at the cursor, checked against the field's range. */
static bool
value(struct cursor *cur, int *v)
{
    const char *s = cur->expr + cur->pos;
    size_t      len = 0;
    char        buf[128];
    long        n = 0;

    if (cur->pos < cur->end && isdigit((unsigned char) *s)) {
        while (cur->pos + len < cur->end
               && isdigit((unsigned char) s[len])) {
            n = n < 100000 ? n * 10 + (s[len] - '0') : n;
            len++;
        }
        cur->pos += len;
        if (n < cur->f->lo || n > cur->f->hi) {
            return fail(cur, "%s is out of range %ld-%ld",
                        shown(s, len, buf, sizeof(buf)), cur->f->lo,
                        cur->f->hi);
        }
        *v = (int) n;
        return true;
    }
    while (cur->pos + len < cur->end
           && isalpha((unsigned char) s[len])) {
        len++;
    }
    if (len == 0) {
        return unexpected(cur);
    }
    cur->pos += len;
    for (int i = 0; cur->f->names != NULL && cur->f->names[i] != NULL; i++) {
        if (len == 3 && strncasecmp(s, cur->f->names[i], 3) == 0) {
            *v = cur->f->lo + i;
            return true;
        }
    }
    return fail(cur, cur->f->names != NULL ? "unknown name '%s'"
                                           : "'%s' is not a number",
                shown(s, len, buf, sizeof(buf)), 0, 0);
}

/* One list item: '*', a, a-b, with an optional /step after '*' or a-b. */
static bool
item(struct cursor *cur, uint64_t *bits)
{
    int    lo = cur->f->lo, hi = cur->f->hi, step = 1;
    bool   range = true;
    size_t at = cur->pos;

    if (cur->pos < cur->end && cur->expr[cur->pos] == '*') {
        cur->pos++;
    } else {
        if (!value(cur, &lo)) {
            return false;
        }
        hi = lo;
        range = false;
        if (cur->pos < cur->end && cur->expr[cur->pos] == '-') {
            cur->pos++;
            if (!value(cur, &hi)) {
                return false;
            }
            if (hi < lo) {
                char buf[64];

                return fail(cur, "range %s is backwards",
                            shown(cur->expr + at, cur->pos - at, buf,
                                  sizeof(buf)), 0, 0);
            }
            range = true;
        }
    }
    if (cur->pos < cur->end && cur->expr[cur->pos] == '/') {
        const char *s;
        long        n = 0;
        size_t      len = 0;
        char        buf[64];

        if (!range) {
            return fail(cur, "%sa step needs '*' or a range before it "
                        "(at byte %ld)", "", (long) cur->pos, 0);
        }
        s = cur->expr + ++cur->pos;
        while (cur->pos + len < cur->end
               && isdigit((unsigned char) s[len])) {
            n = n < 100000 ? n * 10 + (s[len] - '0') : n;
            len++;
        }
        if (len == 0) {
            return unexpected(cur);
        }
        cur->pos += len;
        if (n < 1 || n > cur->f->hi) {
            return fail(cur, "step %s is out of range 1-%ld",
                        shown(s, len, buf, sizeof(buf)), cur->f->hi, 0);
        }
        step = (int) n;
    }
    for (int v = lo; v <= hi; v += step) {
        *bits |= UINT64_C(1) << v;
    }
    return true;
}

static bool
field(struct cursor *cur, uint64_t *bits)
{
    *bits = 0;
    for (;;) {
        if (!item(cur, bits)) {
            return false;
        }
        if (cur->pos == cur->end) {
            return true;
        }
        if (cur->expr[cur->pos] != ',') {
            return unexpected(cur);
        }
        cur->pos++;
    }
}

static bool
parse_fields(const char *expr, size_t start, size_t end, struct sv_cron *c,
             char *err, size_t errlen)
{
    size_t   from[6], to[6], n = 0;
    uint64_t bits[5];

    for (size_t i = start; i < end;) {
        if (is_blank(expr[i])) {
            i++;
            continue;
        }
        if (n < 6) {
            from[n] = i;
        }
        while (i < end && !is_blank(expr[i])) {
            i++;
        }
        if (n < 6) {
            to[n] = i;
        }
        n++;
    }
    if (n != 5) {
        snprintf(err, errlen, "expected 5 fields (minute hour day-of-month "
                 "month day-of-week), got %zu", n);
        return false;
    }
    for (int i = 0; i < 5; i++) {
        struct cursor cur = { .expr = expr, .pos = from[i], .end = to[i],
                              .index = i, .f = &fields[i], .err = err,
                              .errlen = errlen };

        if (!field(&cur, &bits[i])) {
            return false;
        }
    }
    c->minutes = bits[0];
    c->hours = (uint32_t) bits[1];
    c->days = (uint32_t) bits[2];
    c->months = (uint16_t) bits[3];
    /* 7 is Sunday too. */
    c->weekdays = (uint8_t) ((bits[4] | bits[4] >> 7) & 0x7f);
    c->days_star = expr[from[2]] == '*';
    c->weekdays_star = expr[from[4]] == '*';
    return true;
}

bool
sv_cron_parse(const char *expr, struct sv_cron *c, char *err, size_t errlen)
{
    size_t start = 0, end = strlen(expr);
    char   buf[128];

    if (end > SV_CRON_MAX) {
        snprintf(err, errlen, "longer than %d bytes", SV_CRON_MAX);
        return false;
    }
    while (start < end && is_blank(expr[start])) {
        start++;
    }
    while (end > start && is_blank(expr[end - 1])) {
        end--;
    }
    if (start == end) {
        snprintf(err, errlen, "empty expression");
        return false;
    }
    if (expr[start] != '@') {
        return parse_fields(expr, start, end, c, err, errlen);
    }
    for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
        if (strlen(macros[i].name) == end - start
            && strncasecmp(expr + start, macros[i].name, end - start) == 0) {
            return parse_fields(macros[i].fields, 0, strlen(macros[i].fields),
                                c, err, errlen);
        }
    }
    snprintf(err, errlen, "unknown macro '%s' (known: @hourly @daily "
             "@midnight @weekly @monthly @yearly @annually)",
             shown(expr + start, end - start, buf, sizeof(buf)));
    return false;
}

/* --- run times ----------------------------------------------------------- */

static bool
day_matches(const struct sv_cron *c, int64_t days)
{
    int64_t y;
    int     m, d;
    bool    dom, dow;

    sv_civil_from_days(days, &y, &m, &d);
    if (!(c->months >> m & 1)) {
        return false;
    }
    dom = c->days >> d & 1;
    dow = c->weekdays >> sv_weekday(days) & 1;
    return c->days_star || c->weekdays_star ? dom && dow : dom || dow;
}

int64_t
sv_cron_next(const struct sv_cron *c, const struct sv_tz *tz,
             int64_t after)
{
    int64_t day, last_day;

    if (after >= LAST_INSTANT) {
        return SV_CRON_NEVER;
    }
    after = after < -1 ? -1 : after;
    /* Local times before after's own local day all run before it. */
    day = sv_floor_div(after + sv_tz_offset(tz, after), SV_CIVIL_DAY_S);
    last_day = sv_floor_div(LAST_INSTANT, SV_CIVIL_DAY_S) + 1;
    for (int64_t k = 0; k <= SV_CIVIL_CYCLE_DAYS && day + k <= last_day;
         k++) {
        if (!day_matches(c, day + k)) {
            continue;
        }
        for (int h = 0; h < 24; h++) {
            for (int m = 0; (c->hours >> h & 1) && m < 60; m++) {
                int64_t r;

                if (!(c->minutes >> m & 1)) {
                    continue;
                }
                r = sv_tz_resolve(tz, (day + k) * SV_CIVIL_DAY_S + h * 3600
                                      + m * 60);
                if (r > after) {
                    return r <= LAST_INSTANT ? r : SV_CRON_NEVER;
                }
            }
        }
    }
    return SV_CRON_NEVER;
}

size_t
sv_cron_next_n(const struct sv_cron *c, const struct sv_tz *tz,
               int64_t after, int64_t *out, size_t n)
{
    size_t i = 0;

    for (; i < n; i++) {
        after = sv_cron_next(c, tz, after);
        if (after == SV_CRON_NEVER) {
            break;
        }
        out[i] = after;
    }
    return i;
}
