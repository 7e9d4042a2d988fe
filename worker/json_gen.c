/*
 * Object members for yajl's generator (see json_gen.h).
 */

#include "json_gen.h"

#include <string.h>

void
sv_gen_key(yajl_gen g, const char *key)
{
    yajl_gen_string(g, (const unsigned char *) key, strlen(key));
}

void
sv_gen_str(yajl_gen g, const char *key, const char *value)
{
    if (value != NULL) {
        sv_gen_key(g, key);
        yajl_gen_string(g, (const unsigned char *) value, strlen(value));
    }
}

void
sv_gen_int(yajl_gen g, const char *key, long long value)
{
    sv_gen_key(g, key);
    yajl_gen_integer(g, value);
}
