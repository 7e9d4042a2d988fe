/*
 * Signed media URLs: what lets nginx serve a library file to a player with
 * no I/O but the file itself. The API hands them out; the module checks
 * them on every request (video byte ranges are the hot path).
 *
 *   /media/<expires>/<share>/<signature>/<path>
 *
 * expires: Unix seconds; share: the share link the URL was made for, 0 for
 * none; path: the file, relative to the media root, percent-encoded.
 *
 * A signature covers a scope, not one file: "<folder>/<stem>", the files
 * of one library item. A path is
 *
 *   <folder>/<stem><tail>  or  <folder>/.streamvault/<stem><tail>
 *
 * with a tail from a fixed list (".mp4", ".m3u8", "-thumb.jpg",
 * ".sprite.jpg", ...), or with an empty stem a folder's artwork
 * ("poster.jpg", ...), or a running recording's live playlist
 * ("live.m3u8", made from its segment log) and segments ("<12 digits>.ts")
 * in its raw folder. So the references inside a family stay relative and signed
 * (the playlist's segments are "<stem>.mp4" next to it, the thumbnail
 * track names its sprite beside it), while a file of another item in the
 * same folder has another stem and fails the check: "Speedrun (2).mp4" is
 * not a tail of "Speedrun".
 *
 *   signature = base64url(HMAC-SHA256(key, "<expires>\n<share>\n<scope>"))
 *               cut to 22 characters (128 bits)
 *   key       = HMAC-SHA256(secret file, "streamvault media urls v1")
 *
 * Plain C, no nginx types: unit-tested directly.
 */

#ifndef SV_MEDIA_URL_H
#define SV_MEDIA_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "sv_path.h"
#include "sv_secretbox.h"

#define SV_MEDIA_PREFIX       "/media/"
#define SV_MEDIA_SIG_LEN      22
#define SV_MEDIA_HIDDEN_DIR   ".streamvault"

enum sv_media_kind {
    SV_MEDIA_FILE,              /* served as it is */
    SV_MEDIA_PLAYLIST,          /* made from <stem>.mp4.index.json */
    SV_MEDIA_LIVE               /* made from <folder>/.segments */
};

struct sv_media_file {
    enum sv_media_kind  kind;
    const char         *mime;
    char                scope[SV_PATH_REL_MAX + 1];   /* "<folder>/<stem>" */
    size_t              scope_len;
    /* relative to the media root: the file to open (the fragment index or
     * the segment log for a playlist) and for a playlist the video it
     * describes */
    char                file[SV_PATH_REL_MAX + 32];
    char                video[SV_PATH_REL_MAX + 1];
};

/* The key of media URLs from the secret file's bytes. */
void sv_media_key(const unsigned char *secret, size_t len,
                  unsigned char key[SV_SECRETBOX_KEY_LEN]);

/* Reads path (len bytes, decoded, relative to the media root) into f:
 * true when it is a safe relative path of a known shape; else false with
 * the reason. */
bool sv_media_parse(const char *path, size_t len, struct sv_media_file *f,
                    char *err, size_t errlen);

/* The signature of scope (len bytes) for expires and share into sig,
 * NUL-terminated. */
void sv_media_sign(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                   long long expires, long long share, const char *scope,
                   size_t len, char sig[SV_MEDIA_SIG_LEN + 1]);

/* True when sig (sig_len characters) is scope's signature; compared in
 * constant time. */
bool sv_media_sig_ok(const unsigned char key[SV_SECRETBOX_KEY_LEN],
                     long long expires, long long share, const char *scope,
                     size_t len, const char *sig, size_t sig_len);

/* Percent-encodes len bytes of in (all but unreserved characters and
 * '/', or with slash false '/' too) into out (room for 3 * len); returns
 * the length written. */
size_t sv_media_escape(const char *in, size_t len, bool slash, char *out);

#endif /* SV_MEDIA_URL_H */
