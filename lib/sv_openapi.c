/*
 * The OpenAPI document (see sv_openapi.h).
 */

#include "sv_openapi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_route.h"

/* A growing string; after a failed allocation every append is a no-op and
 * the result is NULL. */
struct out {
    char    *data;
    size_t   len;
    size_t   cap;
    int      failed;
};

static void
append(struct out *o, const char *s, size_t n)
{
    if (o->failed) {
        return;
    }

    if (o->len + n + 1 > o->cap) {
        size_t  cap = o->cap ? o->cap : 4096;
        char   *data;

        while (o->len + n + 1 > cap) {
            cap *= 2;
        }
        data = realloc(o->data, cap);
        if (data == NULL) {
            o->failed = 1;
            return;
        }
        o->data = data;
        o->cap = cap;
    }

    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static void
put(struct out *o, const char *s)
{
    append(o, s, strlen(s));
}

/* A JSON string; the table's texts are ASCII, but escape what JSON needs. */
static void
put_str(struct out *o, const char *s, size_t n)
{
    size_t  i;

    put(o, "\"");
    for (i = 0; i < n; i++) {
        unsigned char  c = (unsigned char) s[i];
        char           esc[8];

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            append(o, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(o, esc);
        } else {
            append(o, (const char *) &c, 1);
        }
    }
    put(o, "\"");
}

static void
putf(struct out *o, const char *fmt, ...)
{
    char     buf[256];
    int      n;
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);

    if (n < 0 || (size_t) n >= sizeof(buf)) {
        o->failed = 1;
        return;
    }
    append(o, buf, (size_t) n);
}

/* The OpenAPI path template: "{id:int}" becomes "{id}". */
static void
put_path(struct out *o, const char *pattern)
{
    const char  *p;

    put(o, "\"");
    for (p = pattern; *p != '\0'; p++) {
        if (*p == ':') {
            p = strchr(p, '}');
            if (p == NULL) {
                o->failed = 1;
                return;
            }
        }
        append(o, p, 1);
    }
    put(o, "\"");
}

static void
put_parameters(struct out *o, const char *pattern)
{
    const char  *p = pattern;
    int          first = 1;

    put(o, "\"parameters\":[");
    while ((p = strchr(p, '{')) != NULL) {
        const char  *colon = strchr(p, ':');
        int          uuid = colon != NULL && strncmp(colon, ":uuid}", 6) == 0;

        if (colon == NULL) {
            o->failed = 1;
            return;
        }
        put(o, first ? "{\"name\":" : ",{\"name\":");
        put_str(o, p + 1, (size_t) (colon - p - 1));
        put(o, ",\"in\":\"path\",\"required\":true,\"schema\":");
        if (uuid) {
            put(o, "{\"type\":\"string\",\"format\":\"uuid\"}}");
        } else {
            putf(o, "{\"type\":\"integer\",\"minimum\":1,\"maximum\":%lld}}",
                 (long long) SV_JSON_INT_MAX);
        }
        first = 0;
        p = colon;
    }
    put(o, "],");
}

static void
put_tag(struct out *o, const char *pattern)
{
    /* "/api/<tag>/..." */
    const char  *tag = pattern + sizeof("/api/") - 1;
    size_t       n = strcspn(tag, "/.");

    put(o, "\"tags\":[");
    put_str(o, tag, n);
    put(o, "],");
}

static void
put_operation(struct out *o, const struct sv_route *r)
{
    char  method[8];
    int   i;

    for (i = 0; sv_method_name(r->method)[i] != '\0'; i++) {
        method[i] = (char) (sv_method_name(r->method)[i] | 0x20);
    }
    method[i] = '\0';

    putf(o, "\"%s\":{\"operationId\":", method);
    if (r->function != NULL) {
        put_str(o, r->function, strlen(r->function));
    } else {
        put_str(o, r->pattern + sizeof("/api/") - 1,
                strcspn(r->pattern + sizeof("/api/") - 1, "."));
    }
    put(o, ",\"summary\":");
    put_str(o, r->summary, strlen(r->summary));
    put(o, ",");
    put_tag(o, r->pattern);
    put_parameters(o, r->pattern);

    if (r->kind == SV_ROUTE_UPLOAD) {
        /* the file itself; streamvault_upload_max_size bounds it */
        put(o, "\"description\":\"The body is the file. Query: filename "
               "(required; .mp4 .mkv .ts .mov .flv .webm .m4a .mp3 .aac), "
               "streamer_id, title, date (YYYY-MM-DD).\","
               "\"requestBody\":{\"required\":true,\"content\":"
               "{\"application/octet-stream\":{\"schema\":{\"type\":"
               "\"string\",\"format\":\"binary\"}},"
               "\"video/*\":{\"schema\":{\"type\":\"string\","
               "\"format\":\"binary\"}}}},");

    } else if (r->body_limit > 0) {
        putf(o, "\"requestBody\":{\"required\":true,\"content\":"
                "{\"application/json\":{\"schema\":{\"type\":\"object\"}}},"
                "\"x-max-bytes\":%u},", r->body_limit);
    }

    if (r->role == SV_ROLE_PUBLIC) {
        put(o, "\"security\":[],");
    } else {
        put(o, "\"security\":[{\"session\":[]},{\"bearer\":[]}],");
    }
    putf(o, "\"x-role\":\"%s\",", sv_role_name(r->role));

    putf(o, "\"responses\":{\"%u\":{\"description\":\"Success\",\"content\":"
            "{\"application/json\":{\"schema\":{\"type\":\"object\"}}}},"
            "\"default\":{\"$ref\":\"#/components/responses/Error\"}}}",
         r->status);
}

char *
sv_openapi_json(const char *version, size_t *len)
{
    struct out  o = { NULL, 0, 0, 0 };
    size_t      i, j;

    put(&o, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"StreamVault API\","
            "\"version\":");
    put_str(&o, version, strlen(version));
    put(&o, "},\"paths\":{");

    /* One path object per pattern, its methods in table order. */
    for (i = 0; i < sv_routes_count; i++) {
        int  seen = 0, first = 1;

        for (j = 0; j < i && !seen; j++) {
            seen = strcmp(sv_routes[j].pattern, sv_routes[i].pattern) == 0;
        }
        if (seen) {
            continue;
        }

        put(&o, i == 0 ? "" : ",");
        put_path(&o, sv_routes[i].pattern);
        put(&o, ":{");
        for (j = i; j < sv_routes_count; j++) {
            if (strcmp(sv_routes[j].pattern, sv_routes[i].pattern) == 0) {
                put(&o, first ? "" : ",");
                put_operation(&o, &sv_routes[j]);
                first = 0;
            }
        }
        put(&o, "}");
    }

    put(&o, "},\"components\":{\"securitySchemes\":{"
            "\"session\":{\"type\":\"apiKey\",\"in\":\"cookie\","
            "\"name\":\"sv_session\",\"description\":\"Writes also need the "
            "X-CSRF-Token header (the sv_csrf cookie's value)\"},"
            "\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},"
            "\"responses\":{\"Error\":{\"description\":\"An error\","
            "\"content\":{\"application/json\":{\"schema\":{"
            "\"type\":\"object\",\"required\":[\"error\"],\"properties\":{"
            "\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],"
            "\"properties\":{\"code\":{\"type\":\"string\"},"
            "\"message\":{\"type\":\"string\"}}}}}}}}}}}");

    if (o.failed) {
        free(o.data);
        return NULL;
    }

    *len = o.len;
    return o.data;
}
