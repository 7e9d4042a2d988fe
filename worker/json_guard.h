/*
 * What yajl_tree cannot be trusted with, found before it parses: it has no
 * depth limit and frees recursively, so the nesting of brackets outside
 * strings is measured; its strings end at NUL, so a NUL byte or a "\u0000"
 * escape would silently shorten a value (a path, a token).
 */

#ifndef SV_JSON_GUARD_H
#define SV_JSON_GUARD_H

#include <stddef.h>

/* NULL when s[0..len) is fit for yajl_tree_parse, else the reason. */
const char *sv_json_unfit_for_tree(const char *s, size_t len,
                                   unsigned depth_max);

#endif /* SV_JSON_GUARD_H */
