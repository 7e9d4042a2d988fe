/*
 * The job types this worker runs: one table row per type, pairing a payload
 * validator (pure, used at injection) with the handler (run when taken).
 * Adding a job type is one row in job_types.c.
 */

#ifndef SV_JOB_TYPES_H
#define SV_JOB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

/* What a handler gets besides its payload. */
struct sv_job_run {
    const char  *id;
    unsigned     attempt;           /* 1 for the first run */
    /* Called at least every few hundred ms while a handler waits or works:
     * extends the lease; false means stop now (shutdown or lease lost). */
    bool       (*keep_alive)(void *ctx);
    void        *ctx;
};

struct sv_job_type {
    const char  *name;
    /* payload is the "payload" member (an object, maybe empty). */
    bool       (*validate)(yajl_val payload, char *err, size_t errlen);
    /* 0 on success, -1 with the reason in err. */
    int        (*run)(yajl_val payload, const struct sv_job_run *run,
                      char *err, size_t errlen);
};

/* The type called name, NULL if this worker has no handler for it. */
const struct sv_job_type *sv_job_type_find(const char *name);

#endif /* SV_JOB_TYPES_H */
