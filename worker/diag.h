/*
 * Configuration problems, collected so that every one is reported at once,
 * each with where it came from: a line of the file, an environment variable,
 * or the file as a whole.
 */

#ifndef SV_DIAG_H
#define SV_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define SV_DIAGS_MAX      32
#define SV_DIAG_TEXT_MAX  512

enum sv_diag_origin {
    SV_DIAG_FILE,       /* text names the file itself */
    SV_DIAG_LINE,
    SV_DIAG_ENV
};

struct sv_diag {
    enum sv_diag_origin  origin;
    unsigned             line;
    char                 env[64];
    char                 text[SV_DIAG_TEXT_MAX];
};

struct sv_diags {
    struct sv_diag  item[SV_DIAGS_MAX];
    size_t          count;
    size_t          dropped;    /* problems beyond SV_DIAGS_MAX */
};

void sv_diags_add_file(struct sv_diags *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sv_diags_add_line(struct sv_diags *d, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sv_diags_add_env(struct sv_diags *d, const char *var, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "FILE:LINE: text", "environment VAR: text" or "text". */
void sv_diag_format(const struct sv_diag *diag, const char *file, char *out,
                    size_t cap);

/* Each problem as "streamvault-worker: <formatted>\n". */
void sv_diags_print(const struct sv_diags *d, const char *file, FILE *to);

/*
 * A short, printable rendering of untrusted text for messages: at most 64
 * bytes, bytes outside printable ASCII shown as '?'.
 */
void sv_printable(const char *in, char *out, size_t cap);

#endif /* SV_DIAG_H */
