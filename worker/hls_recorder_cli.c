/*
 * streamvault-worker --record-hls (see hls_recorder_cli.h).
 */

#include "hls_recorder_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hls_recorder.h"
#include "json.h"
#include "log.h"

struct job {
    int                  n;             /* 1, 2, ... */
    char                *url;           /* or */
    char                *login;         /* a Twitch channel */
    char                 dir[PATH_MAX];
    struct sv_hls_rec   *rec;           /* NULL once ended */
};

static int                   wake_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_signal;

/* Records the signal and wakes curl_multi_poll through the pipe. */
static void
on_stop(int signo)
{
    int saved = errno;

    stop_signal = signo;
    if (write(wake_pipe[1], "x", 1) < 0) {
        /* full: a wake-up is pending anyway */
    }
    errno = saved;
}

static int
install_signals(void)
{
    struct sigaction sa = { .sa_handler = on_stop };
    struct sigaction ignore = { .sa_handler = SIG_IGN };

    if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        return -1;
    }
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0
        || sigaction(SIGPIPE, &ignore, NULL) != 0) {
        return -1;
    }
    return 0;
}

/* Whether a new URL starts at s (a comma before it splits the list). */
static bool
url_start(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0
           || strncasecmp(s, "https://", 8) == 0;
}

/* The next job, numbered, with its folder; -1 with the reason. */
static int
add_job(const struct sv_cli *cli, struct job *jobs, size_t *n_jobs,
        const char *p, size_t len, bool twitch, char *err, size_t errlen)
{
    struct job *j = &jobs[*n_jobs];

    if (*n_jobs == SV_RECORD_CLI_MAX) {
        snprintf(err, errlen, "more than %d recordings", SV_RECORD_CLI_MAX);
        return -1;
    }
    *j = (struct job) { .n = (int) *n_jobs + 1 };
    if (snprintf(j->dir, sizeof(j->dir), "%s/%d", cli->out_dir, j->n)
        >= (int) sizeof(j->dir)) {
        snprintf(err, errlen, "the --out path is too long");
        return -1;
    }
    if (twitch) {
        j->login = strndup(p, len);
    } else {
        j->url = strndup(p, len);
    }
    if (j->login == NULL && j->url == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    (*n_jobs)++;
    return 0;
}

/* The --record-twitch values: logins split at commas. */
static int
make_twitch_jobs(const struct sv_cli *cli, struct job *jobs, size_t *n_jobs,
                 char *err, size_t errlen)
{
    for (size_t i = 0; i < cli->n_record_twitch; i++) {
        const char *p = cli->record_twitch[i];

        while (*p != '\0') {
            size_t len = strcspn(p, ",");

            if (len == 0) {
                snprintf(err, errlen, "an empty login in --record-twitch");
                return -1;
            }
            if (add_job(cli, jobs, n_jobs, p, len, true, err, errlen) != 0) {
                return -1;
            }
            p += p[len] == ',' ? len + 1 : len;
        }
    }
    return 0;
}

/* Splits the --record-hls and --record-twitch values into jobs; -1 with
 * the reason. */
static int
make_jobs(const struct sv_cli *cli, struct job *jobs, size_t *n_jobs,
          char *err, size_t errlen)
{
    *n_jobs = 0;
    for (size_t i = 0; i < cli->n_record_hls; i++) {
        const char *p = cli->record_hls[i];

        while (*p != '\0') {
            const char *end = p;

            while (*end != '\0' && !(*end == ',' && url_start(end + 1))) {
                end++;
            }
            if (end == p) {
                snprintf(err, errlen, "an empty URL in --record-hls");
                return -1;
            }
            if (add_job(cli, jobs, n_jobs, p, (size_t) (end - p), false, err,
                        errlen) != 0) {
                return -1;
            }
            p = *end == ',' ? end + 1 : end;
        }
    }
    return make_twitch_jobs(cli, jobs, n_jobs, err, errlen);
}

static void
member_double(struct sv_jbuf *b, const char *key, double v)
{
    char text[80];
    int  n = snprintf(text, sizeof(text), ",\"%s\":%.3f", key, v);

    sv_jbuf_raw(b, text, (size_t) n);
}

/* One JSON line on stdout for an ended recording. */
static void
print_summary(const struct job *j, const char *quality,
              const struct sv_hls_event *ev)
{
    char            storage[4096];
    struct sv_jbuf  b;
    const struct sv_hls_stats *s = &ev->stats;

    sv_jbuf_init(&b, storage, sizeof(storage) - 1);
    sv_jbuf_raw(&b, "{", 1);
    sv_jbuf_member_int(&b, "recording", j->n);
    if (j->login != NULL) {
        sv_jbuf_member_string(&b, "channel", j->login);
        sv_jbuf_member_string(&b, "quality", quality != NULL ? quality
                              : "best");
    } else {
        sv_jbuf_member_string(&b, "url", j->url);
    }
    sv_jbuf_member_string(&b, "dir", j->dir);
    sv_jbuf_member_string(&b, "reason", sv_hls_end_name(ev->why));
    if (ev->why == SV_HLS_END_FAILED) {
        sv_jbuf_member_string(&b, "error", ev->error);
    } else if (ev->error[0] != '\0') {
        /* why it ended, e.g. "offline" */
        sv_jbuf_member_string(&b, "detail", ev->error);
    }
    sv_jbuf_member_int(&b, "segments", s->segments);
    sv_jbuf_member_int(&b, "bytes", s->bytes);
    sv_jbuf_member_int(&b, "ads_skipped", s->ads_skipped);
    sv_jbuf_member_int(&b, "lost", s->lost);
    sv_jbuf_member_int(&b, "discontinuities", s->discontinuities);
    sv_jbuf_member_int(&b, "retries", s->retries);
    sv_jbuf_member_int(&b, "first_sequence", s->first_sequence);
    sv_jbuf_member_int(&b, "last_sequence", s->last_sequence);
    member_double(&b, "media_s", s->media_s);
    sv_jbuf_raw(&b, "}", 1);
    storage[b.len] = '\0';
    printf("%s\n", storage);
    fflush(stdout);
}

static void
print_process(size_t n)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    printf("{\"process\":{\"recordings\":%zu,\"max_rss_kb\":%ld,"
           "\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f}}\n", n, ru.ru_maxrss,
           (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
           (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    fflush(stdout);
}

/* Starts every job; the ones refused end at once as failed. */
static size_t
start_jobs(struct sv_hls_engine *e, const struct sv_cli *cli,
           struct job *jobs, size_t n, bool *any_failed)
{
    const char *oauth = getenv("STREAMVAULT_TWITCH_OAUTH");
    size_t      ended = 0;

    if (oauth != NULL && oauth[0] == '\0') {
        oauth = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        struct sv_hls_source src = {
            .playlist_url = jobs[i].url, .out_dir = jobs[i].dir,
            .duration_s = cli->duration_s, .grace_s = cli->grace_s,
            .stall_s = cli->stall_s, .max_bytes = cli->max_bytes,
            .prefetch = cli->low_latency,
            .resume = cli->resume, .user = &jobs[i],
            .twitch = {
                .login = jobs[i].login, .quality = cli->quality,
                .gql_url = getenv("STREAMVAULT_TWITCH_GQL_URL"),
                .usher_url = getenv("STREAMVAULT_TWITCH_USHER_URL"),
                .oauth = oauth,
            },
        };
        char err[256];

        jobs[i].rec = sv_hls_engine_add(e, &src, err, sizeof(err));
        if (jobs[i].rec == NULL) {
            struct sv_hls_event ev = { .why = SV_HLS_END_FAILED,
                                       .stats = { .first_sequence = -1,
                                                  .last_sequence = -1 } };

            snprintf(ev.error, sizeof(ev.error), "%s", err);
            sv_log(SV_LOG_ERROR, "cannot record", SV_STR("url", jobs[i].url),
                   SV_STR("twitch", jobs[i].login), SV_STR("error", err));
            print_summary(&jobs[i], cli->quality, &ev);
            *any_failed = true;
            ended++;
        }
    }
    return ended;
}

static int
record(const struct sv_cli *cli, struct job *jobs, size_t n)
{
    struct sv_hls_engine *e;
    char                  err[512];
    bool                  any_failed = false, stopping = false;
    size_t                ended;

    if (mkdir(cli->out_dir, 0755) != 0 && errno != EEXIST) {
        sv_log(SV_LOG_ERROR, "cannot create the output folder",
               SV_STR("dir", cli->out_dir), SV_STR("error", strerror(errno)));
        return 1;
    }
    e = sv_hls_engine_new(err, sizeof(err));
    if (e == NULL) {
        sv_log(SV_LOG_ERROR, "cannot start the engine", SV_STR("error", err));
        return 1;
    }
    sv_hls_engine_watch_fd(e, wake_pipe[0]);
    ended = start_jobs(e, cli, jobs, n, &any_failed);

    while (ended < n) {
        struct sv_hls_event ev;
        char                drain[64];

        if (stop_signal != 0 && !stopping) {
            stopping = true;
            sv_log(SV_LOG_INFO, "stopping: finishing the segments in flight",
                   SV_INT("signal", stop_signal));
            sv_hls_engine_stop_all(e);
        }
        if (sv_hls_engine_step(e, 1000, err, sizeof(err)) < 0) {
            sv_log(SV_LOG_ERROR, "the engine failed", SV_STR("error", err));
            any_failed = true;
            break;
        }
        while (read(wake_pipe[0], drain, sizeof(drain)) > 0) {
        }
        while (sv_hls_engine_next_event(e, &ev)) {
            struct job *j = ev.user;

            j->rec = NULL;
            any_failed |= ev.why == SV_HLS_END_FAILED;
            print_summary(j, cli->quality, &ev);
            ended++;
        }
    }
    sv_hls_engine_free(e);
    print_process(n);
    return any_failed ? 1 : 0;
}

int
sv_run_record_hls(const struct sv_cli *cli)
{
    static struct job   jobs[SV_RECORD_CLI_MAX];
    size_t              n = 0;
    char                err[512];
    const char         *level = getenv("STREAMVAULT_LOG_LEVEL");
    enum sv_log_level   lv = SV_LOG_DEBUG;
    int                 status;

    /* Per-segment progress lines are the point of this command. */
    if (level != NULL && !sv_log_level_parse(level, &lv)) {
        lv = SV_LOG_DEBUG;
    }
    sv_log_set_level(lv);
    if (make_jobs(cli, jobs, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "streamvault-worker: %s\n", err);
        for (size_t i = 0; i < n; i++) {
            free(jobs[i].url);
            free(jobs[i].login);
        }
        return 2;
    }
    if (install_signals() != 0) {
        fprintf(stderr, "streamvault-worker: cannot install signal handlers: "
                "%s\n", strerror(errno));
        status = 1;
    } else {
        status = record(cli, jobs, n);
    }
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].url);
        free(jobs[i].login);
    }
    return status;
}
