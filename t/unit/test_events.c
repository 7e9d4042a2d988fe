/*
 * The event stream's plain parts (lib/sv_events.c): the seq at the head of
 * a channel message, what may become a data line, Last-Event-ID, the
 * frames, and the replay ring's answers at its edges.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_events.h"
#include "tap.h"

static char frame[SV_EVENTS_FRAME_MAX];

static void
seq_is(const char *msg, int ok, uint64_t want)
{
    uint64_t seq = 0;
    int      got = sv_events_message_seq(msg, strlen(msg), &seq);

    tap_is_int(got, ok, "seq of %s: %s", msg, ok ? "found" : "none");
    if (ok) {
        tap_is_int((long long) seq, (long long) want, "seq of %s", msg);
    }
}

static void
id_is(const char *s, int ok, uint64_t want)
{
    uint64_t id = 0;

    tap_is_int(sv_events_parse_id(s, strlen(s), &id), ok,
               "Last-Event-ID \"%s\" %s", s, ok ? "taken" : "refused");
    if (ok) {
        tap_is_int((long long) id, (long long) want, "Last-Event-ID %s", s);
    }
}

static void
push(struct sv_events_ring *ring, uint64_t seq)
{
    size_t n;
    char   msg[64];

    snprintf(msg, sizeof(msg), "{\"seq\":%llu}", (unsigned long long) seq);
    n = sv_events_frame(frame, seq, msg, strlen(msg));
    tap_ok(sv_events_ring_push(ring, seq, frame, n), "push %llu",
           (unsigned long long) seq);
}

static void
replay_is(struct sv_events_ring *ring, uint64_t last, int ok, size_t want)
{
    size_t from = 99999;

    tap_is_int(sv_events_ring_replay(ring, last, &from), ok,
               "after %llu: %s", (unsigned long long) last,
               ok ? "replayable" : "reset");
    if (ok) {
        tap_is_int((long long) from, (long long) want, "after %llu: from",
                   (unsigned long long) last);
    }
}

int
main(void)
{
    struct sv_events_ring  ring;
    char                   big[SV_EVENTS_MESSAGE_MAX + 2];
    size_t                 n;

    seq_is("{\"seq\":42,\"type\":\"job\"}", 1, 42);
    seq_is("{\"seq\":7}", 1, 7);
    seq_is("{\"seq\":9223372036854775807,\"a\":1}", 1, 9223372036854775807ULL);
    seq_is("{\"seq\":9223372036854775808,\"a\":1}", 0, 0);
    seq_is("{\"seq\":0,\"a\":1}", 0, 0);
    seq_is("{\"seq\":,\"a\":1}", 0, 0);
    seq_is("{\"seq\":-1,\"a\":1}", 0, 0);
    seq_is("{\"seq\":12", 0, 0);
    seq_is("{\"seq\": 12,\"a\":1}", 0, 0);
    seq_is("{\"type\":\"job\",\"seq\":4}", 0, 0);
    seq_is("{\"seq\":\"4\"}", 0, 0);

    tap_ok(sv_events_message_fits("{}", 2), "{} fits");
    tap_ok(sv_events_message_fits("{\"a\":\"x y\"}", 11), "an object fits");
    tap_ok(!sv_events_message_fits("{\"a\":\n1}", 8), "a newline does not");
    tap_ok(!sv_events_message_fits("{\"a\":\r1}", 8), "a CR does not");
    tap_ok(!sv_events_message_fits("{\"a\":\0001}", 8), "a NUL does not");
    tap_ok(!sv_events_message_fits("[1]", 3), "an array does not");
    tap_ok(!sv_events_message_fits("{", 1), "one byte does not");
    memset(big, ' ', sizeof(big));
    big[0] = '{';
    big[SV_EVENTS_MESSAGE_MAX - 1] = '}';
    tap_ok(sv_events_message_fits(big, SV_EVENTS_MESSAGE_MAX),
           "the largest message fits");
    big[SV_EVENTS_MESSAGE_MAX] = '}';
    tap_ok(!sv_events_message_fits(big, SV_EVENTS_MESSAGE_MAX + 1),
           "one byte more does not");
    n = sv_events_frame(frame, 0, big, SV_EVENTS_MESSAGE_MAX);
    tap_ok(n <= SV_EVENTS_FRAME_MAX, "the largest frame fits its buffer");
    n = sv_events_frame(frame, 9223372036854775807ULL, big,
                        SV_EVENTS_MESSAGE_MAX);
    tap_ok(n <= SV_EVENTS_FRAME_MAX, "with the largest id too");

    id_is("1", 1, 1);
    id_is("18446", 1, 18446);
    id_is("9223372036854775807", 1, 9223372036854775807ULL);
    id_is("9223372036854775808", 0, 0);
    id_is("99999999999999999999", 0, 0);
    id_is("0", 0, 0);
    id_is("", 0, 0);
    id_is(" 1", 0, 0);
    id_is("+1", 0, 0);
    id_is("1-0", 0, 0);

    n = sv_events_frame(frame, 5, "{\"seq\":5}", 9);
    frame[n] = '\0';
    tap_is_str(frame, "id: 5\ndata: {\"seq\":5}\n\n", "a numbered frame");
    n = sv_events_frame(frame, 0, "{\"a\":1}", 7);
    frame[n] = '\0';
    tap_is_str(frame, "data: {\"a\":1}\n\n", "an unnumbered frame");
    n = sv_events_reset_frame(frame, 12);
    frame[n] = '\0';
    tap_is_str(frame, "id: 12\ndata: {\"type\":\"reset\"}\n\n",
               "a reset that resumes from 12");
    n = sv_events_reset_frame(frame, 0);
    frame[n] = '\0';
    tap_is_str(frame, "id:\ndata: {\"type\":\"reset\"}\n\n",
               "a reset that resumes from nothing");

    tap_ok(sv_events_ring_init(&ring, 4, 1024), "a ring of 4");
    replay_is(&ring, 1, 0, 0);
    tap_is_int((long long) sv_events_ring_newest(&ring), 0, "empty: newest 0");
    push(&ring, 10);
    push(&ring, 11);
    push(&ring, 12);
    replay_is(&ring, 9, 1, 0);
    replay_is(&ring, 10, 1, 1);
    replay_is(&ring, 12, 1, 3);
    replay_is(&ring, 8, 0, 0);
    replay_is(&ring, 13, 0, 0);
    push(&ring, 13);
    push(&ring, 14);
    tap_is_int((long long) ring.count, 4, "full: 4 kept");
    tap_is_int((long long) sv_events_ring_at(&ring, 0)->seq, 11,
               "the oldest dropped");
    replay_is(&ring, 9, 0, 0);
    replay_is(&ring, 10, 1, 0);
    n = sv_events_ring_at(&ring, 1)->len;
    tap_ok(n == strlen("id: 12\ndata: {\"seq\":12}\n\n")
           && memcmp(sv_events_ring_at(&ring, 1)->frame,
                     "id: 12\ndata: {\"seq\":12}\n\n", n) == 0,
           "an entry keeps its frame");

    push(&ring, 20);
    tap_is_int((long long) ring.count, 1, "a jump starts the ring again");
    replay_is(&ring, 14, 0, 0);
    replay_is(&ring, 19, 1, 0);
    push(&ring, 1);
    tap_is_int((long long) sv_events_ring_newest(&ring), 1,
               "a counter reset starts it again too");
    replay_is(&ring, 20, 0, 0);

    /* bytes bound it as well as the count */
    sv_events_ring_clear(&ring);
    tap_ok(sv_events_ring_push(&ring, 1, big, 600), "600 bytes kept");
    tap_ok(sv_events_ring_push(&ring, 2, big, 600), "600 more");
    tap_is_int((long long) ring.count, 1, "the first made room");
    tap_is_int((long long) ring.bytes, 600, "600 bytes held");
    tap_ok(sv_events_ring_push(&ring, 3, big, 2000),
           "a frame larger than the ring is taken");
    tap_is_int((long long) ring.count, 0, "but not kept, nor what was");
    replay_is(&ring, 2, 0, 0);
    sv_events_ring_free(&ring);
    sv_events_ring_free(&ring);
    tap_ok(1, "freed twice safely");
    return tap_done();
}
