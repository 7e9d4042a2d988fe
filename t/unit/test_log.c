/*
 * The log's destination, level filter and reopening, and the recent
 * warnings and errors it keeps in memory (worker/log.c).
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "log.h"
#include "read_file.h"
#include "tap.h"

static char dir[] = "/tmp/sv-test-log-XXXXXX";

static char *
slurp(const char *path)
{
    char    err[256];
    size_t  len;

    return sv_read_file(path, 1 << 20, &len, err, sizeof(err));
}

static size_t
count_lines(const char *text)
{
    size_t n = 0;

    for (; text != NULL && *text != '\0'; text++) {
        n += *text == '\n';
    }
    return n;
}

/* Large: not on the stack. */
static struct sv_log_recent  got;

/* Line i of got as a parsed JSON object (freed by the caller), NULL if it
 * is none. */
static yajl_val
got_line(size_t i)
{
    char      text[SV_LOG_RECENT_LINE_MAX + 1];
    yajl_val  v;

    memcpy(text, got.line[i], got.len[i]);
    text[got.len[i]] = '\0';
    v = yajl_tree_parse(text, NULL, 0);
    if (v != NULL && !YAJL_IS_OBJECT(v)) {
        yajl_tree_free(v);
        v = NULL;
    }
    return v;
}

static void *
warn_100(void *arg)
{
    for (int i = 0; i < 100; i++) {
        sv_log(SV_LOG_WARN, "from a thread", SV_INT("thread", (long) arg),
               SV_INT("i", i));
    }
    return NULL;
}

static void
recent(void)
{
    char         big[3 * SV_LOG_RECENT_LINE_MAX];
    pthread_t    threads[4];
    bool         whole = true;
    yajl_val     v;
    const char  *msg_path[] = { "msg", NULL };
    const char  *cut_path[] = { "truncated", NULL };

    sv_log(SV_LOG_WARN, "before keeping");
    sv_log_recent(0, &got);
    tap_ok(got.count == 0 && got.last == 0, "nothing is kept until asked");

    sv_log_keep_recent();
    sv_log(SV_LOG_INFO, "info is not kept");
    sv_log(SV_LOG_WARN, "a warning");
    sv_log(SV_LOG_ERROR, "an error");
    sv_log_recent(0, &got);
    tap_is_int((long long) got.count, 2, "warnings and errors are kept");
    tap_is_int((long long) got.last, 2, "numbered from 1");
    v = got_line(0);
    tap_is_str(v != NULL ? YAJL_GET_STRING(yajl_tree_get(v, msg_path,
                                                         yajl_t_string))
                         : NULL, "a warning", "oldest first, as JSON");
    yajl_tree_free(v);
    tap_ok(got.line[1][got.len[1] - 1] == '}', "without the newline");
    sv_log_recent(1, &got);
    tap_ok(got.count == 1 && got.last == 2
           && memmem(got.line[0], got.len[0], "an error", 8) != NULL,
           "those after a number");
    sv_log_recent(2, &got);
    tap_ok(got.count == 0 && got.last == 2, "none after the newest");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    sv_log(SV_LOG_WARN, "long", SV_STR("detail", big));
    sv_log_recent(2, &got);
    v = got.count == 1 ? got_line(0) : NULL;
    tap_ok(v != NULL && got.len[0] < SV_LOG_RECENT_LINE_MAX
           && YAJL_IS_TRUE(yajl_tree_get(v, cut_path, yajl_t_any)),
           "a long line is kept cut, still JSON, marked truncated");
    yajl_tree_free(v);

    for (long i = 0; i < 4; i++) {
        pthread_create(&threads[i], NULL, warn_100, (void *) i);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
    }
    sv_log_recent(0, &got);
    tap_is_int((long long) got.last, 403, "lines from 4 threads at once all "
               "counted");
    tap_is_int((long long) got.count, SV_LOG_RECENT_LINES,
               "the newest %d kept", SV_LOG_RECENT_LINES);
    for (size_t i = 0; i < got.count; i++) {
        v = got_line(i);
        whole = whole && v != NULL;
        yajl_tree_free(v);
    }
    tap_ok(whole, "each one whole");
}

int
main(void)
{
    char         path[128], rotated[128], err[256];
    char        *text;
    yajl_val     v;
    const char  *msg_path[] = { "msg", NULL };
    const char  *n_path[] = { "n", NULL };
    struct stat  st;

    umask(022);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/worker.log", dir);
    snprintf(rotated, sizeof(rotated), "%s/worker.log.1", dir);

    tap_is_int(sv_log_open(path, err, sizeof(err)), 0, "opens a log file");
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640,
           "created with mode 0640");

    sv_log(SV_LOG_INFO, "first", SV_INT("n", 1));
    sv_log(SV_LOG_DEBUG, "hidden at level info");
    sv_log_set_level(SV_LOG_DEBUG);
    sv_log(SV_LOG_DEBUG, "shown at level debug");
    sv_log_set_level(SV_LOG_INFO);

    text = slurp(path);
    tap_is_int((long long) count_lines(text), 2, "the level filters lines");
    *strchr(text, '\n') = '\0';
    v = yajl_tree_parse(text, NULL, 0);
    tap_ok(v != NULL, "the line is JSON");
    tap_is_str(v != NULL ? YAJL_GET_STRING(yajl_tree_get(v, msg_path,
                                                         yajl_t_string))
                         : NULL, "first", "with the message");
    tap_ok(v != NULL && YAJL_IS_INTEGER(yajl_tree_get(v, n_path, yajl_t_any)),
           "and the integer field as a number");
    yajl_tree_free(v);
    free(text);

    /* Rotation: the file is renamed, then the worker reopens. */
    rename(path, rotated);
    sv_log(SV_LOG_INFO, "still to the renamed file");
    tap_is_int(sv_log_reopen(err, sizeof(err)), 0, "reopens");
    sv_log(SV_LOG_INFO, "to the new file");

    text = slurp(rotated);
    tap_is_int((long long) count_lines(text), 3, "before reopening, lines go "
               "to the renamed file");
    free(text);
    text = slurp(path);
    tap_ok(text != NULL && count_lines(text) == 1
           && strstr(text, "to the new file") != NULL,
           "after reopening, to a new file at the old path");
    free(text);

    snprintf(rotated, sizeof(rotated), "%s/missing/x.log", dir);
    tap_is_int(sv_log_open(rotated, err, sizeof(err)), -1,
               "a file that cannot be opened is an error");
    tap_ok(strstr(err, "No such file or directory") != NULL,
           "saying why: %s", err);
    sv_log(SV_LOG_INFO, "the old file stays in use");
    text = slurp(path);
    tap_is_int((long long) count_lines(text), 2, "and the old file stays");
    free(text);

    recent();

    sv_log_close();
    unlink(path);
    snprintf(rotated, sizeof(rotated), "%s/worker.log.1", dir);
    unlink(rotated);
    rmdir(dir);
    return tap_done();
}
