/*
 * Configuration problem lists (see diag.h).
 */

#include "diag.h"

#include <stdarg.h>

#define PRINTABLE_MAX  64

static void
add(struct sv_diags *d, enum sv_diag_origin origin, unsigned line,
    const char *var, const char *fmt, va_list ap)
{
    struct sv_diag *diag;

    if (d->count == SV_DIAGS_MAX) {
        d->dropped++;
        return;
    }

    diag = &d->item[d->count++];
    diag->origin = origin;
    diag->line = line;
    snprintf(diag->env, sizeof(diag->env), "%s", var);
    vsnprintf(diag->text, sizeof(diag->text), fmt, ap);
}

void
sv_diags_add_file(struct sv_diags *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add(d, SV_DIAG_FILE, 0, "", fmt, ap);
    va_end(ap);
}

void
sv_diags_add_line(struct sv_diags *d, unsigned line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add(d, SV_DIAG_LINE, line, "", fmt, ap);
    va_end(ap);
}

void
sv_diags_add_env(struct sv_diags *d, const char *var, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add(d, SV_DIAG_ENV, 0, var, fmt, ap);
    va_end(ap);
}

void
sv_diag_format(const struct sv_diag *diag, const char *file, char *out,
               size_t cap)
{
    switch (diag->origin) {
    case SV_DIAG_LINE:
        snprintf(out, cap, "%s:%u: %s", file, diag->line, diag->text);
        break;
    case SV_DIAG_ENV:
        snprintf(out, cap, "environment %s: %s", diag->env, diag->text);
        break;
    case SV_DIAG_FILE:
        snprintf(out, cap, "%s", diag->text);
        break;
    }
}

void
sv_diags_print(const struct sv_diags *d, const char *file, FILE *to)
{
    char line[SV_DIAG_TEXT_MAX + 4200];

    for (size_t i = 0; i < d->count; i++) {
        sv_diag_format(&d->item[i], file, line, sizeof(line));
        fprintf(to, "streamvault-worker: %s\n", line);
    }

    if (d->dropped > 0) {
        fprintf(to, "streamvault-worker: %s: %zu more problems not shown\n",
                file, d->dropped);
    }
}

void
sv_printable(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    for (; in[n] != '\0' && n < PRINTABLE_MAX && n + 1 < cap; n++) {
        unsigned char c = (unsigned char) in[n];
        out[n] = c >= 0x20 && c < 0x7F ? (char) c : '?';
    }

    if (in[n] != '\0' && n + 4 < cap) {
        out[n++] = '.';
        out[n++] = '.';
        out[n++] = '.';
    }
    out[n] = '\0';
}
