/*
 * Single-value validators (see config_values.h).
 */

#include "config_values.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

static bool
is_worker_id_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool
sv_parse_uint_in_range(const char *value, unsigned min, unsigned max,
                       unsigned *out, char *err, size_t errlen)
{
    unsigned long  n = 0;
    size_t         len = strlen(value);
    char           shown[80];

    sv_printable(value, shown, sizeof(shown));

    if (len == 0 || strspn(value, "0123456789") != len) {
        snprintf(err, errlen, "'%s' is not a whole number", shown);
        return false;
    }

    /* Ten digits cannot overflow unsigned long; more are out of range. */
    for (size_t i = 0; i < len && i < 10; i++) {
        n = n * 10 + (unsigned long) (value[i] - '0');
    }

    if (len > 10 || n < min || n > max) {
        snprintf(err, errlen, "%s is out of range (%u..%u)", shown, min, max);
        return false;
    }

    *out = (unsigned) n;
    return true;
}

bool
sv_validate_worker_id(const char *value, char *err, size_t errlen)
{
    size_t  len = strlen(value);
    char    shown[80];

    for (size_t i = 0; i < len; i++) {
        if (!is_worker_id_char(value[i])) {
            sv_printable(value, shown, sizeof(shown));
            snprintf(err, errlen, "'%s' may contain only letters, digits, "
                     "'.', '_' and '-'", shown);
            return false;
        }
    }

    if (len == 0 || len > SV_WORKER_ID_MAX) {
        snprintf(err, errlen, "must be 1 to %d characters long",
                 SV_WORKER_ID_MAX);
        return false;
    }

    return true;
}

void
sv_worker_id_from_hostname(const char *hostname,
                           char out[SV_WORKER_ID_MAX + 1])
{
    size_t n = 0;

    for (; hostname[n] != '\0' && n < SV_WORKER_ID_MAX; n++) {
        out[n] = is_worker_id_char(hostname[n]) ? hostname[n] : '-';
    }
    out[n] = '\0';

    if (n == 0) {
        snprintf(out, SV_WORKER_ID_MAX + 1, "worker");
    }
}

bool
sv_validate_absolute_path(const char *value, char *err, size_t errlen)
{
    char shown[80];

    if (value[0] != '/') {
        sv_printable(value, shown, sizeof(shown));
        snprintf(err, errlen, "'%s' is not an absolute path", shown);
        return false;
    }

    if (strlen(value) >= PATH_MAX) {
        snprintf(err, errlen, "path is longer than %d bytes", PATH_MAX - 1);
        return false;
    }

    return true;
}

bool
sv_validate_conninfo(const char *value, char *err, size_t errlen)
{
    char              *message = NULL;
    PQconninfoOption  *options = PQconninfoParse(value, &message);
    size_t             len;

    if (options != NULL) {
        PQconninfoFree(options);
        return true;
    }

    if (message == NULL) {
        snprintf(err, errlen, "cannot parse the connection string "
                 "(out of memory)");
        return false;
    }

    /* libpq's messages end in a newline. */
    len = strlen(message);
    while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == ' ')) {
        message[--len] = '\0';
    }
    snprintf(err, errlen, "invalid connection string: %s", message);
    PQfreemem(message);
    return false;
}

/* Labels of letters, digits and inner hyphens, up to 63 bytes each. */
static bool
is_dns_name(const char *name, size_t len)
{
    size_t label = 0;

    if (len == 0 || len > SV_REDIS_HOST_MAX) {
        return false;
    }

    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? name[i] : '.';

        if (c == '.') {
            if (label == 0 || name[i - 1] == '-') {
                return false;
            }
            label = 0;
        } else {
            bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                         || is_digit(c);

            if (!(alnum || (c == '-' && label > 0)) || ++label > 63) {
                return false;
            }
        }
    }

    return true;
}

static bool
all_digits_and_dots(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]) && s[i] != '.') {
            return false;
        }
    }
    return true;
}

static bool
parse_unix_addr(const char *path, struct sv_redis_addr *addr, char *err,
                size_t errlen)
{
    if (path[0] != '/') {
        snprintf(err, errlen, "the socket path after 'unix:' must be "
                 "absolute");
        return false;
    }

    if (strlen(path) > SV_UNIX_PATH_MAX) {
        snprintf(err, errlen, "the socket path is longer than %d bytes",
                 SV_UNIX_PATH_MAX);
        return false;
    }

    addr->is_unix = true;
    snprintf(addr->path, sizeof(addr->path), "%s", path);
    return true;
}

/* The host part of HOST:PORT: [IPv6], IPv4 or a DNS name. */
static bool
parse_host(const char *host, size_t len, struct sv_redis_addr *addr,
           char *err, size_t errlen)
{
    unsigned char  ip[16];
    bool           bracketed = len >= 2 && host[0] == '['
                               && host[len - 1] == ']';

    if (bracketed) {
        host++;
        len -= 2;
    } else if (memchr(host, ':', len) != NULL) {
        snprintf(err, errlen, "an IPv6 address must be written in brackets: "
                 "[ADDRESS]:PORT");
        return false;
    } else if (!is_dns_name(host, len)) {
        snprintf(err, errlen, "invalid host name");
        return false;
    }

    if (len >= sizeof(addr->host)) {
        snprintf(err, errlen, "invalid host");
        return false;
    }
    memcpy(addr->host, host, len);
    addr->host[len] = '\0';

    if (bracketed && inet_pton(AF_INET6, addr->host, ip) != 1) {
        snprintf(err, errlen, "invalid IPv6 address");
        return false;
    }

    /* "1.2.3.999" is a bad address, not a host name to look up. */
    if (!bracketed && all_digits_and_dots(host, len)
        && inet_pton(AF_INET, addr->host, ip) != 1) {
        snprintf(err, errlen, "invalid IPv4 address");
        return false;
    }

    return true;
}

static bool
parse_tcp_addr(const char *value, struct sv_redis_addr *addr, char *err,
               size_t errlen)
{
    const char  *colon = strrchr(value, ':');
    unsigned     port;
    char         port_err[128];

    if (colon == NULL) {
        snprintf(err, errlen, "expected HOST:PORT or unix:/path");
        return false;
    }

    if (!parse_host(value, (size_t) (colon - value), addr, err, errlen)) {
        return false;
    }

    if (!sv_parse_uint_in_range(colon + 1, 1, 65535, &port, port_err,
                                sizeof(port_err))) {
        snprintf(err, errlen, "invalid port: %s", port_err);
        return false;
    }

    addr->is_unix = false;
    addr->port = (int) port;
    return true;
}

bool
sv_parse_redis_addr(const char *value, struct sv_redis_addr *addr, char *err,
                    size_t errlen)
{
    struct sv_redis_addr parsed = { .is_unix = false };

    if (strncmp(value, "unix:", 5) == 0
        ? !parse_unix_addr(value + 5, &parsed, err, errlen)
        : !parse_tcp_addr(value, &parsed, err, errlen)) {
        return false;
    }

    *addr = parsed;
    return true;
}
