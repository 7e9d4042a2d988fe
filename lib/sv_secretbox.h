/*
 * Secrets at rest: values the database keeps for us (the Twitch client
 * secret, a user token, the EventSub secret) sealed with AES-256-GCM under a
 * key derived from the secret file that nginx and the worker both read.
 * The setting's name is the associated data, so a sealed value moved to
 * another setting does not open. Plain C and libcrypto; shared by the
 * module and the worker.
 *
 *   sealed = "sv1:" base64url-without-padding(nonce[12] ciphertext tag[16])
 */

#ifndef SV_SECRETBOX_H
#define SV_SECRETBOX_H

#include <stddef.h>

#define SV_SECRETBOX_KEY_LEN   32
#define SV_SECRETBOX_PREFIX    "sv1:"

/* key = HMAC-SHA256(the secret file's bytes, "streamvault secrets at rest
 * v1"); trailing CR and LF of secret are not part of it. */
void sv_secretbox_key(const unsigned char *secret, size_t len,
                      unsigned char key[SV_SECRETBOX_KEY_LEN]);

/* key = HMAC-SHA256(secret, label), trailing CR and LF of secret left out:
 * one key per purpose from the one secret file. */
void sv_secret_derive(const unsigned char *secret, size_t len,
                      const char *label,
                      unsigned char key[SV_SECRETBOX_KEY_LEN]);

/* The length of the sealed text of a plaintext of len bytes, without the
 * NUL. */
size_t sv_secretbox_sealed_len(size_t len);

/* Seals plain under name (the setting's key) into out, which has room for
 * sv_secretbox_sealed_len(len) + 1 bytes; NUL-terminated. 0, or -1 on
 * failure. */
int sv_secretbox_seal(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                      const char *name, const unsigned char *plain,
                      size_t len, char *out);

/* Opens sealed (sealed_len bytes, need not be NUL-terminated) sealed under
 * name into out, which has room for sealed_len bytes; *out_len is the
 * plaintext's length. 0, or -1 if it is malformed, sealed under another key
 * or name, or tampered with (out is then wiped). */
int sv_secretbox_open(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                      const char *name, const char *sealed,
                      size_t sealed_len, unsigned char *out,
                      size_t *out_len);

#endif /* SV_SECRETBOX_H */
