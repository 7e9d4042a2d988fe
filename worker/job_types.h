/*
 * The job types this worker runs: one table row per type, pairing a payload
 * validator (pure, used at injection) with the handler (run when taken).
 * Adding a job type is one row in job_types.c.
 *
 * A type marked isolated runs its handler in a child process (job_isolate.h)
 * so that a crash or hang inside it (libav on a corrupt file) fails the job,
 * not the worker; its time limit is time_limit_s, or what time_limit_for
 * says for a payload.
 */

#ifndef SV_JOB_TYPES_H
#define SV_JOB_TYPES_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

struct sv_queue;
struct sv_recorder;

/* What a handler gets besides its payload. */
struct sv_job_run {
    const char  *id;
    unsigned     attempt;           /* 1 for the first run */
    long long    recording_id;      /* the job's recording_id, 0: none */
    /* The worker's connections, for handlers that are not isolated (NULL
     * in a child): PostgreSQL, and the queue to submit jobs to. */
    PGconn             *pg;
    struct sv_queue    *queue;
    struct sv_recorder *recorder;   /* the worker's recordings */
    /* Called at least every few hundred ms while a handler waits or works:
     * extends the lease; false means stop now (shutdown or lease lost). */
    bool       (*keep_alive)(void *ctx);
    void        *ctx;
    /* How far the handler is, 0..100; cheap to call often (the record is
     * written at most once a second). */
    void       (*progress)(void *ctx, unsigned percent);
};

struct sv_job_type {
    const char  *name;
    /* payload is the "payload" member (an object, maybe empty). */
    bool       (*validate)(yajl_val payload, char *err, size_t errlen);
    /* 0 on success, -1 with the reason in err. */
    int        (*run)(yajl_val payload, const struct sv_job_run *run,
                      char *err, size_t errlen);
    bool         isolated;
    bool         needs_recording;   /* refused without a recording_id */
    unsigned     time_limit_s;      /* isolated: 0 means the default */
    /* Optional, isolated: the limit for this payload (0: time_limit_s). */
    unsigned   (*time_limit_for)(yajl_val payload);
};

/* The time limit of an isolated type when it names none. */
#define SV_JOB_DEFAULT_TIME_LIMIT_S  3600

/* The time limit of one isolated run of type with payload. */
unsigned sv_job_type_time_limit(const struct sv_job_type *type,
                                yajl_val payload);

/* The type called name, NULL if this worker has no handler for it. */
const struct sv_job_type *sv_job_type_find(const char *name);

#endif /* SV_JOB_TYPES_H */
