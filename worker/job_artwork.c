/*
 * The artwork job (see job_artwork.h).
 */

#include "job_artwork.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_fetch.h"
#include "image_type.h"
#include "media_save.h"
#include "payload_check.h"
#include "url_check.h"

/* Reasons name the URL; a long one is cut so the reason still fits. */
#define URL_SHOWN  200

static const struct sv_fetch_limits limits = {
    .connect_timeout_s = 5,
    .total_timeout_s = 30,
    .max_redirects = 3,
    .max_bytes = SV_ARTWORK_BYTES_MAX,
};

/* The payload, picked out. */
struct artwork_payload {
    yajl_val  images;
    struct image {
        const char *url, *path;
    }         image[SV_ARTWORK_IMAGES_MAX];
};

static bool
images_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    if (!YAJL_IS_ARRAY(v) || v->u.array.len < 1
        || v->u.array.len > SV_ARTWORK_IMAGES_MAX) {
        snprintf(err, errlen, "payload.%s must be an array of 1..%d images",
                 what, SV_ARTWORK_IMAGES_MAX);
        return false;
    }
    return true;
}

static bool
url_read(const char *what, yajl_val v, void *dst, const void *arg, char *err,
         size_t errlen)
{
    const char *url = YAJL_GET_STRING(v);
    char        why[128];

    (void) arg;
    if (url == NULL) {
        snprintf(err, errlen, "payload.%s must be a string", what);
        return false;
    }
    if (!sv_url_http_ok(url, why, sizeof(why))) {
        snprintf(err, errlen, "payload.%s %s", what, why);
        return false;
    }
    *(const char **) dst = url;
    return true;
}

static const struct sv_payload_field top[] = {
    { "images", true, sv_payload_value,
      offsetof(struct artwork_payload, images), sv_payload_check(images_ok) },
};

/* Offsets in struct image. */
static const struct sv_payload_field image_fields[] = {
    { "url", true, url_read, offsetof(struct image, url), NULL },
    { "path", true, sv_payload_path, offsetof(struct image, path), NULL },
};

static bool
parse_payload(yajl_val payload, struct artwork_payload *p, char *err,
              size_t errlen)
{
    char prefix[32];

    if (!sv_payload_read(payload, "", top, sv_payload_nfields(top), p, err,
                         errlen)) {
        return false;
    }
    for (size_t i = 0; i < p->images->u.array.len; i++) {
        struct image *img = &p->image[i];

        snprintf(prefix, sizeof(prefix), "images[%zu]", i);
        if (!sv_payload_read(p->images->u.array.values[i], prefix,
                             image_fields, sv_payload_nfields(image_fields),
                             img, err, errlen)) {
            return false;
        }
        if (sv_image_type_of_path(img->path) == SV_IMAGE_NONE) {
            snprintf(err, errlen, "payload.%s.path must end in .jpg, .jpeg, "
                     ".png or .webp", prefix);
            return false;
        }
        /* Two images to one file: which one stays would be luck. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(img->path, p->image[j].path) == 0) {
                snprintf(err, errlen, "payload.%s.path is also "
                         "images[%zu].path", prefix, j);
                return false;
            }
        }
    }
    return true;
}

bool
sv_job_artwork_validate(yajl_val payload, char *err, size_t errlen)
{
    struct artwork_payload p;

    return parse_payload(payload, &p, err, errlen);
}

static bool
keep_going(void *ctx)
{
    const struct sv_job_run *run = ctx;

    return run->keep_alive == NULL || run->keep_alive(run->ctx);
}

/* Fetches url, checks it is the image path names, saves it as path. */
static bool
fetch_image(const char *url, const char *path, const struct sv_job_run *run,
            char *err, size_t errlen)
{
    unsigned char      *data;
    size_t              len;
    char                why[256];
    enum sv_image_type  want = sv_image_type_of_path(path), got;
    bool                ok = false;

    if (!sv_http_fetch(url, &limits, keep_going, (void *) run, &data, &len,
                       why, sizeof(why))) {
        snprintf(err, errlen, "%.*s%s: %s", URL_SHOWN, url,
                 strlen(url) > URL_SHOWN ? "..." : "", why);
        return false;
    }
    got = sv_image_type_of_bytes(data, len);
    if (got == SV_IMAGE_NONE) {
        snprintf(err, errlen, "%.*s%s: the body is not an image (no JPEG, "
                 "PNG or WebP magic bytes)", URL_SHOWN, url,
                 strlen(url) > URL_SHOWN ? "..." : "");
    } else if (got != want) {
        snprintf(err, errlen, "%.*s%s: the body is %s but the path names %s",
                 URL_SHOWN, url, strlen(url) > URL_SHOWN ? "..." : "",
                 sv_image_type_name(got), sv_image_type_name(want));
    } else {
        ok = sv_media_save(path, (const char *) data, len, err, errlen);
    }
    free(data);
    return ok;
}

int
sv_job_artwork_run(yajl_val payload, const struct sv_job_run *run, char *err,
                   size_t errlen)
{
    struct artwork_payload p;

    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    for (size_t i = 0; i < p.images->u.array.len; i++) {
        if (!fetch_image(p.image[i].url, p.image[i].path, run, err,
                         errlen)) {
            return -1;
        }
        if (run->progress != NULL) {
            run->progress(run->ctx, (unsigned) ((i + 1) * 100
                                                / p.images->u.array.len));
        }
    }
    return 0;
}
