/*
 * Resolving a URI reference against a base URI (RFC 3986 section 5.2), for
 * the URIs in HLS playlists: a variant's or a segment's URI is relative to
 * the playlist's URL. Pure.
 *
 * The base must be absolute (a scheme); its fragment is ignored. Dot
 * segments are removed from the result's path. Only printable ASCII is
 * accepted (a space, a control byte or a byte >= 0x80 in base or ref is
 * refused): what comes out goes to libcurl as it is.
 */

#ifndef SV_URL_RESOLVE_H
#define SV_URL_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>

/* The target URI of ref against base into out (cap bytes with the NUL).
 * False when base is not absolute, a byte is refused, or it does not fit. */
bool sv_url_resolve(const char *base, const char *ref, char *out,
                    size_t cap);

#endif /* SV_URL_RESOLVE_H */
