/*
 * A job's raw inputs under the media root: which of them are still there,
 * and deleting them durably once they are no longer needed.
 */

#ifndef SV_MEDIA_INPUTS_H
#define SV_MEDIA_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

struct sv_media_inputs {
    char  **real;       /* each input's real path, NULL when it is gone */
    size_t  count, present;
};

/* Resolves each of the count relative paths rel: a missing one is noted
 * (real[i] NULL); one that exists must be a regular file inside the root.
 * False with the reason (naming the input); free with
 * sv_media_inputs_free either way. */
bool sv_media_inputs_resolve(const char *const *rel, size_t count,
                             struct sv_media_inputs *in, char *err,
                             size_t errlen);

void sv_media_inputs_free(struct sv_media_inputs *in);

/* Unlinks every present input, then fsyncs the directories they were in,
 * so the deletion survives a crash. False with the reason. */
bool sv_media_inputs_delete(const struct sv_media_inputs *in, char *err,
                            size_t errlen);

#endif /* SV_MEDIA_INPUTS_H */
