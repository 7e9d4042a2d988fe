/*
 * RFC 3986 reference resolution (see url_resolve.h).
 */

#include "url_resolve.h"

#include <string.h>

/* A component: defined or not (an empty query "?" is defined). */
struct part {
    const char *s;
    size_t      len;
    bool        defined;
};

struct uri {
    struct part scheme, authority, path, query, fragment;
};

static bool
alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
printable(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char) *s <= 0x20 || (unsigned char) *s >= 0x7f) {
            return false;
        }
    }
    return true;
}

static struct part
until(const char **p, const char *stop)
{
    struct part part = { .s = *p, .len = strcspn(*p, stop),
                         .defined = true };

    *p += part.len;
    return part;
}

/* Appendix B's regular expression, by hand. */
static void
split(const char *s, struct uri *u)
{
    size_t n = 0;

    memset(u, 0, sizeof(*u));
    if (alpha(s[0])) {
        n = 1 + strspn(s + 1, "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
    }
    if (n > 0 && s[n] == ':') {
        u->scheme = (struct part) { .s = s, .len = n, .defined = true };
        s += n + 1;
    }
    if (s[0] == '/' && s[1] == '/') {
        s += 2;
        u->authority = until(&s, "/?#");
    }
    u->path = until(&s, "?#");
    if (*s == '?') {
        s++;
        u->query = until(&s, "#");
    }
    if (*s == '#') {
        s++;
        u->fragment = until(&s, "");
    }
}

/* Output with a bound: once something did not fit, nothing more does. */
struct out {
    char  *s;
    size_t len, cap;
    bool   full;
};

static void
put(struct out *o, const char *s, size_t len)
{
    if (o->full || len >= o->cap - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->s + o->len, s, len);
    o->len += len;
    o->s[o->len] = '\0';
}

static bool
at(const char *p, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);

    return n >= len && memcmp(p, prefix, len) == 0;
}

static bool
is(const char *p, size_t n, const char *whole)
{
    return n == strlen(whole) && memcmp(p, whole, n) == 0;
}

/* Section 5.2.4, in place: the output never outgrows what was read, so
 * writing at w never overtakes reading at i. Returns the new length. */
static size_t
remove_dot_segments(char *p, size_t n)
{
    size_t i = 0, w = 0;
    bool   pop;

    while (i < n) {
        pop = false;
        if (at(p + i, n - i, "../")) {
            i += 3;
        } else if (at(p + i, n - i, "./") || at(p + i, n - i, "/./")) {
            i += 2;
        } else if (is(p + i, n - i, "/.")) {
            p[++i] = '/';
        } else if (at(p + i, n - i, "/../")) {
            i += 3;
            pop = true;
        } else if (is(p + i, n - i, "/..")) {
            i += 2;
            p[i] = '/';
            pop = true;
        } else if (is(p + i, n - i, ".") || is(p + i, n - i, "..")) {
            i = n;
        } else {
            do {
                p[w++] = p[i++];
            } while (i < n && p[i] != '/');
        }
        if (pop) {
            while (w > 0 && p[w - 1] != '/') {
                w--;
            }
            w -= w > 0;
        }
    }
    return w;
}

/* Writes the path, then removes its dot segments in place. */
static void
put_path(struct out *o, const struct uri *base, const struct part *ref,
         bool merge)
{
    size_t start = o->len;

    if (merge && base->authority.defined && base->path.len == 0) {
        put(o, "/", 1);
    } else if (merge) {
        const char *slash = memrchr(base->path.s, '/', base->path.len);

        if (slash != NULL) {
            put(o, base->path.s, (size_t) (slash - base->path.s) + 1);
        }
    }
    put(o, ref->s, ref->len);
    if (!o->full) {
        o->len = start + remove_dot_segments(o->s + start, o->len - start);
        o->s[o->len] = '\0';
    }
}

static void
put_part(struct out *o, const char *before, const struct part *p)
{
    if (p->defined) {
        put(o, before, strlen(before));
        put(o, p->s, p->len);
    }
}

bool
sv_url_resolve(const char *base, const char *ref, char *out, size_t cap)
{
    struct uri  b, r;
    struct out  o = { .s = out, .cap = cap };
    const struct part *authority, *query;

    if (cap == 0) {
        return false;
    }
    out[0] = '\0';
    if (!printable(base) || !printable(ref)) {
        return false;
    }
    split(base, &b);
    split(ref, &r);
    if (!b.scheme.defined) {
        return false;
    }

    /* Section 5.2.2 (strict: a ref's scheme is never dropped). */
    put(&o, r.scheme.defined ? r.scheme.s : b.scheme.s,
        r.scheme.defined ? r.scheme.len : b.scheme.len);
    put(&o, ":", 1);
    authority = r.scheme.defined || r.authority.defined ? &r.authority
                                                        : &b.authority;
    put_part(&o, "//", authority);
    query = &r.query;
    if (r.scheme.defined || r.authority.defined || r.path.s[0] == '/') {
        put_path(&o, &b, &r.path, false);
    } else if (r.path.len == 0) {
        put(&o, b.path.s, b.path.len);
        query = r.query.defined ? &r.query : &b.query;
    } else {
        put_path(&o, &b, &r.path, true);
    }
    put_part(&o, "?", query);
    put_part(&o, "#", &r.fragment);
    if (o.full) {
        out[0] = '\0';
    }
    return !o.full;
}
