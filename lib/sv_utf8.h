/*
 * UTF-8 sequences, for code that cleans untrusted text (JSON, XML, file
 * names). Pure; shared by the worker and the nginx module.
 */

#ifndef SV_UTF8_H
#define SV_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence (RFC 3629) at s, 0 if none. */
size_t sv_utf8_sequence_length(const unsigned char *s, size_t n);

#endif /* SV_UTF8_H */
