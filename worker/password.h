/*
 * Random passwords from [A-Za-z0-9], without modulo bias.
 */

#ifndef SV_PASSWORD_H
#define SV_PASSWORD_H

#include <stddef.h>

/* Fills buf with n random bytes: 0, or -1 on failure. */
typedef int (*sv_random_source)(void *buf, size_t n);

/*
 * Writes len random characters and a NUL into out (len + 1 bytes), drawing
 * bytes from source. -1 if the source fails or keeps producing unusable
 * bytes (a broken source must not hang the program).
 */
int sv_password_generate(char *out, size_t len, sv_random_source source);

#endif /* SV_PASSWORD_H */
