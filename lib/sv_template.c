/*
 * File name templates (see sv_template.h).
 */

#include "sv_template.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sv_utf8.h"

enum placeholder {
    P_STREAMER, P_TITLE, P_ID, P_DATE, P_TIME, P_SEASON, P_EPISODE, P_COUNT
};

static const char *const placeholder_names[P_COUNT] = {
    "streamer", "title", "id", "date", "time", "season", "episode",
};

/* The placeholder whose '{' is at tmpl[pos]; its length (braces included) in
 * *len. -1 with the reason when it is unknown or not closed. */
static int
placeholder_at(const char *tmpl, size_t pos, size_t *len, char *err,
               size_t errlen)
{
    size_t name_len = strcspn(tmpl + pos + 1, "{}");

    if (tmpl[pos + 1 + name_len] != '}') {
        snprintf(err, errlen, "unbalanced '{' at byte %zu", pos);
        return -1;
    }
    *len = name_len + 2;
    for (int p = 0; p < P_COUNT; p++) {
        if (strlen(placeholder_names[p]) == name_len
            && memcmp(placeholder_names[p], tmpl + pos + 1, name_len) == 0) {
            return p;
        }
    }
    snprintf(err, errlen, "unknown placeholder {%.*s} at byte %zu",
             (int) (name_len > 32 ? 32 : name_len), tmpl + pos + 1, pos);
    return -1;
}

bool
sv_template_check(const char *tmpl, char *err, size_t errlen)
{
    size_t len = strlen(tmpl), folders = 0, skip;

    if (len == 0 || len > SV_TEMPLATE_MAX) {
        snprintf(err, errlen, "a template must be 1..%d bytes",
                 SV_TEMPLATE_MAX);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (tmpl[i] == '{') {
            if (placeholder_at(tmpl, i, &skip, err, errlen) < 0) {
                return false;
            }
            i += skip - 1;
        } else if (tmpl[i] == '}') {
            snprintf(err, errlen, "unbalanced '}' at byte %zu", i);
            return false;
        } else if (tmpl[i] == '/' && ++folders > SV_TEMPLATE_FOLDERS_MAX) {
            snprintf(err, errlen, "more than %d '/' (at byte %zu)",
                     SV_TEMPLATE_FOLDERS_MAX, i);
            return false;
        }
    }
    return true;
}

/* ".ext" with letters, digits and inner dots, or nothing. */
static bool
ext_ok(const char *ext, char *err, size_t errlen)
{
    size_t len = strlen(ext);
    bool   ok = len == 0 || (len >= 2 && len <= SV_TEMPLATE_EXT_MAX
                             && ext[0] == '.' && ext[len - 1] != '.');

    for (size_t i = 1; ok && i < len; i++) {
        ok = ext[i] == '.' || (ext[i] >= '0' && ext[i] <= '9')
             || ((ext[i] | 0x20) >= 'a' && (ext[i] | 0x20) <= 'z');
    }
    if (!ok) {
        snprintf(err, errlen, "an extension must be \".\" and up to %d "
                 "letters, digits or dots", SV_TEMPLATE_EXT_MAX - 1);
    }
    return ok;
}

/* The path being built and its current component. */
struct render {
    char   *out;
    size_t  len;
    char    name[SV_TEMPLATE_COMPONENT_MAX + 1];
    size_t  name_len;
    size_t  limit;          /* of the current component */
    bool    full;           /* a character did not fit: the rest is cut */
};

static void
put_bytes(struct render *r, const char *s, size_t n)
{
    if (r->full || r->name_len + n > r->limit) {
        r->full = true;     /* never half a character, nor a later one */
        return;
    }
    memcpy(r->name + r->name_len, s, n);
    r->name_len += n;
}

/* Appends text, made safe for a file name; a '/' of the template (not of a
 * value) ends the component, which the caller handles. */
static void
put_text(struct render *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char) s[i];
        size_t        seq = sv_utf8_sequence_length((const unsigned char *)
                                                    s + i, n - i);

        if (ch < 0x20 || ch == 0x7f) {
            i++;
        } else if (seq == 0 || strchr("/\\<>:\"|?*", ch) != NULL) {
            put_bytes(r, "_", 1);
            i++;
        } else {
            put_bytes(r, s + i, seq);
            i += seq;
        }
    }
}

static void
put_value(struct render *r, enum placeholder p,
          const struct sv_template_values *v)
{
    char        num[32];
    const char *text = NULL;

    switch (p) {
    case P_STREAMER: text = v->streamer; break;
    case P_TITLE:    text = v->title; break;
    case P_ID:       text = v->id; break;
    case P_DATE:
        snprintf(num, sizeof(num), "%04d-%02d-%02d", v->year, v->month,
                 v->day);
        text = num;
        break;
    case P_TIME:
        snprintf(num, sizeof(num), "%02d%02d%02d", v->hour, v->minute,
                 v->second);
        text = num;
        break;
    case P_SEASON:
        snprintf(num, sizeof(num), "%04d%02d", v->year, v->month);
        text = num;
        break;
    default:
        snprintf(num, sizeof(num), "%02u", v->episode);
        text = num;
        break;
    }
    if (text != NULL) {
        put_text(r, text, strlen(text));
    }
}

/* Windows refuses these names, whatever their extension. */
static bool
reserved_on_windows(const char *name, size_t len)
{
    static const char *const devices[] = { "CON", "PRN", "AUX", "NUL" };
    size_t stem = 0;

    while (stem < len && name[stem] != '.') {
        stem++;
    }
    for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        if (stem == 3 && strncasecmp(name, devices[i], 3) == 0) {
            return true;
        }
    }
    return stem == 4 && (strncasecmp(name, "COM", 3) == 0
                         || strncasecmp(name, "LPT", 3) == 0)
           && name[3] >= '1' && name[3] <= '9';
}

/* Ends the current component: trimmed, and added to the path unless empty
 * (then a file name becomes the fallback). */
static void
end_component(struct render *r, bool is_file, const char *ext)
{
    size_t start = 0, end = r->name_len;

    while (start < end && (r->name[start] == '.' || r->name[start] == ' ')) {
        start++;
    }
    while (end > start && (r->name[end - 1] == '.' || r->name[end - 1] == ' ')) {
        end--;
    }
    if (start == end && is_file) {
        start = 0;
        end = strlen(SV_TEMPLATE_FALLBACK);
        memcpy(r->name, SV_TEMPLATE_FALLBACK, end);
    }
    if (reserved_on_windows(r->name + start, end - start)) {
        r->name[start] = '_';
    }
    if (start < end) {
        if (r->len > 0) {
            r->out[r->len++] = '/';
        }
        memcpy(r->out + r->len, r->name + start, end - start);
        r->len += end - start;
    }
    if (is_file) {
        memcpy(r->out + r->len, ext, strlen(ext));
        r->len += strlen(ext);
    }
    r->out[r->len] = '\0';
    r->name_len = 0;
    r->full = false;
}

/* The limit of a component: an equal share of the path, and room for the
 * extension in the file name (the last). */
static size_t
component_limit(size_t share, size_t components_left, size_t ext_len)
{
    size_t limit = share < SV_TEMPLATE_COMPONENT_MAX
                   ? share : SV_TEMPLATE_COMPONENT_MAX;

    if (components_left == 1 && limit > SV_TEMPLATE_COMPONENT_MAX - ext_len) {
        limit = SV_TEMPLATE_COMPONENT_MAX - ext_len;
    }
    return limit;
}

/* Renders tmpl into out, under the folder prefix when not NULL: a
 * component of its own, counted in the shares, not in the template. */
static bool
render(const char *prefix, const char *tmpl,
       const struct sv_template_values *v, const char *ext, char *out,
       char *err, size_t errlen)
{
    struct render r = { .out = out };
    size_t        components = prefix != NULL ? 2 : 1, ext_len = strlen(ext);
    size_t        skip, share;

    out[0] = '\0';
    if (!sv_template_check(tmpl, err, errlen) || !ext_ok(ext, err, errlen)) {
        return false;
    }
    for (const char *s = tmpl; *s != '\0'; s++) {
        components += *s == '/';
    }
    /* Equal shares keep the whole path within SV_PATH_REL_MAX, whatever
     * the values. */
    share = (SV_PATH_REL_MAX - ext_len - (components - 1)) / components;
    r.limit = component_limit(share, components, ext_len);
    if (prefix != NULL) {
        put_text(&r, prefix, strlen(prefix));
        end_component(&r, false, ext);
        r.limit = component_limit(share, --components, ext_len);
    }
    for (size_t i = 0; tmpl[i] != '\0'; i++) {
        if (tmpl[i] == '{') {
            put_value(&r, placeholder_at(tmpl, i, &skip, err, errlen), v);
            i += skip - 1;
        } else if (tmpl[i] == '/') {
            end_component(&r, false, ext);
            r.limit = component_limit(share, --components, ext_len);
        } else {
            /* A run at once: a multibyte character is never split. */
            skip = strcspn(tmpl + i, "{/");
            put_text(&r, tmpl + i, skip);
            i += skip - 1;
        }
    }
    end_component(&r, true, ext);
    return true;
}

bool
sv_template_render(const char *tmpl, const struct sv_template_values *v,
                   const char *ext, char *out, char *err, size_t errlen)
{
    return render(NULL, tmpl, v, ext, out, err, errlen);
}

/* n decimal digits at s, as a number; -1 when they are not. */
static int
digits(const char *s, size_t n)
{
    int value = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        value = value * 10 + (s[i] - '0');
    }
    return value;
}

bool
sv_template_when(struct sv_template_values *v, const char *date,
                 const char *time)
{
    if (strlen(date) != 10 || date[4] != '-' || date[7] != '-'
        || strlen(time) != 6) {
        return false;
    }
    v->year = digits(date, 4);
    v->month = digits(date + 5, 2);
    v->day = digits(date + 8, 2);
    v->hour = digits(time, 2);
    v->minute = digits(time + 2, 2);
    v->second = digits(time + 4, 2);
    return v->year >= 0 && v->month >= 0 && v->day >= 0 && v->hour >= 0
           && v->minute >= 0 && v->second >= 0;
}

void
sv_template_cut_stem(char *s, size_t max)
{
    size_t n = 0, len = strlen(s);

    while (n < len) {
        size_t c = sv_utf8_sequence_length((const unsigned char *) s + n,
                                           len - n);

        if (c == 0 || n + c > max) {
            break;
        }
        n += c;
    }
    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' ')) {
        n--;
    }
    s[n] = '\0';
    /* "CON" + spaces + more was no device name until it was cut */
    if (reserved_on_windows(s, n)) {
        s[0] = '_';
    }
}

bool
sv_template_video_path(const char *tmpl, const struct sv_template_values *v,
                       char *out, char *err, size_t errlen)
{
    size_t ext_len = strlen(SV_TEMPLATE_VIDEO_EXT);
    char  *name;

    if (!render(SV_TEMPLATE_LIBRARY,
                tmpl != NULL ? tmpl : SV_TEMPLATE_DEFAULT, v,
                SV_TEMPLATE_VIDEO_EXT, out, err, errlen)) {
        return false;
    }
    /* The sidecars' names are the stem and a suffix: the stem is cut so
     * that the longest fits (the file is never the library itself). */
    name = strrchr(out, '/') + 1;
    name[strlen(name) - ext_len] = '\0';
    sv_template_cut_stem(name, SV_TEMPLATE_STEM_MAX);
    strcat(name, SV_TEMPLATE_VIDEO_EXT);
    return true;
}
