/*
 * Safe relative paths (lib/sv_path.c).
 */

#include <string.h>

#include "sv_path.h"
#include "tap.h"

static void
good(const char *p)
{
    char err[128] = "";

    tap_ok(sv_path_relative_ok(p, err, sizeof(err)), "\"%s\" is fine (%s)",
           p, err);
}

static void
bad(const char *p, const char *why, const char *what)
{
    char err[128] = "";

    tap_ok(!sv_path_relative_ok(p, err, sizeof(err)) && strstr(err, why),
           "%s is refused (%s)", what, err);
}

int
main(void)
{
    char long_path[SV_PATH_REL_MAX + 2], out[32];

    good("a.ts");
    good("raw/2026/seg 01.ts");
    good("..a/b..c/.hidden");
    good("unicode/é.mp4");

    bad("", "1..", "an empty path");
    bad("/etc/passwd", "relative", "an absolute path");
    bad("../x.ts", "'..'", "a leading ..");
    bad("a/../../b", "'..'", "a .. inside");
    bad("a/..", "'..'", "a trailing ..");
    bad("./a", "'.'", "a . component");
    bad("a//b", "empty", "an empty component");
    bad("a/", "empty", "a trailing slash");
    bad("a\nb", "control", "a newline");
    bad("a\x01", "control", "a control byte");
    bad("a\x7f", "control", "DEL");
    bad("a\\..\\b", "backslash", "a backslash");
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';
    bad(long_path, "1..", "an overlong path");
    long_path[SV_PATH_REL_MAX] = '\0';
    good(long_path);

    tap_ok(sv_path_join("/m", "a/b", out, sizeof(out))
           && strcmp(out, "/m/a/b") == 0, "join");
    tap_ok(!sv_path_join("/m", long_path, out, sizeof(out)),
           "join refuses what does not fit");

    tap_ok(sv_path_within("/m", "/m/a"), "below the root");
    tap_ok(sv_path_within("/m", "/m"), "the root itself");
    tap_ok(sv_path_within("/m/", "/m/a"), "a root with a trailing slash");
    tap_ok(!sv_path_within("/m", "/mx/a"), "a sibling sharing a prefix");
    tap_ok(!sv_path_within("/m", "/"), "above the root");
    tap_ok(sv_path_within("/", "/etc"), "everything is below /");

    tap_ok(sv_path_has_suffix("a.mp4", ".mp4"), "suffix");
    tap_ok(!sv_path_has_suffix("mp4", ".mp4"), "shorter than the suffix");
    return tap_done();
}
