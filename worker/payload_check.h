/*
 * Reading a job's payload: one table per object says which members it may
 * have, which it must have, how each is checked and where it is stored.
 * Reasons name the member ("payload.<what> ...", what like "episode.file"
 * or "images[0].path"), so a refused job says what to fix.
 */

#ifndef SV_PAYLOAD_CHECK_H
#define SV_PAYLOAD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

/* Checks v, the member what, and stores it at dst; false with the reason. */
typedef bool sv_payload_read_t(const char *what, yajl_val v, void *dst,
                               const void *arg, char *err, size_t errlen);

/* A check of a raw value, for what the readers below do not cover. */
typedef bool (*sv_payload_check_pt)(const char *what, yajl_val v, char *err,
                                    size_t errlen);

/* One member of a payload object: its name, whether it must be there, how
 * it is checked and where it is stored. */
struct sv_payload_field {
    const char         *name;
    bool                required;
    sv_payload_read_t  *read;
    size_t              offset;     /* of the destination in out */
    const void         *arg;        /* what read needs, see each reader */
};

/* Checks every member of obj against fields (an unknown member, a wrong one
 * or a missing required one fails with a reason naming it) and stores each
 * into out; members absent are left as they were. prefix: obj's own name
 * ("" for the payload, "episode", "images[0]"). */
bool sv_payload_read(yajl_val obj, const char *prefix,
                     const struct sv_payload_field *fields, size_t nfields,
                     void *out, char *err, size_t errlen);

struct sv_payload_range {
    long long  min, max;
};

struct sv_payload_number {
    double     min, max;
    bool       above_min;           /* min < x rather than min <= x */
};

struct sv_payload_text {
    size_t     min, max;            /* bytes */
    bool       plain;               /* no control characters */
};

/*
 * The readers; dst and arg are:
 *   path     const char *, a safe relative path (sv_path_relative_ok);
 *            arg: the suffix it must end in, or NULL
 *   paths    yajl_val, an array of such paths;
 *            arg: struct sv_payload_range, how many
 *   bool     bool, true or false; arg: NULL
 *   integer  long long; arg: struct sv_payload_range
 *   number   double, an integer or not; arg: struct sv_payload_number
 *   text     const char *; arg: struct sv_payload_text
 *   date     const char *, YYYY-MM-DD, month 01-12, day 01-31; arg: NULL
 *   choice   const char *; arg: a NULL-terminated array of the strings
 *            allowed
 *   object   yajl_val, an object (to read with its own table); arg: NULL
 *   value    yajl_val; arg: sv_payload_check(fn), fn checks it
 */
sv_payload_read_t sv_payload_path, sv_payload_paths, sv_payload_bool,
                  sv_payload_integer, sv_payload_number, sv_payload_text,
                  sv_payload_date, sv_payload_choice, sv_payload_object,
                  sv_payload_value;

/* The arg of a table entry, as a constant a static table can hold. */
#define sv_payload_range(lo, hi)                                              \
    (&(const struct sv_payload_range) { (lo), (hi) })
#define sv_payload_check(fn)  (&(const sv_payload_check_pt) { (fn) })

#define sv_payload_nfields(a)  (sizeof(a) / sizeof((a)[0]))

#endif /* SV_PAYLOAD_CHECK_H */
