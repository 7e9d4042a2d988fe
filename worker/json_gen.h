/*
 * Object members for yajl's generator, which escapes for us: the JSON the
 * worker writes for PostgreSQL and for the jobs it queues.
 */

#ifndef SV_JSON_GEN_H
#define SV_JSON_GEN_H

#include <yajl/yajl_gen.h>

void sv_gen_key(yajl_gen g, const char *key);

/* A string member; nothing when value is NULL (the member is optional). */
void sv_gen_str(yajl_gen g, const char *key, const char *value);

void sv_gen_int(yajl_gen g, const char *key, long long value);

#endif /* SV_JSON_GEN_H */
