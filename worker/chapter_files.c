/*
 * Chapter sidecar files (see chapter_files.h).
 */

#include "chapter_files.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "nfo.h"

#define TICKS_PER_MS  10000             /* .NET ticks are 100 ns */

/* HH:MM:SS.mmm */
static void
put_time(FILE *f, int64_t ms)
{
    fprintf(f, "%02" PRId64 ":%02d:%02d.%03d", ms / 3600000,
            (int) (ms / 60000 % 60), (int) (ms / 1000 % 60),
            (int) (ms % 1000));
}

/* The text written to a memory stream, or NULL if anything failed. */
static char *
finish(FILE *f, char **text, bool ok)
{
    /* The stream sets *text on fclose. */
    if (fclose(f) != 0 || !ok) {
        free(*text);
        return NULL;
    }
    return *text;
}

char *
sv_chapters_vtt(const struct sv_chapter *ch, size_t count)
{
    char  *text = NULL;
    size_t len;
    FILE  *f = open_memstream(&text, &len);

    if (f == NULL) {
        return NULL;
    }
    fputs("WEBVTT\n", f);
    for (size_t i = 0; i < count; i++) {
        fprintf(f, "\n%zu\n", i + 1);
        put_time(f, ch[i].start_ms);
        fputs(" --> ", f);
        put_time(f, ch[i].end_ms);
        fputc('\n', f);
        for (const char *c = ch[i].name; *c != '\0'; c++) {
            switch (*c) {
            case '&': fputs("&amp;", f); break;
            case '<': fputs("&lt;", f); break;
            case '>': fputs("&gt;", f); break;
            default:  fputc(*c, f);
            }
        }
        fputc('\n', f);
    }
    return finish(f, &text, !ferror(f));
}

char *
sv_chapters_xml(const struct sv_chapter *ch, size_t count)
{
    char  *text = NULL;
    size_t len;
    bool   ok = true;
    FILE  *f = open_memstream(&text, &len);

    if (f == NULL) {
        return NULL;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Chapters>\n", f);
    for (size_t i = 0; i < count && ok; i++) {
        char *name = sv_nfo_escape(ch[i].name);

        ok = name != NULL;
        fprintf(f, "  <Chapter>\n    <Name>%s</Name>\n    <StartTime>",
                ok ? name : "");
        put_time(f, ch[i].start_ms);
        fprintf(f, "</StartTime>\n    <StartPositionTicks>%" PRId64
                "</StartPositionTicks>\n  </Chapter>\n",
                ch[i].start_ms * TICKS_PER_MS);
        free(name);
    }
    fputs("</Chapters>\n", f);
    return finish(f, &text, ok && !ferror(f));
}
