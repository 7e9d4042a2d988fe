/*
 * Validation of single configuration values. Pure; each function says what
 * is wrong in err (a phrase fit for "FILE:LINE: <err>").
 */

#ifndef SV_CONFIG_VALUES_H
#define SV_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#define SV_WORKER_ID_MAX    64
#define SV_REDIS_HOST_MAX   253     /* longest DNS name */
#define SV_UNIX_PATH_MAX    107     /* sizeof(sun_path) - 1 */

struct sv_redis_addr {
    bool      is_unix;
    char      host[SV_REDIS_HOST_MAX + 1];  /* IPv6 without brackets */
    int       port;
    char      path[SV_UNIX_PATH_MAX + 1];
};

/* HOST:PORT (IPv4, [IPv6] or a DNS name; port 1..65535) or unix:/abs/path. */
bool sv_parse_redis_addr(const char *value, struct sv_redis_addr *addr,
                         char *err, size_t errlen);

/* Decimal digits only, within [min, max]. */
bool sv_parse_uint_in_range(const char *value, unsigned min, unsigned max,
                            unsigned *out, char *err, size_t errlen);

/* [A-Za-z0-9._-]{1,64} */
bool sv_validate_worker_id(const char *value, char *err, size_t errlen);

/* Starts with '/' and fits in PATH_MAX. */
bool sv_validate_absolute_path(const char *value, char *err, size_t errlen);

/* What PQconninfoParse accepts; err is libpq's own message. */
bool sv_validate_conninfo(const char *value, char *err, size_t errlen);

/* The host name reduced to the worker_id alphabet: other bytes become '-',
 * cut to 64 bytes; "worker" if nothing is left. out: 65 bytes. */
void sv_worker_id_from_hostname(const char *hostname,
                                char out[SV_WORKER_ID_MAX + 1]);

#endif /* SV_CONFIG_VALUES_H */
