/*
 * Shared payload checks (see payload_check.h).
 */

#include "payload_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
sv_payload_date_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    const char *s = YAJL_GET_STRING(v);
    bool        ok = s != NULL && strlen(s) == 10 && s[4] == '-'
                     && s[7] == '-';

    for (int i = 0; ok && i < 10; i++) {
        ok = i == 4 || i == 7 || (s[i] >= '0' && s[i] <= '9');
    }
    if (ok) {
        int month = atoi(s + 5), day = atoi(s + 8);

        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    if (!ok) {
        snprintf(err, errlen, "payload.%s must be YYYY-MM-DD", what);
    }
    return ok;
}
