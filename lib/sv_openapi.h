/*
 * The OpenAPI 3 document of the REST API, built from the route table, so
 * the two cannot disagree.
 */

#ifndef SV_OPENAPI_H
#define SV_OPENAPI_H

#include <stddef.h>

/* A malloc'ed JSON document (free it), its length in *len; NULL if out of
 * memory. */
char *sv_openapi_json(const char *version, size_t *len);

#endif /* SV_OPENAPI_H */
