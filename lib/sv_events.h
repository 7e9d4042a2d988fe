/*
 * The event stream's plain parts (GET /api/events): what a message on the
 * Redis channel streamvault:events must look like, its Server-Sent Events
 * frame, and the replay ring that answers a reconnecting client's
 * Last-Event-ID. No nginx types.
 *
 * Publishers number their events with one Redis counter in the same script
 * that publishes them (worker/event_publish.c), so a message starts
 * {"seq":N, and the numbers are consecutive across every publisher. That
 * is what makes replay exact: a ring that holds seq o..n can replay for a
 * client whose last id L is in o-1..n, and a jump in the numbers a
 * subscriber receives shows that it missed some (a Redis reconnect, a
 * counter reset). A message without a seq is passed on live, never
 * replayed.
 */

#ifndef SV_EVENTS_H
#define SV_EVENTS_H

#include <stddef.h>
#include <stdint.h>

/* The channel, and the counter its publishers number events with. */
#define SV_EVENTS_CHANNEL       "streamvault:events"
#define SV_EVENTS_SEQ_KEY       "streamvault:events:seq"

#define SV_EVENTS_MESSAGE_MAX   (64u * 1024)
#define SV_EVENTS_FRAME_MAX     (SV_EVENTS_MESSAGE_MAX + 32)

/* "{"seq":N," or "{"seq":N}" at the start: N (1..2^63-1) in *seq, 1; 0 when
 * the message has no seq there. */
int sv_events_message_seq(const char *msg, size_t len, uint64_t *seq);

/* Whether a message can be an SSE data line: 2..SV_EVENTS_MESSAGE_MAX
 * bytes, "{" to "}", no CR, LF or NUL. (Whether it is JSON is the
 * caller's check.) */
int sv_events_message_fits(const char *msg, size_t len);

/* A Last-Event-ID header: 1..19 digits, no sign or space, at most
 * 2^63-1. 1 with the value in *id, 0 otherwise. */
int sv_events_parse_id(const char *s, size_t len, uint64_t *id);

/* "id: <seq>\ndata: <msg>\n\n" (no id line for seq 0) into out, which has
 * room for SV_EVENTS_FRAME_MAX bytes; its length. */
size_t sv_events_frame(char *out, uint64_t seq, const char *msg, size_t len);

/* The frame that tells a client to fetch everything again: with the id it
 * may resume from, or an empty one (seq 0) so that it resumes from none. */
size_t sv_events_reset_frame(char *out, uint64_t seq);


struct sv_events_entry {
    uint64_t    seq;
    char       *frame;          /* malloc'd */
    size_t      len;
};

/* The last events received, consecutive in seq, oldest first; bounded in
 * count and in bytes. */
struct sv_events_ring {
    struct sv_events_entry  *e;
    size_t                   cap;
    size_t                   head;      /* index of the oldest */
    size_t                   count;
    size_t                   bytes;
    size_t                   max_bytes;
};

int sv_events_ring_init(struct sv_events_ring *ring, size_t cap,
                        size_t max_bytes);
void sv_events_ring_free(struct sv_events_ring *ring);
void sv_events_ring_clear(struct sv_events_ring *ring);

/* Keeps a copy of a frame, dropping the oldest to make room. A seq that
 * does not follow the newest starts the ring again (what was before is not
 * contiguous with it). 0 when out of memory (the ring is then empty). */
int sv_events_ring_push(struct sv_events_ring *ring, uint64_t seq,
                        const char *frame, size_t len);

/* The i-th entry, oldest first. */
const struct sv_events_entry *sv_events_ring_at(
    const struct sv_events_ring *ring, size_t i);

/* The newest seq, 0 when empty. */
uint64_t sv_events_ring_newest(const struct sv_events_ring *ring);

/* For a client that last saw `last`: 1 with the index of the first entry
 * to send in *from (== count when it has seen everything), or 0 when the
 * ring cannot tell what it missed (empty, too old, or from the future). */
int sv_events_ring_replay(const struct sv_events_ring *ring, uint64_t last,
                          size_t *from);

#endif /* SV_EVENTS_H */
