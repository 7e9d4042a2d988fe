/*
 * The log's destination, level filter and reopening (worker/log.c).
 */

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

    sv_log_close();
    unlink(path);
    snprintf(rotated, sizeof(rotated), "%s/worker.log.1", dir);
    unlink(rotated);
    rmdir(dir);
    return tap_done();
}
