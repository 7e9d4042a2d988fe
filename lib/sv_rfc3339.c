/*
 * RFC 3339 time stamps (see sv_rfc3339.h).
 */

#include "sv_rfc3339.h"

#include <string.h>

#include "sv_civil_time.h"

/* n digits at *p as a number in lo..hi, *p moved past them; -1 if not */
static int
digits(const char **p, const char *end, int n, int lo, int hi)
{
    int v = 0;

    if (end - *p < n) {
        return -1;
    }
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') {
            return -1;
        }
        v = v * 10 + (**p - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

/* one of the characters of set at *p, *p moved past it */
static int
expect(const char **p, const char *end, const char *set)
{
    return *p < end && **p != '\0' && strchr(set, **p) != NULL && ++*p;
}

int
sv_rfc3339_parse(const char *s, size_t len, int64_t *t)
{
    const char *p = s, *end = s + len;
    int         y, mo, d, h, mi, sec, oh, om, sign, frac;

    if (len > SV_RFC3339_MAX) {
        return -1;
    }
    if ((y = digits(&p, end, 4, 0, 9999)) < 0 || !expect(&p, end, "-")
        || (mo = digits(&p, end, 2, 1, 12)) < 0 || !expect(&p, end, "-")
        || (d = digits(&p, end, 2, 1, 31)) < 0
        || d > sv_days_in_month(y, mo)
        || !expect(&p, end, "Tt")
        || (h = digits(&p, end, 2, 0, 23)) < 0 || !expect(&p, end, ":")
        || (mi = digits(&p, end, 2, 0, 59)) < 0 || !expect(&p, end, ":")
        || (sec = digits(&p, end, 2, 0, 60)) < 0)
    {
        return -1;
    }
    if (p < end && *p == '.') {
        for (p++, frac = 0; p < end && *p >= '0' && *p <= '9'; p++) {
            frac++;
        }
        if (frac < 1 || frac > 9) {
            return -1;
        }
    }
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
        oh = om = sign = 0;
    } else if (p < end && (*p == '+' || *p == '-')) {
        sign = *p++ == '+' ? 1 : -1;
        if ((oh = digits(&p, end, 2, 0, 23)) < 0 || !expect(&p, end, ":")
            || (om = digits(&p, end, 2, 0, 59)) < 0)
        {
            return -1;
        }
    } else {
        return -1;
    }
    if (p != end) {
        return -1;
    }
    *t = sv_days_from_civil(y, mo, d) * SV_CIVIL_DAY_S
         + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    return 0;
}
