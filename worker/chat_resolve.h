/*
 * Host names resolved without blocking the loop: glibc's getaddrinfo_a
 * (its own threads do the lookup), asked whether it is done when the
 * caller polls. A numeric address is answered at once.
 *
 * A lookup glibc cannot cancel any more is kept until it ends (glibc still
 * writes into it) and freed by a later sv_chat_resolve_* call or by
 * sv_chat_resolve_drain.
 */

#ifndef SV_CHAT_RESOLVE_H
#define SV_CHAT_RESOLVE_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

/* How often a running lookup is polled. */
#define SV_CHAT_RESOLVE_POLL_MS  20

struct sv_chat_resolve;

/* Starts resolving host and port (TCP); NULL with the reason. */
struct sv_chat_resolve *sv_chat_resolve_start(const char *host, int port,
                                              char *err, size_t errlen);

/* 1 done: *ai is the answer (the caller frees it with freeaddrinfo);
 * 0 still running; -1 failed with the reason. */
int sv_chat_resolve_poll(struct sv_chat_resolve *r, struct addrinfo **ai,
                         char *err, size_t errlen);

/* Cancels (when still running) and frees r. */
void sv_chat_resolve_free(struct sv_chat_resolve *r);

/* Waits up to wait_ms for the lookups kept after sv_chat_resolve_free and
 * frees the ones that ended; a lookup that is still running then stays
 * allocated for good (glibc owns it until it ends). */
void sv_chat_resolve_drain(int64_t wait_ms);

#endif /* SV_CHAT_RESOLVE_H */
