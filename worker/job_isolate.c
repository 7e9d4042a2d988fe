/*
 * A handler in a child process (see job_isolate.h).
 */

#include "job_isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "signals.h"

/* keep_alive runs at least this often; a child's end is noticed at once
 * (the pipe closes), its exit status within EXIT_POLL_MS after that. */
#define SLICE_MS         200
#define EXIT_POLL_MS     5
#define STOP_GRACE_MS    5000
#define OUTCOME_ERR_MAX  512

/* The child's reports: any number of progress records, then one result.
 * Fixed size and written whole (below PIPE_BUF: a single write that
 * cannot interleave or tear). */
enum record_kind { RECORD_PROGRESS = 1, RECORD_RESULT = 2 };

struct record {
    int32_t  kind;
    int32_t  value;                 /* percent, or the handler's 0 / -1 */
    char     err[OUTCOME_ERR_MAX];
};

struct child {
    const struct sv_job_run  *run;
    pid_t                     pid;
    int                       fd;       /* the pipe's read end; -1 at EOF */
    struct record             rec;      /* being read */
    size_t                    got;
    bool                      have_result;
    bool                      reaped;
    int                       status;
};

/* --- the child ---------------------------------------------------------- */

static pid_t parent_pid;
static int   sent_percent = -1;

/* Nothing to extend from here; stop if the worker is gone. */
static bool
parent_alive(void *ctx)
{
    (void) ctx;
    return getppid() == parent_pid;
}

/* Progress goes to the parent when it changes (handlers may report on
 * every packet); a full pipe (a busy parent) drops it: it is advisory. */
static void
send_progress(void *ctx, unsigned percent)
{
    const int     *out_fd = ctx;
    struct record  rec = { .kind = RECORD_PROGRESS,
                           .value = (int32_t) percent };

    if ((int) percent != sent_percent
        && write(*out_fd, &rec, sizeof(rec)) == (ssize_t) sizeof(rec)) {
        sent_percent = (int) percent;
    }
}

/* Undoes what the worker set up for itself: its handlers only set flags
 * the child never reads, and its blocked signals would make the child
 * deaf to SIGTERM. Cores of a big process crashing on bad input would
 * fill the disk. */
static void
reset_process_state(void)
{
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    struct rlimit    no_core = { 0, 0 };
    sigset_t         none;

    for (int signo = 1; signo < NSIG; signo++) {
        sigaction(signo, &dfl, NULL);    /* fails for KILL, STOP: fine */
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setrlimit(RLIMIT_CORE, &no_core);
    /* The recorder's engine is the parent's: a child never drives it. */
    sv_wait_set_driver(NULL, NULL);
}

/* Never returns; _exit, so nothing of the parent's (stdio buffers, atexit
 * handlers, sanitizer leak checks of its memory) runs here. */
__attribute__((noreturn)) static void
run_child(const struct sv_job_type *type, yajl_val payload,
          const struct sv_job_run *run,
          const struct sv_job_isolate_fds *close_in_child, int out_fd)
{
    struct record         rec = { .kind = RECORD_RESULT };
    struct sv_job_run     child_run = *run;

    reset_process_state();
    for (size_t i = 0; i < close_in_child->count; i++) {
        if (close_in_child->fds[i] >= 0) {
            close(close_in_child->fds[i]);
        }
    }

    child_run.keep_alive = parent_alive;
    child_run.progress = send_progress;
    child_run.ctx = &out_fd;
    rec.value = type->run(payload, &child_run, rec.err, sizeof(rec.err)) == 0
                ? 0 : -1;
    rec.err[sizeof(rec.err) - 1] = '\0';

    _exit(write(out_fd, &rec, sizeof(rec)) == (ssize_t) sizeof(rec)
          ? 0 : 1);
}

/* --- the parent ---------------------------------------------------------- */

static bool
reap(struct child *c)
{
    if (!c->reaped && waitpid(c->pid, &c->status, WNOHANG) == c->pid) {
        c->reaped = true;
    }
    return c->reaped;
}

static void
reap_blocking(struct child *c)
{
    while (!c->reaped) {
        if (waitpid(c->pid, &c->status, 0) == c->pid || errno != EINTR) {
            c->reaped = true;
        }
    }
}

/* A whole record: progress is passed on, the result kept. */
static void
take_record(struct child *c)
{
    c->got = 0;
    if (c->rec.kind == RECORD_PROGRESS && c->run->progress != NULL
        && c->rec.value >= 0) {
        c->run->progress(c->run->ctx, (unsigned) c->rec.value);
    } else if (c->rec.kind == RECORD_RESULT) {
        c->rec.err[sizeof(c->rec.err) - 1] = '\0';
        c->have_result = true;
    }
}

/* Reads what the pipe has; closes it at EOF (or when nothing more can
 * come: the result is in, or the read failed). Returns whether bytes came. */
static bool
read_outcome(struct child *c)
{
    ssize_t n = read(c->fd, (char *) &c->rec + c->got,
                     sizeof(c->rec) - c->got);

    if (n > 0) {
        c->got += (size_t) n;
        if (c->got == sizeof(c->rec)) {
            take_record(c);
        }
    }
    if (n == 0 || c->have_result
        || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        close(c->fd);
        c->fd = -1;
    }
    return n > 0;
}

/* Waits up to ms for the pipe or the child's end; true once reaped. */
static bool
wait_step(struct child *c, int64_t ms)
{
    if (c->fd >= 0) {
        if (sv_wait_fd(c->fd, POLLIN, ms) > 0) {
            read_outcome(c);
        }
    } else {
        sv_wait_fd(-1, 0, ms < EXIT_POLL_MS ? ms : EXIT_POLL_MS);
    }
    return reap(c);
}

/* SIGTERM, then SIGKILL after the grace. */
static void
stop_child(struct child *c)
{
    int64_t end = sv_monotonic_ms() + STOP_GRACE_MS;

    kill(c->pid, SIGTERM);
    while (!reap(c) && sv_monotonic_ms() < end) {
        sv_wait_fd(-1, 0, EXIT_POLL_MS);
    }
    if (!c->reaped) {
        kill(c->pid, SIGKILL);
        reap_blocking(c);
    }
}

enum ending { ENDED, TIMED_OUT, STOPPED };

static int
outcome(struct child *c, enum ending how, unsigned limit_s, char *err,
        size_t errlen)
{
    if (how == STOPPED) {
        snprintf(err, errlen, "interrupted");
    } else if (how == TIMED_OUT) {
        snprintf(err, errlen, "timed out after %u s", limit_s);
    } else if (WIFSIGNALED(c->status)) {
        int signo = WTERMSIG(c->status);

        snprintf(err, errlen, "crashed: signal %d (%s)", signo,
                 strsignal(signo));
    } else if (WEXITSTATUS(c->status) != 0 || !c->have_result) {
        snprintf(err, errlen, "exited with status %d before reporting a "
                 "result", WEXITSTATUS(c->status));
    } else {
        if (c->rec.value != 0) {
            snprintf(err, errlen, "%s", c->rec.err);
        }
        return c->rec.value == 0 ? 0 : -1;
    }
    return -1;
}

int
sv_job_isolate_run(const struct sv_job_type *type, yajl_val payload,
                   const struct sv_job_run *run,
                   const struct sv_job_isolate_fds *close_in_child,
                   char *err, size_t errlen)
{
    unsigned      limit_s = sv_job_type_time_limit(type, payload);
    int64_t       deadline = sv_monotonic_ms() + (int64_t) limit_s * 1000;
    enum ending   how = ENDED;
    struct child  c = { .run = run };
    int           pipe_fds[2];

    /* Non-blocking: a grandchild keeping the write end open must not make
     * the parent wait on it after the child is gone. */
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "cannot make the job's pipe: %s",
                 strerror(errno));
        return -1;
    }
    parent_pid = getpid();
    c.pid = fork();
    if (c.pid < 0) {
        snprintf(err, errlen, "cannot start the job's process: %s",
                 strerror(errno));
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        return -1;
    }
    if (c.pid == 0) {
        close(pipe_fds[0]);
        run_child(type, payload, run, close_in_child, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    c.fd = pipe_fds[0];

    for (;;) {
        int64_t left = deadline - sv_monotonic_ms();

        if (wait_step(&c, left < SLICE_MS ? left : SLICE_MS)) {
            break;
        }
        if (!run->keep_alive(run->ctx)) {
            stop_child(&c);
            how = STOPPED;
            break;
        }
        if (sv_monotonic_ms() >= deadline) {
            kill(c.pid, SIGKILL);
            reap_blocking(&c);
            how = TIMED_OUT;
            break;
        }
    }

    /* What the child wrote just before it ended. */
    while (c.fd >= 0) {
        if (!read_outcome(&c) && c.fd >= 0) {
            close(c.fd);        /* EAGAIN: nothing more is coming */
            c.fd = -1;
        }
    }
    return outcome(&c, how, limit_s, err, errlen);
}
