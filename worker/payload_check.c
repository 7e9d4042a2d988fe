/*
 * Reading payload objects against a table (see payload_check.h).
 */

#include "payload_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_path.h"

/* Room for a member's name; longer ones are cut in reasons only. */
#define WHAT_MAX  160

bool
sv_payload_read(yajl_val obj, const char *prefix,
                const struct sv_payload_field *fields, size_t nfields,
                void *out, char *err, size_t errlen)
{
    const char *dot = prefix[0] != '\0' ? "." : "";
    char        what[WHAT_MAX];
    size_t      i;

    if (!YAJL_IS_OBJECT(obj)) {
        snprintf(err, errlen, "payload%s%s must be an object", dot, prefix);
        return false;
    }
    for (size_t k = 0; k < obj->u.object.len; k++) {
        const char *key = obj->u.object.keys[k];

        for (i = 0; i < nfields && strcmp(fields[i].name, key) != 0; i++) {
            /* void */
        }
        if (i == nfields) {
            snprintf(err, errlen, "payload: unknown field \"%s%s%.64s\"",
                     prefix, dot, key);
            return false;
        }
        snprintf(what, sizeof(what), "%s%s%s", prefix, dot, key);
        if (!fields[i].read(what, obj->u.object.values[k],
                            (char *) out + fields[i].offset, fields[i].arg,
                            err, errlen)) {
            return false;
        }
    }
    for (i = 0; i < nfields; i++) {
        const char *path[] = { fields[i].name, NULL };

        if (fields[i].required
            && yajl_tree_get(obj, path, yajl_t_any) == NULL) {
            snprintf(err, errlen, "payload.%s%s%s is required", prefix, dot,
                     fields[i].name);
            return false;
        }
    }
    return true;
}

bool
sv_payload_path(const char *what, yajl_val v, void *dst, const void *arg,
                char *err, size_t errlen)
{
    const char *suffix = arg;
    char        why[128];

    if (!YAJL_IS_STRING(v)) {
        snprintf(err, errlen, "payload.%s must be a string", what);
        return false;
    }
    if (!sv_path_relative_ok(YAJL_GET_STRING(v), why, sizeof(why))) {
        snprintf(err, errlen, "payload.%s: %s", what, why);
        return false;
    }
    if (suffix != NULL && !sv_path_has_suffix(YAJL_GET_STRING(v), suffix)) {
        snprintf(err, errlen, "payload.%s must end in %s", what, suffix);
        return false;
    }
    *(const char **) dst = YAJL_GET_STRING(v);
    return true;
}

bool
sv_payload_paths(const char *what, yajl_val v, void *dst, const void *arg,
                 char *err, size_t errlen)
{
    const struct sv_payload_range *count = arg;
    const char                    *path;
    char                           elem[WHAT_MAX + 24];

    if (!YAJL_IS_ARRAY(v) || (long long) v->u.array.len < count->min
        || (long long) v->u.array.len > count->max) {
        snprintf(err, errlen, "payload.%s must be an array of %lld..%lld "
                 "paths", what, count->min, count->max);
        return false;
    }
    for (size_t i = 0; i < v->u.array.len; i++) {
        snprintf(elem, sizeof(elem), "%s[%zu]", what, i);
        if (!sv_payload_path(elem, v->u.array.values[i], &path, NULL, err,
                             errlen)) {
            return false;
        }
    }
    *(yajl_val *) dst = v;
    return true;
}

bool
sv_payload_bool(const char *what, yajl_val v, void *dst, const void *arg,
                char *err, size_t errlen)
{
    (void) arg;
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
        snprintf(err, errlen, "payload.%s must be true or false", what);
        return false;
    }
    *(bool *) dst = YAJL_IS_TRUE(v);
    return true;
}

bool
sv_payload_integer(const char *what, yajl_val v, void *dst, const void *arg,
                   char *err, size_t errlen)
{
    const struct sv_payload_range *r = arg;

    if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < r->min
        || YAJL_GET_INTEGER(v) > r->max) {
        snprintf(err, errlen, "payload.%s must be an integer in %lld..%lld",
                 what, r->min, r->max);
        return false;
    }
    *(long long *) dst = YAJL_GET_INTEGER(v);
    return true;
}

bool
sv_payload_number(const char *what, yajl_val v, void *dst, const void *arg,
                  char *err, size_t errlen)
{
    const struct sv_payload_number *r = arg;
    double                          x;

    /* An integer too large for long long is still a double. */
    x = YAJL_IS_DOUBLE(v) ? YAJL_GET_DOUBLE(v)
        : YAJL_IS_INTEGER(v) ? (double) YAJL_GET_INTEGER(v) : NAN;

    /* Written so that NaN fails. */
    if (!((r->above_min ? x > r->min : x >= r->min) && x <= r->max)) {
        snprintf(err, errlen, r->above_min
                 ? "payload.%s must be a number %.15g < d <= %.15g"
                 : "payload.%s must be a number in %.15g..%.15g",
                 what, r->min, r->max);
        return false;
    }
    *(double *) dst = x;
    return true;
}

bool
sv_payload_text(const char *what, yajl_val v, void *dst, const void *arg,
                char *err, size_t errlen)
{
    const struct sv_payload_text *t = arg;
    const char                   *s = YAJL_GET_STRING(v);
    size_t                        len = s != NULL ? strlen(s) : 0;

    if (s == NULL || len < t->min || len > t->max) {
        if (t->min == 0) {
            snprintf(err, errlen, "payload.%s must be a string of at most "
                     "%zu bytes", what, t->max);
        } else {
            snprintf(err, errlen, "payload.%s must be a string of %zu..%zu "
                     "bytes", what, t->min, t->max);
        }
        return false;
    }
    for (size_t i = 0; t->plain && i < len; i++) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
            snprintf(err, errlen, "payload.%s has a control character",
                     what);
            return false;
        }
    }
    *(const char **) dst = s;
    return true;
}

bool
sv_payload_date(const char *what, yajl_val v, void *dst, const void *arg,
                char *err, size_t errlen)
{
    const char *s = YAJL_GET_STRING(v);
    bool        ok = s != NULL && strlen(s) == 10 && s[4] == '-'
                     && s[7] == '-';

    (void) arg;
    for (int i = 0; ok && i < 10; i++) {
        ok = i == 4 || i == 7 || (s[i] >= '0' && s[i] <= '9');
    }
    if (ok) {
        int month = atoi(s + 5), day = atoi(s + 8);

        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    if (!ok) {
        snprintf(err, errlen, "payload.%s must be YYYY-MM-DD", what);
        return false;
    }
    *(const char **) dst = s;
    return true;
}

bool
sv_payload_choice(const char *what, yajl_val v, void *dst, const void *arg,
                  char *err, size_t errlen)
{
    const char *const *choices = arg;
    const char        *s = YAJL_GET_STRING(v);
    size_t             len;

    for (size_t i = 0; s != NULL && choices[i] != NULL; i++) {
        if (strcmp(choices[i], s) == 0) {
            *(const char **) dst = s;
            return true;
        }
    }
    len = (size_t) snprintf(err, errlen, "payload.%s must be one of", what);
    for (size_t i = 0; choices[i] != NULL && len < errlen; i++) {
        len += (size_t) snprintf(err + len, errlen - len, "%s %s",
                                 i > 0 ? "," : "", choices[i]);
    }
    return false;
}

bool
sv_payload_object(const char *what, yajl_val v, void *dst, const void *arg,
                  char *err, size_t errlen)
{
    (void) arg;
    if (!YAJL_IS_OBJECT(v)) {
        snprintf(err, errlen, "payload.%s must be an object", what);
        return false;
    }
    *(yajl_val *) dst = v;
    return true;
}

bool
sv_payload_value(const char *what, yajl_val v, void *dst, const void *arg,
                 char *err, size_t errlen)
{
    const sv_payload_check_pt *check = arg;

    if (!(*check)(what, v, err, errlen)) {
        return false;
    }
    *(yajl_val *) dst = v;
    return true;
}
