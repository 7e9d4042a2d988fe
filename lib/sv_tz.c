/*
 * Time zones from TZif files and their POSIX TZ footer (see sv_tz.h).
 */

#include "sv_tz.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sv_civil_time.h"

/* A hostile byte made printable for an error: ASCII as is, else \xNN. */
static const char *
shown_byte(unsigned char c, char *buf, size_t size)
{
    snprintf(buf, size, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02X", c);
    return buf;
}

#define DAY_S           SV_CIVIL_DAY_S
#define TZ_FILE_MAX     65536
#define TZ_TRANSITIONS  1000            /* the fattest zone has ~310 */
#define TZ_TYPES        256

/* A POSIX TZ rule date "Mm.w.d/time": week 5 is the last. */
struct rule_date {
    int     month, week, wday;
    int32_t time;                       /* seconds after local midnight */
};

struct sv_tz {
    size_t           transitions;
    int64_t          at[TZ_TRANSITIONS];
    uint8_t          type[TZ_TRANSITIONS];
    int32_t          utoff[TZ_TYPES];   /* east positive */
    /* After the last transition (and for all time in "UTC"): the footer. */
    bool             has_rule, has_dst;
    int32_t          std_off, dst_off;
    struct rule_date start, end;
};

/* "<+0330>" or "CET": a zone abbreviation. */
static bool
tz_abbr(const char **p)
{
    const char *s = *p;

    if (*s == '<') {
        s = strchr(s, '>');
        if (s == NULL || s - *p < 2) {
            return false;
        }
        *p = s + 1;
        return true;
    }
    while (isalpha((unsigned char) *s)) {
        s++;
    }
    if (s - *p < 3) {
        return false;
    }
    *p = s;
    return true;
}

/* Up to 3 digits at *p as a number at most max. */
static bool
tz_number(const char **p, int max, int *v)
{
    const char *s = *p;

    *v = 0;
    while (isdigit((unsigned char) *s) && s - *p < 3) {
        *v = *v * 10 + (*s++ - '0');
    }
    if (s == *p || isdigit((unsigned char) *s) || *v > max) {
        return false;
    }
    *p = s;
    return true;
}

/* [+-]h[h][:mm[:ss]], hours at most max_h; seconds in *v. */
static bool
tz_hms(const char **p, int max_h, int32_t *v)
{
    const char *s = *p;
    int         sign = 1, h, m = 0, sec = 0;

    if (*s == '+' || *s == '-') {
        sign = *s++ == '-' ? -1 : 1;
    }
    if (!tz_number(&s, max_h, &h)) {
        return false;
    }
    if (*s == ':' && (s++, !tz_number(&s, 59, &m))) {
        return false;
    }
    if (*s == ':' && (s++, !tz_number(&s, 59, &sec))) {
        return false;
    }
    *v = sign * (h * 3600 + m * 60 + sec);
    *p = s;
    return true;
}

static bool
tz_rule_date(const char **p, struct rule_date *r)
{
    const char *s = *p;

    if (*s++ != 'M' || !tz_number(&s, 12, &r->month) || r->month < 1
        || *s++ != '.' || !tz_number(&s, 5, &r->week) || r->week < 1
        || *s++ != '.' || !tz_number(&s, 6, &r->wday)) {
        return false;
    }
    r->time = 7200;
    if (*s == '/') {
        s++;
        if (!tz_hms(&s, 167, &r->time)) {
            return false;
        }
    }
    *p = s;
    return true;
}

/* The footer: "std offset [dst [offset] ,start,end]" (only "M" dates, the
 * only kind tzdata writes). Empty: no rule. */
static bool
tz_footer(struct sv_tz *tz, const char *s)
{
    int32_t west;

    if (*s == '\0') {
        return true;
    }
    if (!tz_abbr(&s) || !tz_hms(&s, 24, &west)) {
        return false;
    }
    tz->has_rule = true;
    tz->std_off = tz->dst_off = -west;
    if (*s == '\0') {
        return true;
    }
    if (!tz_abbr(&s)) {
        return false;
    }
    tz->has_dst = true;
    tz->dst_off = tz->std_off + 3600;
    if (*s != ',') {
        if (!tz_hms(&s, 24, &west)) {
            return false;
        }
        tz->dst_off = -west;
    }
    return *s++ == ',' && tz_rule_date(&s, &tz->start) && *s++ == ','
           && tz_rule_date(&s, &tz->end) && *s == '\0';
}

/* The day (since the epoch) a rule date falls on in year y. */
static int64_t
rule_day(const struct rule_date *r, int64_t y)
{
    int64_t first = sv_days_from_civil(y, r->month, 1);
    int     d = 1 + (r->wday - sv_weekday(first) + 7) % 7 + (r->week - 1) * 7;

    while (d > sv_days_in_month(y, r->month)) {
        d -= 7;
    }
    return first + d - 1;
}

static int32_t
rule_offset(const struct sv_tz *tz, int64_t t)
{
    int64_t y, start, end;
    int     m, d;

    if (!tz->has_dst) {
        return tz->std_off;
    }
    sv_civil_from_days(sv_floor_div(t + tz->std_off, DAY_S), &y, &m, &d);
    /* Each change happens at a local time of the offset it ends. */
    start = rule_day(&tz->start, y) * DAY_S + tz->start.time - tz->std_off;
    end = rule_day(&tz->end, y) * DAY_S + tz->end.time - tz->dst_off;
    if (start < end) {
        return t >= start && t < end ? tz->dst_off : tz->std_off;
    }
    return t >= end && t < start ? tz->std_off : tz->dst_off;
}

int32_t
sv_tz_offset(const struct sv_tz *tz, int64_t t)
{
    size_t lo = 0, hi = tz->transitions;

    /* Far beyond any calendar, but no overflow in the arithmetic below. */
    t = t < -(INT64_C(1) << 56) ? -(INT64_C(1) << 56)
        : t > INT64_C(1) << 56 ? INT64_C(1) << 56 : t;
    if (tz->has_rule && (hi == 0 || t >= tz->at[hi - 1])) {
        return rule_offset(tz, t);
    }
    if (hi == 0 || t < tz->at[0]) {
        return tz->utoff[0];
    }
    /* The last transition at or before t. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (tz->at[mid] <= t) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return tz->utoff[tz->type[lo]];
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
    return (int64_t) ((uint64_t) be32(p) << 32 | be32(p + 4));
}

/* The counts of a TZif header at p, and the size of its data block with
 * time_size-byte times; false when p is no header. */
static bool
tzif_header(const unsigned char *p, size_t avail, size_t time_size,
            uint32_t count[6], size_t *size)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        count[i] = be32(p + 20 + 4 * i);
        if (count[i] > TZ_FILE_MAX) {
            return false;
        }
    }
    /* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
    *size = 44 + count[3] * (time_size + 1) + count[4] * 6 + count[5]
            + count[2] * (time_size + 4) + count[1] + count[0];
    return *size <= avail;
}

static bool
tzif_parse(struct sv_tz *tz, const unsigned char *p, size_t len,
           char *err, size_t errlen)
{
    uint32_t             count[6];
    size_t               size, n;
    const unsigned char *d, *types;
    char                 footer[128];
    const char          *nl;

    if (!tzif_header(p, len, 4, count, &size) || p[4] < '2') {
        snprintf(err, errlen, "not a TZif version 2+ file");
        return false;
    }
    p += size;
    len -= size;
    if (!tzif_header(p, len, 8, count, &size) || count[4] == 0
        || count[4] > TZ_TYPES || count[3] > TZ_TRANSITIONS) {
        snprintf(err, errlen, "a broken or oversized TZif file");
        return false;
    }
    if (count[2] != 0) {
        snprintf(err, errlen, "zones with leap seconds are not supported");
        return false;
    }
    n = count[3];
    d = p + 44;
    types = d + n * 8 + n;
    for (size_t i = 0; i < count[4]; i++) {
        int32_t off = (int32_t) be32(types + 6 * i);

        if (off < -89999 || off > 93599) {
            snprintf(err, errlen, "a UTC offset out of range");
            return false;
        }
        tz->utoff[i] = off;
    }
    for (size_t i = 0; i < n; i++) {
        tz->at[i] = be64(d + 8 * i);
        tz->type[i] = d[n * 8 + i];
        if (tz->type[i] >= count[4] || (i > 0 && tz->at[i] <= tz->at[i - 1])) {
            snprintf(err, errlen, "a broken TZif transition table");
            return false;
        }
    }
    tz->transitions = n;
    /* The footer: "\n<POSIX TZ>\n" right after the data. */
    p += size;
    len -= size;
    nl = len > 1 && p[0] == '\n' ? memchr(p + 1, '\n', len - 1) : NULL;
    if (nl == NULL || (size_t) (nl - (const char *) p) > sizeof(footer)) {
        snprintf(err, errlen, "a TZif file without its footer");
        return false;
    }
    memcpy(footer, p + 1, (size_t) (nl - (const char *) p) - 1);
    footer[nl - (const char *) p - 1] = '\0';
    if (!tz_footer(tz, footer)) {
        snprintf(err, errlen, "an unsupported TZ rule in the TZif footer");
        return false;
    }
    return true;
}

static bool
tz_name_ok(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);

    if (len == 0 || len > SV_TZ_NAME_MAX) {
        snprintf(err, errlen, "a time zone name must be 1-%d bytes",
                 SV_TZ_NAME_MAX);
        return false;
    }
    if (name[0] == '/') {
        snprintf(err, errlen, "a time zone name must not start with '/'");
        return false;
    }
    if (strstr(name, "..") != NULL) {
        snprintf(err, errlen, "a time zone name must not contain '..'");
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i], buf[8];

        if (!isalnum((unsigned char) c) && strchr("/_+-", c) == NULL) {
            snprintf(err, errlen, "unexpected '%s' at byte %zu of the time "
                     "zone name",
                     shown_byte((unsigned char) c, buf, sizeof(buf)), i);
            return false;
        }
        if (c == '/' && (name[i + 1] == '/' || name[i + 1] == '\0')) {
            snprintf(err, errlen, "an empty part at byte %zu of the time "
                     "zone name", i + 1);
            return false;
        }
    }
    return true;
}

/* The zone file's bytes into buf; its length, or -1 with the reason. */
static ssize_t
tz_read(const char *name, unsigned char *buf, char *err, size_t errlen)
{
    char        path[sizeof(SV_TZ_ZONEINFO) + SV_TZ_NAME_MAX + 1];
    struct stat st;
    ssize_t     len = 0, got;
    int         fd;

    snprintf(path, sizeof(path), "%s/%s", SV_TZ_ZONEINFO, name);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "unknown time zone '%s'", name);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    do {
        got = read(fd, buf + len, TZ_FILE_MAX + 1 - (size_t) len);
        len += got > 0 ? got : 0;
    } while ((got > 0 || (got < 0 && errno == EINTR)) && len <= TZ_FILE_MAX);
    close(fd);
    if (got < 0 || len > TZ_FILE_MAX) {
        snprintf(err, errlen, "time zone '%s': %s", name,
                 got < 0 ? strerror(errno) : "file too large");
        return -1;
    }
    return len;
}

struct sv_tz *
sv_tz_load(const char *name, char *err, size_t errlen)
{
    struct sv_tz  *tz;
    unsigned char *buf;
    ssize_t        len;
    char           why[128];

    if (!tz_name_ok(name, err, errlen)) {
        return NULL;
    }
    tz = calloc(1, sizeof(*tz));
    if (tz == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* UTC needs no file: containers without tzdata still schedule. */
    if (strcmp(name, "UTC") == 0) {
        return tz;
    }
    buf = malloc(TZ_FILE_MAX + 1);
    len = buf != NULL ? tz_read(name, buf, err, errlen) : -1;
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
    } else if (len >= 0
               && !tzif_parse(tz, buf, (size_t) len, why, sizeof(why))) {
        snprintf(err, errlen, "time zone '%s': %s", name, why);
        len = -1;
    }
    free(buf);
    if (len < 0) {
        free(tz);
        return NULL;
    }
    return tz;
}

void
sv_tz_free(struct sv_tz *tz)
{
    free(tz);
}

bool
sv_tz_check(const char *name, char *err, size_t errlen)
{
    struct sv_tz *tz = sv_tz_load(name, err, errlen);

    sv_tz_free(tz);
    return tz != NULL;
}

int64_t
sv_tz_resolve(const struct sv_tz *tz, int64_t w)
{
    /* At most one change near w: the offsets a day either side. */
    int32_t before = sv_tz_offset(tz, w - DAY_S);
    int32_t after = sv_tz_offset(tz, w + DAY_S);
    int32_t big = before > after ? before : after;
    int32_t small = before > after ? after : before;
    int64_t lo, hi;

    if (sv_tz_offset(tz, w - big) == big) {
        return w - big;                 /* the earlier of two, or the one */
    }
    if (sv_tz_offset(tz, w - small) == small) {
        return w - small;
    }
    /* In a gap: the change lies in (w - big, w - small]; find it. */
    lo = w - big;
    hi = w - small;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;

        if (sv_tz_offset(tz, mid) == sv_tz_offset(tz, lo)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return hi;
}
