/*
 * Bounded file reading (worker/read_file.c), owner-only atomic writes
 * (worker/secret_file.c) and the key of sealed settings read from the
 * secret file (worker/secret_key.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read_file.h"
#include "secret_file.h"
#include "secret_key.h"
#include "tap.h"

static char dir[] = "/tmp/sv-test-files-XXXXXX";

static void
put(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void
test_read(void)
{
    char    path[128], err[256], expected[256];
    char   *data;
    size_t  len = 99;

    snprintf(path, sizeof(path), "%s/ten", dir);
    put(path, "0123\0" "56789", 10);

    data = sv_read_file(path, 10, &len, err, sizeof(err));
    tap_ok(data != NULL && len == 10 && memcmp(data, "0123\0" "56789", 11)
           == 0, "a file of exactly the limit, NUL bytes kept, NUL-ended");
    free(data);

    data = sv_read_file(path, 9, &len, err, sizeof(err));
    snprintf(expected, sizeof(expected), "%s is larger than 9 bytes", path);
    tap_ok(data == NULL, "one byte over the limit is refused");
    tap_is_str(err, expected, "saying so");

    data = sv_read_file("/dev/zero", 4096, &len, err, sizeof(err));
    tap_ok(data == NULL, "an endless file is refused, not read forever");

    snprintf(path, sizeof(path), "%s/none", dir);
    data = sv_read_file(path, 10, &len, err, sizeof(err));
    snprintf(expected, sizeof(expected), "cannot open %s: No such file or "
             "directory", path);
    tap_ok(data == NULL, "a missing file");
    tap_is_str(err, expected, "is 'cannot open'");

    data = sv_read_file(dir, 10, &len, err, sizeof(err));
    tap_ok(data == NULL && strstr(err, "Is a directory") != NULL,
           "a directory: %s", err);

    snprintf(path, sizeof(path), "%s/empty", dir);
    put(path, "", 0);
    data = sv_read_file(path, 10, &len, err, sizeof(err));
    tap_ok(data != NULL && len == 0 && data[0] == '\0', "an empty file");
    free(data);
    unlink(path);
    snprintf(path, sizeof(path), "%s/ten", dir);
    unlink(path);
}

static void
test_secret(void)
{
    char         path[128], tmp[160], target[160], err[256];
    char        *data;
    size_t       len;
    struct stat  st;

    snprintf(path, sizeof(path), "%s/admin.txt", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);

    tap_is_int(sv_secret_file_write(path, "admin pw\n", 9, err, sizeof(err)),
               0, "writes a secret file");
    data = sv_read_file(path, 100, &len, err, sizeof(err));
    tap_is_str(data, "admin pw\n", "with the content");
    free(data);
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
           "mode 0600");
    tap_ok(access(tmp, F_OK) != 0, "no .tmp file left");

    /* A left-over, world-readable .tmp must not keep its mode. */
    put(tmp, "old", 3);
    chmod(tmp, 0644);
    tap_is_int(sv_secret_file_write(path, "new\n", 4, err, sizeof(err)), 0,
               "replaces an existing file");
    tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
           "still mode 0600 after a left-over .tmp");

    /* A symlink planted at the .tmp name must not be followed. */
    snprintf(target, sizeof(target), "%s/elsewhere", dir);
    if (symlink(target, tmp) != 0) {
        perror("symlink");
    }
    tap_is_int(sv_secret_file_write(path, "x\n", 2, err, sizeof(err)), -1,
               "a symlink at the .tmp name is refused");
    tap_ok(access(target, F_OK) != 0, "and nothing is written through it");
    unlink(tmp);

    snprintf(tmp, sizeof(tmp), "%s/no/such/dir", dir);
    tap_is_int(sv_secret_file_write(tmp, "x", 1, err, sizeof(err)), -1,
               "a missing directory is an error");
    tap_ok(strstr(err, "No such file or directory") != NULL, "saying why: %s",
           err);
    unlink(path);
}

static void
seal(const unsigned char *key, const char *plain, size_t len, char *sealed)
{
    sv_secretbox_seal(key, "twitch.user_token", (const unsigned char *) plain,
                      len, sealed);
}

static void
test_secret_key(void)
{
    char           path[64], err[256], sealed[256], out[64];
    unsigned char  key[SV_SECRETBOX_KEY_LEN], want[SV_SECRETBOX_KEY_LEN];
    const char    *secret = "0123456789abcdef0123456789abcdef";

    snprintf(path, sizeof(path), "%s/secret", dir);
    put(path, "0123456789abcdef0123456789abcdef\r\n", 34);
    tap_ok(sv_secret_key_load(path, key, err, sizeof(err)),
           "a 32-byte secret file gives a key");
    sv_secretbox_key((const unsigned char *) secret, 32, want);
    tap_ok(memcmp(key, want, sizeof(key)) == 0,
           "the key nginx derives, its CR/LF aside");

    put(path, "0123456789abcdef0123456789abcde\n\n", 33);
    tap_ok(!sv_secret_key_load(path, key, err, sizeof(err)),
           "31 bytes and newlines are too few");
    tap_ok(strstr(err, "fewer than 32 bytes") != NULL, "saying so: %s", err);
    tap_ok(!sv_secret_key_load("", key, err, sizeof(err))
           && strstr(err, "no secret_file") != NULL, "no path: %s", err);
    snprintf(path, sizeof(path), "%s/missing", dir);
    tap_ok(!sv_secret_key_load(path, key, err, sizeof(err)),
           "a missing file gives no key");
    unlink(path);
    snprintf(path, sizeof(path), "%s/secret", dir);
    unlink(path);

    seal(want, "abc123", 6, sealed);
    tap_ok(sv_secret_open_text(want, "twitch.user_token", sealed, out,
                               sizeof(out))
           && strcmp(out, "abc123") == 0, "a sealed setting opens");
    tap_ok(!sv_secret_open_text(want, "twitch.client_secret", sealed, out,
                                sizeof(out)), "not under another name");
    tap_ok(!sv_secret_open_text(want, "twitch.user_token", sealed, out, 6),
           "not into too small a buffer");
    seal(want, "ab\0cd", 5, sealed);
    tap_ok(!sv_secret_open_text(want, "twitch.user_token", sealed, out,
                                sizeof(out)), "a NUL inside is no text");
    seal(want, "", 0, sealed);
    tap_ok(!sv_secret_open_text(want, "twitch.user_token", sealed, out,
                                sizeof(out)), "nor is nothing");
}

int
main(void)
{
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_read();
    test_secret();
    test_secret_key();
    rmdir(dir);
    return tap_done();
}
