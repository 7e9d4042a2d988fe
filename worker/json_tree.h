/*
 * Members of a tree yajl_tree made, read where the JSON's shape is already
 * known good or may be missing parts (the worker's own database answers,
 * checked payloads): an absent member, a member of another type, or no
 * object at all gives the fallback.
 */

#ifndef SV_JSON_TREE_H
#define SV_JSON_TREE_H

#include <yajl/yajl_tree.h>

/* The member key of obj if it has the type, else NULL. */
yajl_val sv_tree_member(yajl_val obj, const char *key, yajl_type type);

/* A string member, or NULL. */
const char *sv_tree_string(yajl_val obj, const char *key);

/* An integer member, or absent (a fraction does not count). */
long long sv_tree_integer(yajl_val obj, const char *key, long long absent);

/* A number member, integer or not, or absent. */
double sv_tree_double(yajl_val obj, const char *key, double absent);

/* A number value, integer or not, as a double. */
double sv_json_double(yajl_val number);

#endif /* SV_JSON_TREE_H */
