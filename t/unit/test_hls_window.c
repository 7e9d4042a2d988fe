/*
 * What a resumed or reconnected recording takes from its first playlist
 * (a primed cursor, worker/hls_window.c), the file numbers that never
 * collide within a folder, and what a folder tells a recording starting
 * in it (worker/hls_segment_file.c).
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hls_playlist.h"
#include "hls_segment_file.h"
#include "hls_window.h"
#include "tap.h"

/* A live playlist: k segments from seq. */
static struct sv_hls_new
poll_window(struct sv_hls_cursor *c, int seq, int k)
{
    struct sv_hls_playlist pl;
    struct sv_hls_new      n = { .first = 0 };
    char                   text[2048], err[256];
    int                    at;

    at = snprintf(text, sizeof(text), "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:%d\n",
                  seq);
    for (int i = 0; i < k; i++) {
        at += snprintf(text + at, sizeof(text) - (size_t) at,
                       "#EXTINF:2,\n%d.ts\n", seq + i);
    }
    if (sv_hls_parse(text, (size_t) at, "http://o.example/p.m3u8", &pl, err,
                     sizeof(err))) {
        n = sv_hls_window_next(c, &pl, false);
    } else {
        tap_ok(false, "the playlist parses: %s", err);
    }
    sv_hls_free(&pl);
    return n;
}

/* Polls in order; prime >= -1 primes the cursor before its poll. */
static const struct {
    int64_t     prime;
    int         seq, k;
    size_t      first, count;
    int64_t     skipped;
    bool        reset;
    const char *what;
} polls[] = {
    { 104, 100, 6, 5, 1, 0, false,
      "resumed after 104, window 100..105: only 105" },
    { -2, 101, 6, 5, 1, 0, false, "then polled as usual: 106" },
    { 106, 101, 6, 6, 0, 0, false,
      "found again unmoved: nothing, no duplicate" },
    { -2, 102, 6, 5, 1, 0, false, "then 107" },
    { 107, 120, 6, 0, 6, 12, false,
      "the window moved past: all, 108..119 lost" },
    { 125, 0, 3, 0, 3, 0, true,
      "newest below the last: a new instance, all new" },
    { -2, 1, 3, 2, 1, 0, false, "which is then followed" },
    { 3, 3, 1, 1, 0, 0, false, "the newest is the last: nothing" },
    { -1, 50, 4, 0, 4, 0, false, "primed with nothing: a fresh start, all" },
    { 60, 70, 0, 0, 0, 0, false, "an empty playlist: nothing" },
};

static void
primed(void)
{
    struct sv_hls_cursor c = SV_HLS_CURSOR_INIT;

    for (size_t i = 0; i < sizeof(polls) / sizeof(polls[0]); i++) {
        struct sv_hls_new n;

        if (polls[i].prime >= -1) {
            sv_hls_cursor_prime(&c, polls[i].prime);
        }
        n = poll_window(&c, polls[i].seq, polls[i].k);
        tap_ok(n.first == polls[i].first && n.count == polls[i].count
               && n.skipped == polls[i].skipped && n.reset == polls[i].reset,
               "%s (first %zu count %zu skipped %lld%s)", polls[i].what,
               n.first, n.count, (long long) n.skipped,
               n.reset ? " reset" : "");
    }
}

static void
file_numbers(void)
{
    int64_t off = 0, last = -1, f;

    f = sv_hls_file_number(&off, last, 100);
    tap_ok(f == 100 && off == 0, "a fresh folder: file = sequence (%lld)",
           (long long) f);
    last = f;
    f = sv_hls_file_number(&off, last, 104);
    tap_ok(f == 104 && off == 0, "a gap keeps the offset (%lld)",
           (long long) f);
    last = f;
    f = sv_hls_file_number(&off, last, 0);
    tap_ok(f == 105 && off == 105, "a restart at 0 goes on after 104 "
           "(%lld, offset %lld)", (long long) f, (long long) off);
    last = f;
    f = sv_hls_file_number(&off, last, 1);
    tap_ok(f == 106 && off == 105, "and follows the new numbers (%lld)",
           (long long) f);
    last = f;
    f = sv_hls_file_number(&off, last, 500);
    tap_ok(f == 605 && off == 105, "a jump up never shrinks the offset "
           "(%lld)", (long long) f);
    last = f;
    f = sv_hls_file_number(&off, last, 500);
    tap_ok(f == 606 && off == 106, "the same number again: after it "
           "(%lld)", (long long) f);
    off = 0;
    f = sv_hls_file_number(&off, 41, 7);
    tap_ok(f == 42 && off == 35, "a folder with files up to 41: after them "
           "(%lld, offset %lld)", (long long) f, (long long) off);
}

static void
put(int dir_fd, const char *name, const char *text)
{
    int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0 || write(fd, text, strlen(text)) < 0) {
        tap_ok(false, "cannot write %s", name);
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void
folder(void)
{
    char    dir[] = "/tmp/sv-hls-window-XXXXXX", err[256];
    int     dir_fd;
    int64_t highest = 9, offset = 9;

    if (mkdtemp(dir) == NULL
        || (dir_fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
        tap_ok(false, "a temporary folder");
        return;
    }
    tap_ok(sv_hls_folder_open(dir_fd, dir, &highest, &offset, err,
                              sizeof(err)) && highest == -1 && offset == 0,
           "an empty folder: no file, offset 0");
    put(dir_fd, "000000000005.ts", "x");
    put(dir_fd, "000000000003.ts", "x");
    put(dir_fd, "000000000009.ts.part", "half");
    put(dir_fd, "x12.ts", "x");
    put(dir_fd, "0000000000000000000000012.ts", "x");
    tap_ok(sv_hls_offset_save(dir_fd, dir, 3, err, sizeof(err)),
           "the offset saved");
    tap_ok(sv_hls_folder_open(dir_fd, dir, &highest, &offset, err,
                              sizeof(err)) && highest == 5 && offset == 3,
           "files up to 5, offset 3 (got %lld, %lld)", (long long) highest,
           (long long) offset);
    tap_ok(faccessat(dir_fd, "000000000009.ts.part", F_OK, 0) != 0
           && faccessat(dir_fd, "x12.ts", F_OK, 0) == 0,
           "the .part file removed, other names left alone");
    put(dir_fd, ".sequence-offset", "-4\n");
    tap_ok(!sv_hls_folder_open(dir_fd, dir, &highest, &offset, err,
                               sizeof(err))
           && strstr(err, ".sequence-offset is not a number") != NULL,
           "a bad offset is refused: %s", err);
    put(dir_fd, ".sequence-offset", "");
    tap_ok(!sv_hls_folder_open(dir_fd, dir, &highest, &offset, err,
                               sizeof(err)), "an empty one too");
    for (const char *const *n = (const char *const[]) {
             "000000000005.ts", "000000000003.ts", "x12.ts",
             "0000000000000000000000012.ts", ".sequence-offset", NULL };
         *n != NULL; n++) {
        unlinkat(dir_fd, *n, 0);
    }
    close(dir_fd);
    rmdir(dir);
}

int
main(void)
{
    primed();
    file_numbers();
    folder();
    return tap_done();
}
