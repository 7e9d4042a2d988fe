/*
 * The shared "cannot connect, retrying" step of every reconnecting link.
 */

#ifndef SV_RETRY_LOG_H
#define SV_RETRY_LOG_H

#include "backoff.h"

/*
 * Records a failed connection attempt in r (clock and jitter from the
 * system) and logs msg as a warning with the error, the attempt number and
 * the delay until the next try. Silent while stopping: a connection cut
 * short by the stop signal is no news.
 */
void sv_retry_failed_logged(struct sv_retry *r, const char *msg,
                            const char *err);

#endif /* SV_RETRY_LOG_H */
