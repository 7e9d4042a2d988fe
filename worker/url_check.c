/*
 * Checks of payload URLs (see url_check.h).
 */

#include "url_check.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

bool
sv_url_http_ok(const char *url, char *err, size_t errlen)
{
    size_t      len = strlen(url);
    const char *authority;

    if (len == 0 || len > SV_URL_MAX) {
        snprintf(err, errlen, "must be 1..%d bytes", SV_URL_MAX);
        return false;
    }
    if (strncasecmp(url, "http://", 7) == 0) {
        authority = url + 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        authority = url + 8;
    } else {
        snprintf(err, errlen, "must be an http:// or https:// URL");
        return false;
    }
    for (const unsigned char *p = (const unsigned char *) url; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '\\') {
            snprintf(err, errlen, "has a control byte, space or backslash "
                     "(percent-encode it)");
            return false;
        }
    }
    size_t authority_len = strcspn(authority, "/?#");

    if (memchr(authority, '@', authority_len) != NULL) {
        snprintf(err, errlen, "must not carry credentials (user@host)");
        return false;
    }
    if (authority_len == 0 || authority[0] == ':') {
        snprintf(err, errlen, "has no host");
        return false;
    }
    return true;
}
