/*
 * Members of yajl trees (see json_tree.h).
 */

#include "json_tree.h"

yajl_val
sv_tree_member(yajl_val obj, const char *key, yajl_type type)
{
    const char *path[] = { key, NULL };

    return obj != NULL ? yajl_tree_get(obj, path, type) : NULL;
}

const char *
sv_tree_string(yajl_val obj, const char *key)
{
    yajl_val v = sv_tree_member(obj, key, yajl_t_string);

    return v != NULL ? YAJL_GET_STRING(v) : NULL;
}

long long
sv_tree_integer(yajl_val obj, const char *key, long long absent)
{
    yajl_val v = sv_tree_member(obj, key, yajl_t_number);

    return v != NULL && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : absent;
}

double
sv_tree_double(yajl_val obj, const char *key, double absent)
{
    yajl_val v = sv_tree_member(obj, key, yajl_t_number);

    return v != NULL ? sv_json_double(v) : absent;
}

double
sv_json_double(yajl_val number)
{
    return YAJL_IS_INTEGER(number) ? (double) YAJL_GET_INTEGER(number)
                                   : YAJL_GET_DOUBLE(number);
}
