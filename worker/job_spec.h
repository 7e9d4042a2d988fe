/*
 * Job JSON, schema v1: the text external programs LPUSH onto
 * streamvault:inbox. Pure validation; every input is hostile.
 *
 *   {"v":1, "type":"noop", "id":"<uuid, optional>", "priority":0..9 (5),
 *    "max_attempts":1..20 (5), "depends_on":["<uuid>",...],
 *    "recording_id":<the recording it works on, optional>, "payload":{...}}
 *
 * At most SV_JOB_SPEC_MAX bytes, nesting at most SV_JOB_SPEC_DEPTH deep,
 * unknown top-level fields and types without a handler are refused.
 */

#ifndef SV_JOB_SPEC_H
#define SV_JOB_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

#include "job_types.h"

#define SV_JOB_SPEC_MAX       65536
#define SV_JOB_SPEC_DEPTH     32
#define SV_JOB_DEPS_MAX       64
#define SV_UUID_SIZE          37    /* 36 characters and NUL */
#define SV_JOB_PRIORITY_DEFAULT      5
#define SV_JOB_MAX_ATTEMPTS_DEFAULT  5
#define SV_RECORDING_ID_MAX   9007199254740991LL  /* 2^53 - 1: exact in JSON */

struct sv_job_spec {
    yajl_val                   tree;       /* owns everything below */
    const struct sv_job_type  *type;
    char                       id[SV_UUID_SIZE];   /* lowercase */
    bool                       id_given;
    int                        priority;
    int                        max_attempts;
    size_t                     ndeps;
    char                       deps[SV_JOB_DEPS_MAX][SV_UUID_SIZE];
    long long                  recording_id;   /* 0: none */
    yajl_val                   payload;    /* an object, maybe empty */
    struct yajl_val_s          empty_payload;  /* when none was given */
};

/*
 * Parses and validates text[0..len). On success fills spec (free it with
 * sv_job_spec_free) and returns true; a missing id stays empty (id_given
 * false) for the caller to generate. Otherwise false with a reason fit for
 * the rejected list in err.
 */
bool sv_job_spec_parse(const char *text, size_t len, struct sv_job_spec *spec,
                       char *err, size_t errlen);

void sv_job_spec_free(struct sv_job_spec *spec);

/* 8-4-4-4-12 hexadecimal digits; copies the lowercase form into out. */
bool sv_uuid_parse(const char *s, char out[SV_UUID_SIZE]);

/* A random (version 4) UUID; -1 if the kernel gave no randomness. */
int sv_uuid_generate(char out[SV_UUID_SIZE]);

#endif /* SV_JOB_SPEC_H */
