/*
 * The event stream's plain parts (see sv_events.h).
 */

#include "sv_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_PREFIX      "{\"seq\":"
#define ID_DIGITS_MAX   19

static int
parse_digits(const char *s, size_t len, uint64_t *value)
{
    uint64_t v = 0;

    if (len == 0 || len > ID_DIGITS_MAX) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (uint64_t) (s[i] - '0');   /* 19 digits cannot wrap */
    }
    if (v == 0 || v > (uint64_t) INT64_MAX) {
        return 0;
    }
    *value = v;
    return 1;
}

int
sv_events_message_seq(const char *msg, size_t len, uint64_t *seq)
{
    size_t p = sizeof(SEQ_PREFIX) - 1, start;

    if (len < p || memcmp(msg, SEQ_PREFIX, p) != 0) {
        return 0;
    }
    start = p;
    while (p < len && msg[p] >= '0' && msg[p] <= '9') {
        p++;
    }
    if (p == len || (msg[p] != ',' && msg[p] != '}')) {
        return 0;
    }
    return parse_digits(msg + start, p - start, seq);
}

int
sv_events_message_fits(const char *msg, size_t len)
{
    if (len < 2 || len > SV_EVENTS_MESSAGE_MAX
        || msg[0] != '{' || msg[len - 1] != '}')
    {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (msg[i] == '\r' || msg[i] == '\n' || msg[i] == '\0') {
            return 0;
        }
    }
    return 1;
}

int
sv_events_parse_id(const char *s, size_t len, uint64_t *id)
{
    return parse_digits(s, len, id);
}

size_t
sv_events_frame(char *out, uint64_t seq, const char *msg, size_t len)
{
    size_t n = 0;

    if (seq != 0) {
        n = (size_t) snprintf(out, 32, "id: %llu\n", (unsigned long long) seq);
    }
    memcpy(out + n, "data: ", 6);
    memcpy(out + n + 6, msg, len);
    memcpy(out + n + 6 + len, "\n\n", 2);
    return n + 6 + len + 2;
}

size_t
sv_events_reset_frame(char *out, uint64_t seq)
{
    static const char data[] = "data: {\"type\":\"reset\"}\n\n";
    size_t            n;

    /* "id:" with no value empties the client's last id (WHATWG HTML,
     * 9.2.6): its next reconnect asks for no replay. */
    if (seq != 0) {
        n = (size_t) snprintf(out, 32, "id: %llu\n", (unsigned long long) seq);
    } else {
        n = (size_t) snprintf(out, 32, "id:\n");
    }
    memcpy(out + n, data, sizeof(data) - 1);
    return n + sizeof(data) - 1;
}

int
sv_events_ring_init(struct sv_events_ring *ring, size_t cap, size_t max_bytes)
{
    memset(ring, 0, sizeof(*ring));
    ring->e = calloc(cap, sizeof(*ring->e));
    if (ring->e == NULL) {
        return 0;
    }
    ring->cap = cap;
    ring->max_bytes = max_bytes;
    return 1;
}

static void
drop_oldest(struct sv_events_ring *ring)
{
    struct sv_events_entry *e = &ring->e[ring->head];

    ring->bytes -= e->len;
    free(e->frame);
    e->frame = NULL;
    ring->head = (ring->head + 1) % ring->cap;
    ring->count--;
}

void
sv_events_ring_clear(struct sv_events_ring *ring)
{
    while (ring->count > 0) {
        drop_oldest(ring);
    }
    ring->head = 0;
}

void
sv_events_ring_free(struct sv_events_ring *ring)
{
    if (ring->e != NULL) {
        sv_events_ring_clear(ring);
        free(ring->e);
        ring->e = NULL;
    }
}

const struct sv_events_entry *
sv_events_ring_at(const struct sv_events_ring *ring, size_t i)
{
    return &ring->e[(ring->head + i) % ring->cap];
}

uint64_t
sv_events_ring_newest(const struct sv_events_ring *ring)
{
    return ring->count ? sv_events_ring_at(ring, ring->count - 1)->seq : 0;
}

int
sv_events_ring_push(struct sv_events_ring *ring, uint64_t seq,
                    const char *frame, size_t len)
{
    struct sv_events_entry *e;
    char                   *copy;

    if (ring->count > 0 && seq != sv_events_ring_newest(ring) + 1) {
        sv_events_ring_clear(ring);
    }
    /* a frame the ring cannot hold breaks its sequence like a gap */
    if (len > ring->max_bytes) {
        sv_events_ring_clear(ring);
        return 1;
    }
    copy = malloc(len);
    if (copy == NULL) {
        sv_events_ring_clear(ring);
        return 0;
    }
    memcpy(copy, frame, len);
    while (ring->count == ring->cap || ring->bytes + len > ring->max_bytes) {
        drop_oldest(ring);
    }
    e = &ring->e[(ring->head + ring->count) % ring->cap];
    e->seq = seq;
    e->frame = copy;
    e->len = len;
    ring->count++;
    ring->bytes += len;
    return 1;
}

int
sv_events_ring_replay(const struct sv_events_ring *ring, uint64_t last,
                      size_t *from)
{
    uint64_t oldest;

    if (ring->count == 0) {
        return 0;
    }
    oldest = sv_events_ring_at(ring, 0)->seq;
    if (last > sv_events_ring_newest(ring) || last + 1 < oldest) {
        return 0;
    }
    *from = (size_t) (last + 1 - oldest);
    return 1;
}
