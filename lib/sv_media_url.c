/*
 * Signed media URLs (see sv_media_url.h).
 */

#include "sv_media_url.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sv_base64url.h"

#define KEY_INFO     "streamvault media urls v1"
#define SEGMENT_LOG  ".segments"    /* worker/hls_segment_file.h */

struct tail {
    const char          *text;
    const char          *mime;
    enum sv_media_kind   kind;
    bool                 hidden;    /* in <folder>/.streamvault */
    bool                 whole;     /* the whole name: no stem */
};

/* No tail ends another, so at most one matches a name. */
static const struct tail tails[] = {
    { ".mp4", "video/mp4", SV_MEDIA_FILE, false, false },
    { ".m3u8", "application/vnd.apple.mpegurl", SV_MEDIA_PLAYLIST, false,
      false },
    { "-thumb.jpg", "image/jpeg", SV_MEDIA_FILE, false, false },
    { ".sprite.jpg", "image/jpeg", SV_MEDIA_FILE, true, false },
    { ".thumbnails.vtt", "text/vtt", SV_MEDIA_FILE, true, false },
    { ".chapters.vtt", "text/vtt", SV_MEDIA_FILE, true, false },
    { ".chat.jsonl", "application/x-ndjson", SV_MEDIA_FILE, true, false },
};

/* A running recording's, in its raw folder. */
static const struct tail live = { "live.m3u8", "application/vnd.apple.mpegurl",
                                  SV_MEDIA_LIVE, false, true };
static const struct tail segment = { "", "video/mp2t", SV_MEDIA_FILE, false,
                                     true };

/* A show's artwork, as the artwork job names it. */
static const char *const artwork[] = { "poster", "fanart", "banner" };

static const struct {
    const char *ext;
    const char *mime;
} pictures[] = {
    { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
    { ".png", "image/png" }, { ".webp", "image/webp" },
};

void
sv_media_key(const unsigned char *secret, size_t len,
             unsigned char key[SV_SECRETBOX_KEY_LEN])
{
    sv_secret_derive(secret, len, KEY_INFO, key);
}

/* name as a show's artwork ("poster.png"): its type, else NULL. */
static const char *
artwork_mime(const char *name)
{
    for (size_t i = 0; i < sizeof(artwork) / sizeof(artwork[0]); i++) {
        size_t n = strlen(artwork[i]);

        if (strncmp(name, artwork[i], n) != 0) {
            continue;
        }
        for (size_t j = 0; j < sizeof(pictures) / sizeof(pictures[0]); j++) {
            if (strcmp(name + n, pictures[j].ext) == 0) {
                return pictures[j].mime;
            }
        }
    }
    return NULL;
}

/* "<12 digits>.ts", as the recorder names segments. */
static bool
segment_name(const char *name)
{
    return strspn(name, "0123456789") == 12 && strcmp(name + 12, ".ts") == 0;
}

static const struct tail *
tail_of(const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        size_t t = strlen(tails[i].text);

        if (n > t && strcmp(name + n - t, tails[i].text) == 0) {
            return &tails[i];
        }
    }
    return NULL;
}

bool
sv_media_parse(const char *path, size_t len, struct sv_media_file *f,
               char *err, size_t errlen)
{
    char               folder[SV_PATH_REL_MAX + 1], *name;
    const char        *last;
    const struct tail *t;
    bool               in_hidden;
    size_t             stem_len, outer_len;

    static const struct tail  whole = { "", NULL, SV_MEDIA_FILE, false,
                                        true };

    if (len > SV_PATH_REL_MAX || memchr(path, '\0', len) != NULL) {
        snprintf(err, errlen, "the path is too long or holds a NUL");
        return false;
    }
    memcpy(folder, path, len);
    folder[len] = '\0';
    if (!sv_path_relative_ok(folder, err, errlen)) {
        return false;
    }
    name = strrchr(folder, '/');
    if (name == NULL) {
        snprintf(err, errlen, "no file of the library is at the top");
        return false;
    }
    *name++ = '\0';

    f->mime = artwork_mime(name);
    t = strcmp(name, live.text) == 0 ? &live
        : segment_name(name) ? &segment
        : f->mime != NULL ? &whole : tail_of(name);
    if (t == NULL) {
        snprintf(err, errlen, "not a kind of file that is served");
        return false;
    }
    if (t->mime != NULL) {
        f->mime = t->mime;
    }
    f->kind = t->kind;

    /* the hidden tails in <folder>/.streamvault, the others not */
    last = strrchr(folder, '/');
    last = last != NULL ? last + 1 : folder;
    in_hidden = strcmp(last, SV_MEDIA_HIDDEN_DIR) == 0;
    if (in_hidden != t->hidden || (in_hidden && last == folder)) {
        snprintf(err, errlen, "not where a file of this kind is");
        return false;
    }
    outer_len = in_hidden ? (size_t) (last - 1 - folder) : strlen(folder);
    stem_len = t->whole ? 0 : strlen(name) - strlen(t->text);

    f->scope_len = outer_len + 1 + stem_len;
    memcpy(f->scope, folder, outer_len);
    f->scope[outer_len] = '/';
    memcpy(f->scope + outer_len + 1, name, stem_len);
    f->scope[f->scope_len] = '\0';

    /* each fits: ".m3u8" is longer than ".mp4", and the file has room
     * for ".index.json" more */
    memcpy(f->file, path, len);
    f->file[len] = '\0';
    f->video[0] = '\0';
    if (f->kind == SV_MEDIA_LIVE) {
        memcpy(f->file + len - strlen(live.text), SEGMENT_LOG,
               sizeof(SEGMENT_LOG));
    } else if (f->kind == SV_MEDIA_PLAYLIST) {
        len -= strlen(t->text);
        memcpy(f->video, path, len);
        memcpy(f->video + len, ".mp4", sizeof(".mp4"));
        memcpy(f->file, f->video, len + 4);
        memcpy(f->file + len + 4, ".index.json", sizeof(".index.json"));
    }
    return true;
}

void
sv_media_sign(const unsigned char key[SV_SECRETBOX_KEY_LEN],
              long long expires, long long share, const char *scope,
              size_t len, char sig[SV_MEDIA_SIG_LEN + 1])
{
    char           msg[SV_PATH_REL_MAX + 64];
    unsigned char  md[EVP_MAX_MD_SIZE];
    unsigned int   md_len = 0;
    int            n;

    n = snprintf(msg, sizeof(msg), "%lld\n%lld\n", expires, share);
    if (len > sizeof(msg) - (size_t) n) {
        len = sizeof(msg) - (size_t) n;     /* no scope is this long */
    }
    memcpy(msg + n, scope, len);
    HMAC(EVP_sha256(), key, SV_SECRETBOX_KEY_LEN, (unsigned char *) msg,
         (size_t) n + len, md, &md_len);
    /* 16 bytes are 22 characters, the last with 2 unused bits */
    sv_b64url_encode(md, 16, sig);
    sig[SV_MEDIA_SIG_LEN] = '\0';
}

bool
sv_media_sig_ok(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                long long expires, long long share, const char *scope,
                size_t len, const char *sig, size_t sig_len)
{
    char want[SV_MEDIA_SIG_LEN + 1];

    if (sig_len != SV_MEDIA_SIG_LEN) {
        return false;
    }
    sv_media_sign(key, expires, share, scope, len, want);
    return CRYPTO_memcmp(want, sig, SV_MEDIA_SIG_LEN) == 0;
}

size_t
sv_media_escape(const char *in, size_t len, bool slash, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    char             *o = out;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) in[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~' || (c == '/' && slash))
        {
            *o++ = (char) c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 0x0f];
        }
    }
    return (size_t) (o - out);
}
