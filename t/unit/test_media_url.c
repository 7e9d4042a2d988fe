/*
 * Signed media URLs (lib/sv_media_url.c): which paths are files of which
 * scope, the signature (against openssl's own HMAC), and percent-encoding.
 */

#include <stdio.h>
#include <string.h>

#include "sv_media_url.h"
#include "tap.h"

#define SECRET  "0123456789abcdef0123456789abcdef"

static struct sv_media_file  f;
static char                  err[256];

static bool
parse(const char *path)
{
    return sv_media_parse(path, strlen(path), &f, err, sizeof(err));
}

static void
shapes(void)
{
    const char *dir = "library/Alice/Season 202611/";

    tap_ok(parse("library/Alice/Season 202611/Alice - S202611E03 - Run.mp4"),
           "the video");
    tap_is_str(f.scope, "library/Alice/Season 202611/Alice - S202611E03 - "
               "Run", "its scope: folder and stem");
    tap_ok(f.scope_len == strlen(f.scope), "scope_len");
    tap_is_str(f.mime, "video/mp4", "video/mp4");
    tap_ok(f.kind == SV_MEDIA_FILE, "served as it is");
    tap_is_str(f.file, "library/Alice/Season 202611/Alice - S202611E03 - "
               "Run.mp4", "the file is the path");

    tap_ok(parse("library/Alice/Season 202611/Alice - S202611E03 - Run.m3u8")
           && f.kind == SV_MEDIA_PLAYLIST, "the playlist");
    tap_is_str(f.file, "library/Alice/Season 202611/Alice - S202611E03 - "
               "Run.mp4.index.json", "made from the fragment index");
    tap_is_str(f.video, "library/Alice/Season 202611/Alice - S202611E03 - "
               "Run.mp4", "of the video");
    tap_is_str(f.scope, "library/Alice/Season 202611/Alice - S202611E03 - "
               "Run", "the video's scope");
    tap_is_str(f.mime, "application/vnd.apple.mpegurl", "its type");

    tap_ok(parse("library/A/S/.streamvault/X.sprite.jpg"), "the sprite");
    tap_is_str(f.scope, "library/A/S/X", "the scope of the video beside");
    tap_is_str(f.file, "library/A/S/.streamvault/X.sprite.jpg", "in the "
               "hidden folder");
    tap_ok(parse("library/A/S/.streamvault/X.thumbnails.vtt")
           && strcmp(f.mime, "text/vtt") == 0
           && strcmp(f.scope, "library/A/S/X") == 0, "the thumbnail track");
    tap_ok(parse("library/A/S/.streamvault/X.chapters.vtt")
           && strcmp(f.scope, "library/A/S/X") == 0, "the chapter track");
    tap_ok(parse("library/A/S/.streamvault/X.chat.jsonl")
           && strcmp(f.mime, "application/x-ndjson") == 0, "the chat");
    tap_ok(parse("library/A/S/X-thumb.jpg")
           && strcmp(f.scope, "library/A/S/X") == 0
           && strcmp(f.mime, "image/jpeg") == 0, "the poster frame");
    tap_ok(parse("library/A/poster.png") && strcmp(f.scope, "library/A/") == 0
           && strcmp(f.mime, "image/png") == 0, "a show's poster: no stem");
    tap_ok(parse("library/A/fanart.jpg") && parse("library/A/banner.webp")
           && strcmp(f.mime, "image/webp") == 0, "fanart, banner");

    tap_ok(parse("raw/42/live.m3u8") && f.kind == SV_MEDIA_LIVE
           && strcmp(f.scope, "raw/42/") == 0
           && strcmp(f.file, "raw/42/.segments") == 0
           && strcmp(f.mime, "application/vnd.apple.mpegurl") == 0,
           "a live playlist: made from the raw folder's segment log");
    tap_ok(parse("raw/42/000000000007.ts") && f.kind == SV_MEDIA_FILE
           && strcmp(f.scope, "raw/42/") == 0
           && strcmp(f.mime, "video/mp2t") == 0, "its segments, same scope");
    tap_ok(!parse("raw/42/7.ts"), "a segment name is 12 digits");
    tap_ok(!parse("raw/42/.segments"), "the log itself is not served");
    tap_ok(parse("library/A/S/X (2).mp4")
           && strcmp(f.scope, "library/A/S/X (2)") == 0,
           "another item in the folder has another scope");
    tap_ok(!parse("library/A/S/X.nfo"), "an NFO is not served");
    tap_ok(strstr(err, "not a kind") != NULL, "saying why: %s", err);
    tap_ok(!parse("library/A/S/X.mp4.index.json"), "nor the index itself");
    tap_ok(!parse("library/A/S/.mp4"), "nor a tail without a stem");
    tap_ok(!parse("library/A/S/X.sprite.jpg"), "a hidden kind outside the "
           "hidden folder: no");
    tap_ok(!parse("library/A/S/.streamvault/X.mp4"), "a video inside it: no");
    tap_ok(!parse("library/A/.streamvault/poster.jpg"), "artwork inside it: "
           "no");
    tap_ok(!parse(".streamvault/X.sprite.jpg"), "a hidden folder at the "
           "top: no");
    tap_ok(!parse("X.mp4"), "a file at the top: no");
    tap_ok(!parse("library/../etc/X.mp4"), "..: no");
    tap_ok(!parse("/etc/X.mp4"), "absolute: no");
    tap_ok(!parse("library//X.mp4"), "an empty component: no");
    tap_ok(!parse("library/./X.mp4"), ".: no");
    tap_ok(!parse("library/a\\b/X.mp4"), "a backslash: no");
    tap_ok(!parse("library/a\nb/X.mp4"), "a control byte: no");
    tap_ok(!sv_media_parse("library/X\0.mp4", 14, &f, err, sizeof(err)),
           "a NUL: no");
    (void) dir;
}

static void
signatures(void)
{
    unsigned char key[SV_SECRETBOX_KEY_LEN], k2[SV_SECRETBOX_KEY_LEN];
    char          sig[SV_MEDIA_SIG_LEN + 1], hex[65], cmd[512], line[128];
    const char   *scope = "library/A/S/X";
    FILE         *p;

    sv_media_key((const unsigned char *) SECRET "\n", sizeof(SECRET), key);
    for (int i = 0; i < SV_SECRETBOX_KEY_LEN; i++) {
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    }
    /* the key and the signature as openssl computes them */
    snprintf(cmd, sizeof(cmd), "printf 'streamvault media urls v1' | openssl "
             "dgst -sha256 -hmac '%s' -r", SECRET);
    p = popen(cmd, "r");
    tap_ok(p != NULL && fgets(line, sizeof(line), p) != NULL
           && strncmp(line, hex, 64) == 0,
           "key = HMAC-SHA256(secret file, \"streamvault media urls v1\")");
    if (p != NULL) {
        pclose(p);
    }
    sv_media_sign(key, 1767225600, 0, scope, strlen(scope), sig);
    snprintf(cmd, sizeof(cmd), "printf '1767225600\\n0\\n%s' | openssl dgst "
             "-sha256 -mac HMAC -macopt hexkey:%s -binary | head -c 16 | "
             "basenc --base64url | tr -d '=\\n'", scope, hex);
    p = popen(cmd, "r");
    tap_ok(p != NULL && fgets(line, sizeof(line), p) != NULL
           && strcmp(line, sig) == 0, "sig = base64url(HMAC(key, "
           "expires\\nshare\\nscope))[:16 bytes]: %s", sig);
    if (p != NULL) {
        pclose(p);
    }
    tap_ok(strlen(sig) == SV_MEDIA_SIG_LEN, "22 characters");

    tap_ok(sv_media_sig_ok(key, 1767225600, 0, scope, strlen(scope), sig,
                           SV_MEDIA_SIG_LEN), "it checks");
    tap_ok(!sv_media_sig_ok(key, 1767225601, 0, scope, strlen(scope), sig,
                            SV_MEDIA_SIG_LEN), "not for another expiry");
    tap_ok(!sv_media_sig_ok(key, 1767225600, 7, scope, strlen(scope), sig,
                            SV_MEDIA_SIG_LEN), "nor another share");
    tap_ok(!sv_media_sig_ok(key, 1767225600, 0, "library/A/S/Y", 13, sig,
                            SV_MEDIA_SIG_LEN), "nor another scope");
    tap_ok(!sv_media_sig_ok(key, 1767225600, 0, scope, strlen(scope), sig,
                            SV_MEDIA_SIG_LEN - 1), "nor cut short");
    sv_media_key((const unsigned char *) SECRET "x", sizeof(SECRET), k2);
    tap_ok(!sv_media_sig_ok(k2, 1767225600, 0, scope, strlen(scope), sig,
                            SV_MEDIA_SIG_LEN), "nor under another key");
    sig[3] ^= 1;
    tap_ok(!sv_media_sig_ok(key, 1767225600, 0, scope, strlen(scope), sig,
                            SV_MEDIA_SIG_LEN), "nor tampered with");
}

static void
escaping(void)
{
    char        out[256];
    const char *in = "library/Alice & Bob/Season 1/x\"y?#%\xc3\xa9~.mp4";
    size_t      n = sv_media_escape(in, strlen(in), true, out);

    out[n] = '\0';
    tap_is_str(out, "library/Alice%20%26%20Bob/Season%201/x%22y%3F%23%25"
               "%C3%A9~.mp4", "percent-encoded, slashes kept");
    n = sv_media_escape("a/b c", 5, false, out);
    out[n] = '\0';
    tap_is_str(out, "a%2Fb%20c", "a name: its slash too");
}

int
main(void)
{
    shapes();
    signatures();
    escaping();
    return tap_done();
}
