/*
 * The key of the settings sealed at rest (see secret_key.h).
 */

#include "secret_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "read_file.h"

#define SECRET_FILE_MAX  65536
#define SECRET_MIN       32
/* A sealed value longer than this is not one of ours. */
#define SEALED_MAX       4096

bool
sv_secret_key_load(const char *path, unsigned char key[SV_SECRETBOX_KEY_LEN],
                   char *err, size_t errlen)
{
    char    *secret;
    size_t   len;
    bool     ok;

    if (path[0] == '\0') {
        snprintf(err, errlen, "no secret_file in the worker's configuration");
        return false;
    }
    secret = sv_read_file(path, SECRET_FILE_MAX, &len, err, errlen);
    if (secret == NULL) {
        return false;
    }
    while (len > 0 && (secret[len - 1] == '\n' || secret[len - 1] == '\r')) {
        len--;
    }
    ok = len >= SECRET_MIN;
    if (ok) {
        sv_secretbox_key((const unsigned char *) secret, len, key);
    } else {
        snprintf(err, errlen, "%s holds fewer than %d bytes", path,
                 SECRET_MIN);
    }
    explicit_bzero(secret, len);
    free(secret);
    return ok;
}

bool
sv_secret_open_text(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                    const char *name, const char *sealed, char *out,
                    size_t cap)
{
    size_t          len = strlen(sealed), plain_len;
    unsigned char  *plain;
    bool            ok;

    if (len > SEALED_MAX) {
        return false;
    }
    plain = malloc(len + 1);
    if (plain == NULL) {
        return false;
    }
    ok = sv_secretbox_open(key, name, sealed, len, plain, &plain_len) == 0
         && plain_len > 0 && plain_len < cap
         && memchr(plain, '\0', plain_len) == NULL;
    if (ok) {
        memcpy(out, plain, plain_len);
        out[plain_len] = '\0';
    }
    explicit_bzero(plain, len + 1);
    free(plain);
    return ok;
}
