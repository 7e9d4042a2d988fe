/*
 * JSON yajl_tree can be trusted with (see json_guard.h).
 */

#include "json_guard.h"

#include <stdbool.h>
#include <string.h>

const char *
sv_json_unfit_for_tree(const char *s, size_t len, unsigned depth_max)
{
    unsigned depth = 0;
    bool     in_string = false, escaped = false;

    if (memchr(s, '\0', len) != NULL) {
        return "a NUL byte";
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (in_string) {
            if (escaped) {
                escaped = false;
                if (c == 'u' && len - i > 4
                    && memcmp(s + i + 1, "0000", 4) == 0) {
                    return "a \\u0000 (NUL) in a string";
                }
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > depth_max) {
                return "nested deeper than allowed";
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return NULL;
}
