/*
 * .nfo documents (see nfo.h).
 */

#include "nfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_utf8.h"

#define XML_DECLARATION \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define REPLACEMENT_CHARACTER  "\xEF\xBF\xBD"

/* A growing text; after a failed allocation it stays failed. */
struct xml {
    char   *data;
    size_t  len, cap;
    bool    failed;
};

static void
put(struct xml *x, const char *s, size_t n)
{
    if (x->failed) {
        return;
    }
    if (x->len + n + 1 > x->cap) {
        size_t cap = (x->len + n + 1) * 2;
        char  *data = realloc(x->data, cap);

        if (data == NULL) {
            x->failed = true;
            return;
        }
        x->data = data;
        x->cap = cap;
    }
    memcpy(x->data + x->len, s, n);
    x->len += n;
    x->data[x->len] = '\0';
}

static void
put_str(struct xml *x, const char *s)
{
    put(x, s, strlen(s));
}

/* Characters XML 1.0 does not allow, and control characters it does but a
 * title should not carry (DEL, C1); tab and newlines are kept for plots. */
static bool
dropped(const unsigned char *c, size_t seq)
{
    return (seq == 1 && ((c[0] < 0x20 && c[0] != '\t' && c[0] != '\n'
                          && c[0] != '\r') || c[0] == 0x7f))
           || (seq == 2 && c[0] == 0xC2 && c[1] <= 0x9F)
           || (seq == 3 && c[0] == 0xEF && c[1] == 0xBF && c[2] >= 0xBE);
}

static void
put_escaped(struct xml *x, const char *s)
{
    const unsigned char *c = (const unsigned char *) s;
    size_t               n = strlen(s);

    for (size_t i = 0; i < n;) {
        size_t seq = sv_utf8_sequence_length(c + i, n - i);

        if (seq == 0) {
            put_str(x, REPLACEMENT_CHARACTER);
            i++;
            continue;
        }
        switch (dropped(c + i, seq) ? 0 : c[i]) {
        case 0:    break;
        case '&':  put_str(x, "&amp;"); break;
        case '<':  put_str(x, "&lt;"); break;
        case '>':  put_str(x, "&gt;"); break;
        case '"':  put_str(x, "&quot;"); break;
        case '\'': put_str(x, "&apos;"); break;
        default:   put(x, s + i, seq); break;
        }
        i += seq;
    }
}

/* "  <tag>text</tag>\n", nothing when text is NULL. */
static void
element(struct xml *x, const char *tag, const char *text)
{
    if (text == NULL) {
        return;
    }
    put_str(x, "  <");
    put_str(x, tag);
    put_str(x, ">");
    put_escaped(x, text);
    put_str(x, "</");
    put_str(x, tag);
    put_str(x, ">\n");
}

static void
element_number(struct xml *x, const char *tag, long long n)
{
    char text[32];

    snprintf(text, sizeof(text), "%lld", n);
    element(x, tag, text);
}

/* <uniqueid type="type">id</uniqueid>; type is ours, not escaped. */
static void
uniqueid(struct xml *x, const char *type, bool is_default, const char *id)
{
    if (id == NULL) {
        return;
    }
    put_str(x, "  <uniqueid type=\"");
    put_str(x, type);
    put_str(x, is_default ? "\" default=\"true\">" : "\">");
    put_escaped(x, id);
    put_str(x, "</uniqueid>\n");
}

static char *
finish(struct xml *x)
{
    if (x->failed) {
        free(x->data);
        return NULL;
    }
    return x->data;
}

char *
sv_nfo_escape(const char *s)
{
    struct xml x = { 0 };

    put(&x, "", 0);
    put_escaped(&x, s);
    return finish(&x);
}

char *
sv_nfo_tvshow(const struct sv_nfo_show *show)
{
    struct xml x = { 0 };

    put_str(&x, XML_DECLARATION "<tvshow>\n");
    element(&x, "title", show->title);
    element(&x, "plot", show->plot);
    element(&x, "studio", "Twitch");
    element(&x, "genre", "Live stream");
    uniqueid(&x, "twitch", true, show->id);
    /* The artwork the library keeps next to this file. */
    put_str(&x, "  <thumb aspect=\"poster\">poster.jpg</thumb>\n"
                "  <thumb aspect=\"banner\">banner.jpg</thumb>\n"
                "  <fanart><thumb>fanart.jpg</thumb></fanart>\n"
                "</tvshow>\n");
    return finish(&x);
}

char *
sv_nfo_season(const struct sv_nfo_season *season)
{
    struct xml x = { 0 };
    char       title[32];

    snprintf(title, sizeof(title), "%04u-%02u", season->number / 100,
             season->number % 100);
    put_str(&x, XML_DECLARATION "<season>\n");
    element_number(&x, "seasonnumber", season->number);
    element(&x, "title", season->title != NULL ? season->title : title);
    put_str(&x, "</season>\n");
    return finish(&x);
}

char *
sv_nfo_episode(const struct sv_nfo_episode *ep)
{
    struct xml x = { 0 };

    put_str(&x, XML_DECLARATION "<episodedetails>\n");
    element(&x, "title", ep->title);
    element_number(&x, "season", ep->season);
    element_number(&x, "episode", ep->episode);
    element(&x, "plot", ep->plot);
    if (ep->runtime_s >= 0) {
        element_number(&x, "runtime", (ep->runtime_s + 59) / 60);
    }
    element(&x, "aired", ep->aired);
    element(&x, "premiered", ep->aired);
    element(&x, "genre", ep->category);
    element(&x, "studio", "Twitch");
    if (ep->streamer != NULL) {
        put_str(&x, "  <actor>\n  ");
        element(&x, "name", ep->streamer);
        put_str(&x, "  ");
        element(&x, "role", "Streamer");
        put_str(&x, "  </actor>\n");
    }
    uniqueid(&x, "streamvault", true, ep->id);
    put_str(&x, "</episodedetails>\n");
    return finish(&x);
}
