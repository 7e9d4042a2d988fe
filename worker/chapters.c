/*
 * Building chapters from stream events (see chapters.h).
 */

#include "chapters.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sv_utf8.h"

#define SEPARATOR  " \xE2\x80\x94 "             /* " — " */
#define REPLACEMENT_CHARACTER  "\xEF\xBF\xBD"

/* A name being built; once a piece did not fit nothing more is added, so a
 * cut never leaves a later piece after a truncated one. */
struct name {
    char   s[SV_CHAPTER_NAME_MAX + 1];
    size_t len;
    bool   full;
};

static void
put(struct name *n, const char *s, size_t len)
{
    if (n->full || n->len + len > SV_CHAPTER_NAME_MAX) {
        n->full = true;
        return;
    }
    memcpy(n->s + n->len, s, len);
    n->len += len;
    n->s[n->len] = '\0';
}

static bool
control(const unsigned char *c, size_t seq)
{
    return (seq == 1 && (c[0] < 0x20 || c[0] == 0x7f))
           || (seq == 2 && c[0] == 0xC2 && c[1] <= 0x9F)
           || (seq == 3 && c[0] == 0xEF && c[1] == 0xBF && c[2] >= 0xBE);
}

/* Appends s cleaned (the rules in chapters.h). */
static void
put_clean(struct name *n, const char *s)
{
    const unsigned char *c = (const unsigned char *) s;
    size_t               len = s != NULL ? strlen(s) : 0;

    for (size_t i = 0; i < len && !n->full;) {
        size_t seq = sv_utf8_sequence_length(c + i, len - i);

        if (seq == 0) {
            put(n, REPLACEMENT_CHARACTER, 3);
            i++;
            continue;
        }
        if (!control(c + i, seq)) {
            put(n, s + i, seq);
        } else if (c[i] == '\t' || c[i] == '\n' || c[i] == '\r') {
            put(n, " ", 1);
        }
        i += seq;
    }
}

static void
make_name(const struct sv_chapter_event *e, char *out)
{
    struct name title = { .len = 0 }, category = { .len = 0 };
    struct name name = { .len = 0 };

    put_clean(&title, e->title);
    put_clean(&category, e->category);
    if (title.len > 0) {
        put_clean(&name, title.s);
    }
    if (title.len > 0 && category.len > 0) {
        put(&name, SEPARATOR, strlen(SEPARATOR));
    }
    if (category.len > 0) {
        put_clean(&name, category.s);
    }
    if (name.len == 0) {
        put(&name, SV_CHAPTER_DEFAULT, strlen(SV_CHAPTER_DEFAULT));
    }
    memcpy(out, name.s, name.len + 1);
}

/* An event kept for sorting: its time and its place in the input. */
struct timed {
    int64_t at_ms;
    size_t  index;
};

static int
by_time(const void *a, const void *b)
{
    const struct timed *x = a, *y = b;

    if (x->at_ms != y->at_ms) {
        return x->at_ms < y->at_ms ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The events inside the video, sorted; *kept of them. */
static struct timed *
sorted_events(const struct sv_chapter_event *events, size_t n,
              int64_t duration_ms, size_t *kept)
{
    struct timed *t = malloc((n > 0 ? n : 1) * sizeof(*t));

    *kept = 0;
    for (size_t i = 0; t != NULL && i < n; i++) {
        double at = events[i].at_s * 1000.0;

        /* Compared as doubles first: no overflow converting a huge one. */
        if (!(at >= 0) || at >= (double) duration_ms
            || (int64_t) (at + 0.5) >= duration_ms) {
            continue;
        }
        t[(*kept)++] = (struct timed) { .at_ms = (int64_t) (at + 0.5),
                                        .index = i };
    }
    if (t != NULL) {
        qsort(t, *kept, sizeof(*t), by_time);
    }
    return t;
}

struct sv_chapter *
sv_chapters_build(const struct sv_chapter_event *events, size_t n,
                  int64_t duration_ms, size_t *count)
{
    struct sv_chapter *ch;
    struct timed      *t;
    size_t             kept, c = 1;
    char               name[SV_CHAPTER_NAME_MAX + 1];

    *count = 0;
    if (duration_ms <= 0) {
        return NULL;
    }
    ch = malloc(SV_CHAPTERS_MAX * sizeof(*ch));
    t = sorted_events(events, n, duration_ms, &kept);
    if (ch == NULL || t == NULL) {
        free(ch);
        free(t);
        return NULL;
    }
    /* The first chapter starts at 0 whenever the first event came. */
    ch[0].start_ms = 0;
    make_name(kept > 0 ? &events[t[0].index]
                       : &(struct sv_chapter_event) { 0 }, ch[0].name);
    for (size_t i = 1; i < kept; i++) {
        struct sv_chapter *last = &ch[c - 1];

        make_name(&events[t[i].index], name);
        if (strcmp(name, last->name) == 0) {
            continue;
        }
        if (t[i].at_ms == last->start_ms) {
            /* The same instant: the later event names it; if that is the
             * previous chapter's name, the two are one. */
            if (c > 1 && strcmp(name, ch[c - 2].name) == 0) {
                c--;
            } else {
                memcpy(last->name, name, sizeof(name));
            }
            continue;
        }
        if (c == SV_CHAPTERS_MAX) {
            break;
        }
        ch[c].start_ms = t[i].at_ms;
        memcpy(ch[c].name, name, sizeof(name));
        c++;
    }
    for (size_t i = 0; i < c; i++) {
        ch[i].end_ms = i + 1 < c ? ch[i + 1].start_ms : duration_ms;
    }
    free(t);
    *count = c;
    return ch;
}
