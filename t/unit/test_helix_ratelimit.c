/*
 * Twitch's Ratelimit-* headers as libcurl hands them over
 * (worker/helix_http.c).
 */

#include <string.h>

#include "helix_http.h"
#include "tap.h"

static void
feed(struct sv_helix_ratelimit *rl, const char *line)
{
    sv_helix_ratelimit_header(line, strlen(line), rl);
}

int
main(void)
{
    struct sv_helix_ratelimit rl = { -1, -1, -1 };

    feed(&rl, "HTTP/1.1 200 OK\r\n");
    feed(&rl, "Ratelimit-Limit: 800\r\n");
    feed(&rl, "ratelimit-remaining: 799\r\n");
    feed(&rl, "RATELIMIT-RESET:\t1765432100 \r\n");
    tap_is_int(rl.limit, 800, "limit");
    tap_is_int(rl.remaining, 799, "remaining, any case");
    tap_is_int(rl.reset, 1765432100, "reset, blanks around");

    feed(&rl, "Ratelimit-Remaining: 0\r\n");
    tap_is_int(rl.remaining, 0, "none left");
    feed(&rl, "Ratelimit-Remaining: -5\r\n");
    feed(&rl, "Ratelimit-Remaining: 12abc\r\n");
    feed(&rl, "Ratelimit-Remaining:\r\n");
    feed(&rl, "Ratelimit-Remaining: 99999999999999999999999\r\n");
    tap_is_int(rl.remaining, 0, "malformed values are ignored");
    feed(&rl, "Ratelimit-Remainingx: 5\r\n");
    feed(&rl, "X-Ratelimit-Remaining: 5\r\n");
    tap_is_int(rl.remaining, 0, "other headers are ignored");
    feed(&rl, "Ratelimit-Reset: 17");
    tap_is_int(rl.reset, 17, "a line without CRLF");
    return tap_done();
}
