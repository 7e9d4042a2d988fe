/*
 * Job JSON validation (see job_spec.h).
 */

#include "job_spec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_guard.h"
#include "random.h"

bool
sv_uuid_parse(const char *s, char out[SV_UUID_SIZE])
{
    for (size_t i = 0; i < SV_UUID_SIZE - 1; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !isxdigit((unsigned char) s[i])) {
            return false;
        }
        out[i] = (char) tolower((unsigned char) s[i]);
    }
    if (s[SV_UUID_SIZE - 1] != '\0') {
        return false;
    }
    out[SV_UUID_SIZE - 1] = '\0';
    return true;
}

int
sv_uuid_generate(char out[SV_UUID_SIZE])
{
    unsigned char b[16];

    if (sv_random_bytes(b, sizeof(b)) != 0) {
        return -1;
    }
    b[6] = (unsigned char) ((b[6] & 0x0f) | 0x40);     /* version 4 */
    b[8] = (unsigned char) ((b[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
    snprintf(out, SV_UUID_SIZE,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
             b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

static bool
int_in_range(yajl_val v, long long min, long long max, int *out)
{
    if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < min
        || YAJL_GET_INTEGER(v) > max) {
        return false;
    }
    *out = (int) YAJL_GET_INTEGER(v);
    return true;
}

static bool
take_deps(struct sv_job_spec *spec, yajl_val v, char *err, size_t errlen)
{
    if (!YAJL_IS_ARRAY(v)) {
        snprintf(err, errlen, "depends_on must be an array of job ids");
        return false;
    }
    if (v->u.array.len > SV_JOB_DEPS_MAX) {
        snprintf(err, errlen, "depends_on lists more than %d jobs",
                 SV_JOB_DEPS_MAX);
        return false;
    }
    for (size_t i = 0; i < v->u.array.len; i++) {
        yajl_val dep = v->u.array.values[i];

        if (!YAJL_IS_STRING(dep)
            || !sv_uuid_parse(YAJL_GET_STRING(dep), spec->deps[i])) {
            snprintf(err, errlen, "depends_on[%zu] is not a job id (a UUID)",
                     i);
            return false;
        }
    }
    spec->ndeps = v->u.array.len;
    return true;
}

/* One top-level member; false with the reason in err. */
static bool
take_member(struct sv_job_spec *spec, const char *key, yajl_val v,
            bool *seen_v, const char **type_name, char *err, size_t errlen)
{
    int version;

    if (strcmp(key, "v") == 0) {
        if (!int_in_range(v, 1, 1, &version)) {
            snprintf(err, errlen, "unsupported schema version (v must be 1)");
            return false;
        }
        *seen_v = true;
    } else if (strcmp(key, "type") == 0) {
        if (!YAJL_IS_STRING(v)) {
            snprintf(err, errlen, "type must be a string");
            return false;
        }
        *type_name = YAJL_GET_STRING(v);
    } else if (strcmp(key, "id") == 0) {
        if (!YAJL_IS_STRING(v) || !sv_uuid_parse(YAJL_GET_STRING(v), spec->id)) {
            snprintf(err, errlen, "id must be a UUID");
            return false;
        }
        spec->id_given = true;
    } else if (strcmp(key, "priority") == 0) {
        if (!int_in_range(v, 0, 9, &spec->priority)) {
            snprintf(err, errlen, "priority must be an integer in 0..9");
            return false;
        }
    } else if (strcmp(key, "max_attempts") == 0) {
        if (!int_in_range(v, 1, 20, &spec->max_attempts)) {
            snprintf(err, errlen, "max_attempts must be an integer in 1..20");
            return false;
        }
    } else if (strcmp(key, "depends_on") == 0) {
        return take_deps(spec, v, err, errlen);
    } else if (strcmp(key, "recording_id") == 0) {
        if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 1
            || YAJL_GET_INTEGER(v) > SV_RECORDING_ID_MAX) {
            snprintf(err, errlen, "recording_id must be a positive integer");
            return false;
        }
        spec->recording_id = YAJL_GET_INTEGER(v);
    } else if (strcmp(key, "payload") == 0) {
        if (!YAJL_IS_OBJECT(v)) {
            snprintf(err, errlen, "payload must be an object");
            return false;
        }
        spec->payload = v;
    } else {
        /* The key is hostile text: do not echo it unbounded. */
        snprintf(err, errlen, "unknown field \"%.64s\"", key);
        return false;
    }
    return true;
}

static bool
has_duplicate_keys(yajl_val obj)
{
    for (size_t i = 0; i < obj->u.object.len; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(obj->u.object.keys[i], obj->u.object.keys[j]) == 0) {
                return true;
            }
        }
    }
    return false;
}

static bool
validate_tree(struct sv_job_spec *spec, char *err, size_t errlen)
{
    yajl_val    root = spec->tree;
    bool        seen_v = false;
    const char *type_name = NULL;

    if (!YAJL_IS_OBJECT(root)) {
        snprintf(err, errlen, "a job must be a JSON object");
        return false;
    }
    if (has_duplicate_keys(root)) {
        snprintf(err, errlen, "a field appears twice");
        return false;
    }
    for (size_t i = 0; i < root->u.object.len; i++) {
        if (!take_member(spec, root->u.object.keys[i],
                         root->u.object.values[i], &seen_v, &type_name, err,
                         errlen)) {
            return false;
        }
    }
    if (!seen_v) {
        snprintf(err, errlen, "missing field \"v\" (the schema version, 1)");
        return false;
    }
    if (type_name == NULL) {
        snprintf(err, errlen, "missing field \"type\"");
        return false;
    }
    spec->type = sv_job_type_find(type_name);
    if (spec->type == NULL) {
        snprintf(err, errlen, "unknown job type \"%.64s\"", type_name);
        return false;
    }
    if (spec->type->needs_recording && spec->recording_id == 0) {
        snprintf(err, errlen, "a %s job needs recording_id", spec->type->name);
        return false;
    }
    for (size_t i = 0; i < spec->ndeps; i++) {
        if (spec->id_given && strcmp(spec->deps[i], spec->id) == 0) {
            snprintf(err, errlen, "a job cannot depend on itself");
            return false;
        }
    }

    /* A missing payload is an empty one. */
    if (spec->payload == NULL) {
        spec->empty_payload.type = yajl_t_object;
        spec->payload = &spec->empty_payload;
    }
    return spec->type->validate(spec->payload, err, errlen);
}

bool
sv_job_spec_parse(const char *text, size_t len, struct sv_job_spec *spec,
                  char *err, size_t errlen)
{
    char  parse_err[256];
    char       *copy;
    const char *unfit;

    memset(spec, 0, sizeof(*spec));
    spec->priority = SV_JOB_PRIORITY_DEFAULT;
    spec->max_attempts = SV_JOB_MAX_ATTEMPTS_DEFAULT;

    if (len > SV_JOB_SPEC_MAX) {
        snprintf(err, errlen, "too big: %zu bytes (at most %d)", len,
                 SV_JOB_SPEC_MAX);
        return false;
    }
    if ((unfit = sv_json_unfit_for_tree(text, len, SV_JOB_SPEC_DEPTH))
        != NULL) {
        snprintf(err, errlen, "malformed JSON: %s", unfit);
        return false;
    }

    copy = malloc(len + 1);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    parse_err[0] = '\0';
    spec->tree = yajl_tree_parse(copy, parse_err, sizeof(parse_err));
    free(copy);

    if (spec->tree == NULL) {
        /* yajl's message spans lines; keep the first. */
        parse_err[strcspn(parse_err, "\n")] = '\0';
        snprintf(err, errlen, "malformed JSON: %s", parse_err);
        return false;
    }
    if (!validate_tree(spec, err, errlen)) {
        sv_job_spec_free(spec);
        return false;
    }
    return true;
}

void
sv_job_spec_free(struct sv_job_spec *spec)
{
    yajl_tree_free(spec->tree);
    spec->tree = NULL;
    spec->payload = NULL;
}
