/*
 * File name templates (lib/sv_template.c): syntax, rendering, and hostile
 * values that must still give a safe relative path.
 */

#include <string.h>

#include "sv_path.h"
#include "sv_template.h"
#include "sv_utf8.h"
#include "tap.h"

static const struct sv_template_values alice = {
    .streamer = "alice", .title = "Speedrun any%", .id = "v42",
    .year = 2026, .month = 11, .day = 21, .hour = 9, .minute = 5,
    .second = 7, .episode = 3,
};

static void
bad_template(const char *tmpl, const char *why)
{
    char err[128] = "", out[SV_PATH_REL_MAX + 1];

    tap_ok(!sv_template_check(tmpl, err, sizeof(err)) && strstr(err, why)
           && !sv_template_render(tmpl, &alice, "", out, err, sizeof(err)),
           "\"%s\" is refused: %s", tmpl, err);
}

static void
renders(const char *tmpl, const char *ext, const char *expected)
{
    char err[128] = "", out[SV_PATH_REL_MAX + 1];

    tap_ok(sv_template_render(tmpl, &alice, ext, out, err, sizeof(err)),
           "\"%s\" renders (%s)", tmpl, err);
    tap_is_str(out, expected, "  as \"%s\"", expected);
}

/* What every rendering must be: accepted by sv_path_relative_ok, valid
 * UTF-8, no character Windows refuses, components of 1..255 bytes without
 * trailing dots or spaces. */
static bool
safe(const char *p)
{
    char   err[128];
    size_t len = strlen(p), component = 0;

    if (!sv_path_relative_ok(p, err, sizeof(err))
        || strpbrk(p, "<>:\"|?*\\") != NULL) {
        return false;
    }
    for (size_t i = 0; i < len;) {
        size_t seq = sv_utf8_sequence_length((const unsigned char *) p + i,
                                             len - i);

        if (seq == 0) {
            return false;
        }
        if (p[i] == '/' || i + seq == len) {
            size_t end = p[i] == '/' ? i : len;

            if (end - component > SV_TEMPLATE_COMPONENT_MAX
                || p[end - 1] == '.' || p[end - 1] == ' ') {
                return false;
            }
            component = i + 1;
        }
        i += seq;
    }
    return true;
}

static void
hostile(const char *what, const char *tmpl, const char *title,
        const char *streamer, const char *expected)
{
    struct sv_template_values v = alice;
    char                      err[128] = "", out[SV_PATH_REL_MAX + 1];
    bool                      ok;

    v.title = title;
    v.streamer = streamer;
    ok = sv_template_render(tmpl, &v, ".mp4", out, err, sizeof(err));
    tap_ok(ok && safe(out), "%s: safe \"%.80s\"", what, out);
    if (expected != NULL) {
        tap_is_str(out, expected, "  as expected");
    }
}

/* Where the worker puts a video: under library/, the stem cut so that
 * every sidecar's name fits. */
static void
video_paths(const char *long_title, const char *cjk)
{
    struct sv_template_values v = alice;
    char                      err[128] = "", out[SV_PATH_REL_MAX + 1];
    const char               *name;

    tap_ok(sv_template_video_path(NULL, &alice, out, err, sizeof(err)),
           "the default template gives a video path (%s)", err);
    tap_is_str(out, "library/alice/Season 202611/alice - S202611E03 - "
               "Speedrun any%.mp4", "  under library/");
    tap_ok(!sv_template_video_path("{x}", &alice, out, err, sizeof(err))
           && strcmp(err, "unknown placeholder {x} at byte 0") == 0,
           "errors name the byte of the template, not of library/ (%s)",
           err);
    tap_ok(sv_template_video_path("a/b/c/d/e/f/g/h/{title}", &alice, out,
                                  err, sizeof(err))
           && strcmp(out, "library/a/b/c/d/e/f/g/h/Speedrun any%.mp4") == 0,
           "eight '/' are allowed under library/ too (%s)", out);

    v.title = long_title;
    sv_template_video_path("{title}", &v, out, err, sizeof(err));
    name = strrchr(out, '/') + 1;
    tap_ok(safe(out) && strlen(name) == SV_TEMPLATE_STEM_MAX + 4,
           "a long name's stem is cut to %zu bytes for the sidecars",
           (size_t) SV_TEMPLATE_STEM_MAX);
    v.title = cjk;
    sv_template_video_path("{title}", &v, out, err, sizeof(err));
    name = strrchr(out, '/') + 1;
    tap_ok(safe(out) && strlen(name) == 1 + 76 * 3 + 4,
           "  at a character (%zu bytes)", strlen(name));

    char stem[300];

    memcpy(stem, "CON", 3);
    memset(stem + 3, ' ', 240);
    strcpy(stem + 243, "x");
    sv_template_cut_stem(stem, SV_TEMPLATE_STEM_MAX);
    tap_is_str(stem, "_ON", "a stem cut to a device name is renamed");

    tap_ok(sv_template_when(&v, "2026-11-21", "090507") && v.year == 2026
           && v.month == 11 && v.day == 21 && v.hour == 9 && v.minute == 5
           && v.second == 7, "date and time are read");
    tap_ok(!sv_template_when(&v, "2026-1-21", "090507")
           && !sv_template_when(&v, "2026-11-21", "0905")
           && !sv_template_when(&v, "2026-11-2x", "090507")
           && !sv_template_when(&v, "2026-11-21", "-90507"),
           "and anything else is refused");
}

int
main(void)
{
    char long_title[400], cjk[400], tmpl[SV_TEMPLATE_MAX + 2];
    char err[128], out[SV_PATH_REL_MAX + 1];

    /* Good templates. */
    renders(SV_TEMPLATE_DEFAULT, ".mp4",
            "alice/Season 202611/alice - S202611E03 - Speedrun any%.mp4");
    renders("{date} {time} {id}", "", "2026-11-21 090507 v42");
    renders("x/{streamer}/{season}/{episode}", ".nfo", "x/alice/202611/03.nfo");
    renders("plain", ".mp4", "plain.mp4");
    renders("ünï/日本", ".mp4", "ünï/日本.mp4");

    /* Every syntax error, with its position. */
    bad_template("", "1..");
    bad_template("{nope}", "unknown placeholder {nope} at byte 0");
    bad_template("a{title", "unbalanced '{' at byte 1");
    bad_template("a{{title}}", "unbalanced '{' at byte 1");
    bad_template("ab}", "unbalanced '}' at byte 2");
    bad_template("{}", "unknown placeholder {} at byte 0");
    bad_template("a/b/c/d/e/f/g/h/i/j", "more than 8 '/'");
    memset(tmpl, 'a', sizeof(tmpl) - 1);
    tmpl[sizeof(tmpl) - 1] = '\0';
    bad_template(tmpl, "1..");
    tap_ok(!sv_template_render("{title}", &alice, "mp4", out, err,
                               sizeof(err)) && strstr(err, "extension"),
           "an extension without a dot is refused (%s)", err);
    tap_ok(!sv_template_render("{title}", &alice, "./../x", out, err,
                               sizeof(err)), "a path as extension is refused");

    /* Hostile values and templates. */
    hostile("../ in the title", "{streamer}/{title}", "../../etc/passwd",
            "alice", "alice/_.._etc_passwd.mp4");
    hostile("only ..", "{streamer}/{title}", "..", "..", "untitled.mp4");
    hostile("a / in the streamer", "{streamer}/{title}", "t", "/root",
            "_root/t.mp4");
    hostile("a .. template", "../{title}/./x", "t", "a", "t/x.mp4");
    hostile("a leading / template", "/{title}", "t", "a", "t.mp4");
    hostile("NUL ends the value", "{title}", "a\0/../b", "a", "a.mp4");
    hostile("control characters", "{title}", "a\x01\n\tb\x7f", "a", "ab.mp4");
    hostile("backslashes", "{title}", "..\\..\\win", "a", "_.._win.mp4");
    hostile("Windows characters", "{title}", "a<b>c:d\"e|f?g*h", "a",
            "a_b_c_d_e_f_g_h.mp4");
    hostile("trailing dots and spaces", "{streamer}/{title}", "t. . .",
            "a . ", "a/t.mp4");
    hostile("empty values", "{streamer}/{title}", "", "", "untitled.mp4");
    hostile("NULL values", "{streamer}/{title}", NULL, NULL, "untitled.mp4");
    hostile("only dots", "{streamer}/{title}", "....", "...", "untitled.mp4");
    hostile("a device name", "{title}", "con", "a", "_on.mp4");
    hostile("invalid UTF-8", "{title}", "a\xff\xc3", "a", "a__.mp4");

    memset(long_title, 'x', 300);
    long_title[300] = '\0';
    hostile("300 bytes", "{title}", long_title, "a", NULL);
    tap_ok(strlen(out) <= SV_TEMPLATE_COMPONENT_MAX, "cut to 255 bytes");
    /* 3-byte characters from byte 1: 255 - 4 (".mp4") = 251 is not on a
     * boundary, so the cut must fall before. */
    cjk[0] = 'a';
    for (size_t i = 1; i + 3 < sizeof(cjk); i += 3) {
        memcpy(cjk + i, "\xe6\x97\xa5", 3);
        cjk[i + 3] = '\0';
    }
    sv_template_render("{title}", &(struct sv_template_values) {
                           .title = cjk }, ".mp4", out, err, sizeof(err));
    tap_ok(safe(out) && strlen(out) == 1 + 83 * 3 + 4,
           "a multibyte title is cut at a character (%zu bytes)", strlen(out));
    for (size_t i = 0; i < 8; i++) {
        strcpy(tmpl + i * 8, "{title}/");
    }
    strcpy(tmpl + 64, "{title}");
    hostile("nine overlong components", tmpl, cjk, "a", NULL);
    sv_template_render(tmpl, &(struct sv_template_values) { .title = cjk },
                       ".mp4", out, err, sizeof(err));
    tap_ok(strlen(out) <= SV_PATH_REL_MAX, "the whole path is bounded "
           "(%zu bytes)", strlen(out));

    video_paths(long_title, cjk);
    return tap_done();
}
