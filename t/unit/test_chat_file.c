/*
 * Chat archive files (worker/chat_file.c): lines appended whole, the
 * fdatasync schedule, what is refused (a folder, a FIFO without blocking,
 * a device), and a write that fails half-way cut off again (a file size
 * limit makes it short).
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chat_file.h"
#include "tap.h"

static char dir[] = "/tmp/sv-chat-file-XXXXXX";

static char *
slurp(const char *path)
{
    static char buf[4096];
    FILE       *f = fopen(path, "r");
    size_t      n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

    buf[n] = '\0';
    if (f != NULL) {
        fclose(f);
    }
    return buf;
}

int
main(void)
{
    struct sv_chat_file f;
    struct rlimit       limit;
    char                path[64], err[256];
    const char         *line = "{\"text\":\"a line that will not fit\"}\n";

    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/c.jsonl", dir);

    tap_is_int(sv_chat_file_open(&f, path, err, sizeof(err)), 0, "opens");
    tap_ok(sv_chat_file_due(&f) == INT64_MAX, "nothing to sync yet");
    tap_is_int(sv_chat_file_append(&f, "{\"a\":1}\n", 8, 1000, err,
                                   sizeof(err)), 0, "a line");
    tap_is_int(sv_chat_file_due(&f), 1000 + SV_CHAT_SYNC_MS,
               "synced %d ms after the first unsynced line", SV_CHAT_SYNC_MS);
    tap_is_int(sv_chat_file_append(&f, "{\"b\":2}\n", 8, 3000, err,
                                   sizeof(err)), 0, "another");
    tap_is_int(sv_chat_file_due(&f), 1000 + SV_CHAT_SYNC_MS,
               "which does not move the sync");
    tap_ok(sv_chat_file_sync(&f, 5999, err, sizeof(err)) == 0
           && f.dirty, "not synced before it is due");
    tap_ok(sv_chat_file_sync(&f, 6000, err, sizeof(err)) == 0 && !f.dirty
           && sv_chat_file_due(&f) == INT64_MAX, "synced when due");
    tap_is_int(sv_chat_file_close(&f, err, sizeof(err)), 0, "closes");
    tap_is_str(slurp(path), "{\"a\":1}\n{\"b\":2}\n", "both lines");

    tap_is_int(sv_chat_file_open(&f, path, err, sizeof(err)), 0,
               "opens again");
    tap_is_int(f.size, 16, "knowing its size");
    /* A size limit past the file's end: the next write is short. */
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 16 + 10;
    setrlimit(RLIMIT_FSIZE, &limit);
    tap_is_int(sv_chat_file_append(&f, line, strlen(line), 7000, err,
                                   sizeof(err)), -1, "a write cut short");
    tap_ok(strstr(err, "short write") != NULL, "says so: %s", err);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_FSIZE, &limit);
    tap_is_str(slurp(path), "{\"a\":1}\n{\"b\":2}\n", "its half was cut off");
    tap_is_int(sv_chat_file_append(&f, "{\"c\":3}\n", 8, 7000, err,
                                   sizeof(err)), 0, "later lines go on");
    tap_is_int(sv_chat_file_close(&f, err, sizeof(err)), 0, "closes");
    tap_is_str(slurp(path), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n",
               "whole lines only");

    tap_is_int(sv_chat_file_open(&f, dir, err, sizeof(err)), -1,
               "a folder is refused");
    tap_ok(strstr(err, "cannot open") != NULL, "says so: %s", err);
    snprintf(path, sizeof(path), "%s/fifo", dir);
    mkfifo(path, 0600);
    tap_is_int(sv_chat_file_open(&f, path, err, sizeof(err)), -1,
               "a FIFO is refused");
    tap_ok(strstr(err, "No such device") != NULL, "at once: %s", err);
    unlink(path);
    tap_is_int(sv_chat_file_open(&f, "/dev/null", err, sizeof(err)), -1,
               "a device is refused");
    tap_ok(strstr(err, "not a regular file") != NULL, "says so: %s", err);
    snprintf(path, sizeof(path), "%s/c.jsonl", dir);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
