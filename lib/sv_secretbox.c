/*
 * Secrets at rest (see sv_secretbox.h).
 */

#include "sv_secretbox.h"

#include "sv_base64url.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define NONCE_LEN   12
#define TAG_LEN     16
#define PREFIX_LEN  (sizeof(SV_SECRETBOX_PREFIX) - 1)
#define KEY_INFO    "streamvault secrets at rest v1"

void
sv_secretbox_key(const unsigned char *secret, size_t len,
                 unsigned char key[SV_SECRETBOX_KEY_LEN])
{
    sv_secret_derive(secret, len, KEY_INFO, key);
}

void
sv_secret_derive(const unsigned char *secret, size_t len, const char *label,
                 unsigned char key[SV_SECRETBOX_KEY_LEN])
{
    unsigned int n = SV_SECRETBOX_KEY_LEN;

    while (len > 0 && (secret[len - 1] == '\n' || secret[len - 1] == '\r')) {
        len--;
    }
    HMAC(EVP_sha256(), secret, (int) len, (const unsigned char *) label,
         strlen(label), key, &n);
}

size_t
sv_secretbox_sealed_len(size_t len)
{
    return PREFIX_LEN + sv_b64url_len(NONCE_LEN + len + TAG_LEN);
}

static EVP_CIPHER_CTX *
gcm_init(const unsigned char *key, const unsigned char *nonce, int encrypt,
         const char *name)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int             n;

    if (c == NULL) {
        return NULL;
    }
    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) != 1
        || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1
        || EVP_CipherInit_ex(c, NULL, NULL, key, nonce, encrypt) != 1
        || strlen(name) > INT_MAX
        || EVP_CipherUpdate(c, NULL, &n, (const unsigned char *) name,
                            (int) strlen(name)) != 1)
    {
        EVP_CIPHER_CTX_free(c);
        return NULL;
    }
    return c;
}

int
sv_secretbox_seal(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                  const char *name, const unsigned char *plain, size_t len,
                  char *out)
{
    unsigned char  *raw;
    EVP_CIPHER_CTX *c = NULL;
    int             n, rc = -1;
    size_t          raw_len = NONCE_LEN + len + TAG_LEN;

    if (len > INT_MAX - NONCE_LEN - TAG_LEN
        || (raw = malloc(raw_len)) == NULL)
    {
        return -1;
    }
    if (RAND_bytes(raw, NONCE_LEN) == 1
        && (c = gcm_init(key, raw, 1, name)) != NULL
        && EVP_EncryptUpdate(c, raw + NONCE_LEN, &n, plain, (int) len) == 1
        && EVP_EncryptFinal_ex(c, raw + NONCE_LEN + n, &n) == 1
        && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
                               raw + NONCE_LEN + len) == 1)
    {
        memcpy(out, SV_SECRETBOX_PREFIX, PREFIX_LEN);
        *sv_b64url_encode(raw, raw_len, out + PREFIX_LEN) = '\0';
        rc = 0;
    }
    EVP_CIPHER_CTX_free(c);
    free(raw);
    return rc;
}

int
sv_secretbox_open(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                  const char *name, const char *sealed, size_t sealed_len,
                  unsigned char *out, size_t *out_len)
{
    unsigned char  *raw;
    EVP_CIPHER_CTX *c = NULL;
    long            raw_len;
    int             n, m, rc = -1;

    if (sealed_len < sv_secretbox_sealed_len(0)
        || sealed_len - PREFIX_LEN > INT_MAX
        || memcmp(sealed, SV_SECRETBOX_PREFIX, PREFIX_LEN) != 0
        || (raw = malloc(sealed_len)) == NULL)
    {
        return -1;
    }
    raw_len = sv_b64url_decode(sealed + PREFIX_LEN, sealed_len - PREFIX_LEN, raw);

    /* the tag is set before the ciphertext goes in: it is checked at the
     * end, and nothing of out counts before that */

    if (raw_len >= NONCE_LEN + TAG_LEN
        && (c = gcm_init(key, raw, 0, name)) != NULL
        && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
                               raw + raw_len - TAG_LEN) == 1
        && EVP_DecryptUpdate(c, out, &n, raw + NONCE_LEN,
                             (int) raw_len - NONCE_LEN - TAG_LEN) == 1
        && EVP_DecryptFinal_ex(c, out + n, &m) == 1)
    {
        *out_len = (size_t) n + (size_t) m;
        rc = 0;
    } else if (raw_len >= NONCE_LEN + TAG_LEN) {
        OPENSSL_cleanse(out, (size_t) raw_len - NONCE_LEN - TAG_LEN);
    }
    EVP_CIPHER_CTX_free(c);
    free(raw);
    return rc;
}
