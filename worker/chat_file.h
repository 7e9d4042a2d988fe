/*
 * A chat archive file: JSON lines appended with one write(2) each, so a
 * reader never sees half a line from a running recorder; a write that
 * fails half-way is cut off again, so the file holds whole lines only.
 * Made durable with fdatasync at most every SV_CHAT_SYNC_MS, and on close.
 */

#ifndef SV_CHAT_FILE_H
#define SV_CHAT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SV_CHAT_SYNC_MS  5000

struct sv_chat_file {
    int      fd;
    off_t    size;                  /* what the whole lines add up to */
    bool     dirty;                 /* written since the last fdatasync */
    int64_t  sync_at_ms;            /* monotonic: the next fdatasync */
};

/* Opens (creates, mode 0644) path for appending; -1 with the reason. */
int sv_chat_file_open(struct sv_chat_file *f, const char *path, char *err,
                      size_t errlen);

/* Appends one line (with its '\n'); -1 with the reason, nothing written. */
int sv_chat_file_append(struct sv_chat_file *f, const char *line,
                        size_t len, int64_t now_ms, char *err,
                        size_t errlen);

/* The fdatasync when due (a no-op otherwise); -1 with the reason. */
int sv_chat_file_sync(struct sv_chat_file *f, int64_t now_ms, char *err,
                      size_t errlen);

/* When sv_chat_file_sync has work (monotonic ms); INT64_MAX: none. */
int64_t sv_chat_file_due(const struct sv_chat_file *f);

/* Syncs and closes; -1 with the reason (closed all the same). */
int sv_chat_file_close(struct sv_chat_file *f, char *err, size_t errlen);

#endif /* SV_CHAT_FILE_H */
