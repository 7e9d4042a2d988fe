/*
 * Checks of payload members that several job types share, with reasons
 * naming the member ("payload.<what> ...").
 */

#ifndef SV_PAYLOAD_CHECK_H
#define SV_PAYLOAD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_tree.h>

/* A string YYYY-MM-DD with a month 01-12 and a day 01-31. */
bool sv_payload_date_ok(const char *what, yajl_val v, char *err,
                        size_t errlen);

#endif /* SV_PAYLOAD_CHECK_H */
