/*
 * Running a handler in a child process, so that a crash or a hang inside it
 * (libav on a corrupt file) fails that job and nothing else.
 *
 * The child starts with default signal handling and closes the worker's
 * Redis and PostgreSQL sockets (without a word on them: they stay the
 * parent's), runs the handler and reports its outcome over a pipe. The
 * parent keeps the lease alive through run->keep_alive meanwhile, and:
 *   - a child killed by a signal fails the job: "crashed: signal 11 (...)";
 *   - past the time limit it is killed: "timed out after N s";
 *   - when keep_alive says stop (shutdown, lease lost) the child gets
 *     SIGTERM, then SIGKILL after a grace; the result is -1 "interrupted".
 * The child is always reaped before this returns.
 */

#ifndef SV_JOB_ISOLATE_H
#define SV_JOB_ISOLATE_H

#include "job_types.h"

/* The fds the child must not keep (the parent's connections). */
struct sv_job_isolate_fds {
    const int  *fds;
    size_t      count;
};

/* Like type->run: 0 on success, -1 with the reason in err. */
int sv_job_isolate_run(const struct sv_job_type *type, yajl_val payload,
                       const struct sv_job_run *run,
                       const struct sv_job_isolate_fds *close_in_child,
                       char *err, size_t errlen);

#endif /* SV_JOB_ISOLATE_H */
