/*
 * The artwork job (see job_artwork.h).
 */

#include "job_artwork.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_fetch.h"
#include "image_type.h"
#include "job_remux.h"
#include "media_save.h"
#include "url_check.h"

/* Reasons name the URL; a long one is cut so the reason still fits. */
#define URL_SHOWN  200

static const struct sv_fetch_limits limits = {
    .connect_timeout_s = 5,
    .total_timeout_s = 30,
    .max_redirects = 3,
    .max_bytes = SV_ARTWORK_BYTES_MAX,
};

/* One {"url", "path"} member of images, checked. */
static bool
image_ok(size_t i, yajl_val image, const char **url, const char **path,
         char *err, size_t errlen)
{
    char what[48], why[128];

    *url = *path = NULL;
    if (!YAJL_IS_OBJECT(image)) {
        snprintf(err, errlen, "payload.images[%zu] must be an object", i);
        return false;
    }
    for (size_t k = 0; k < image->u.object.len; k++) {
        const char *key = image->u.object.keys[k];
        yajl_val    v = image->u.object.values[k];

        if (strcmp(key, "url") == 0) {
            *url = YAJL_GET_STRING(v);
            if (*url == NULL) {
                snprintf(err, errlen, "payload.images[%zu].url must be a "
                         "string", i);
                return false;
            }
        } else if (strcmp(key, "path") == 0) {
            snprintf(what, sizeof(what), "images[%zu].path", i);
            if (!sv_job_media_path_ok(what, v, err, errlen)) {
                return false;
            }
            *path = YAJL_GET_STRING(v);
        } else {
            snprintf(err, errlen, "payload: unknown field "
                     "\"images[%zu].%.64s\"", i, key);
            return false;
        }
    }
    if (*url == NULL || *path == NULL) {
        snprintf(err, errlen, "payload.images[%zu].%s is required", i,
                 *url == NULL ? "url" : "path");
        return false;
    }
    if (!sv_url_http_ok(*url, why, sizeof(why))) {
        snprintf(err, errlen, "payload.images[%zu].url %s", i, why);
        return false;
    }
    if (sv_image_type_of_path(*path) == SV_IMAGE_NONE) {
        snprintf(err, errlen, "payload.images[%zu].path must end in .jpg, "
                 ".jpeg, .png or .webp", i);
        return false;
    }
    return true;
}

bool
sv_job_artwork_validate(yajl_val payload, char *err, size_t errlen)
{
    yajl_val images = NULL;

    for (size_t k = 0; k < payload->u.object.len; k++) {
        if (strcmp(payload->u.object.keys[k], "images") != 0) {
            snprintf(err, errlen, "payload: unknown field \"%.64s\"",
                     payload->u.object.keys[k]);
            return false;
        }
        images = payload->u.object.values[k];
    }
    if (images == NULL) {
        snprintf(err, errlen, "payload.images is required");
        return false;
    }
    if (!YAJL_IS_ARRAY(images) || images->u.array.len < 1
        || images->u.array.len > SV_ARTWORK_IMAGES_MAX) {
        snprintf(err, errlen, "payload.images must be an array of 1..%d "
                 "images", SV_ARTWORK_IMAGES_MAX);
        return false;
    }
    for (size_t i = 0; i < images->u.array.len; i++) {
        const char *url, *path, *other_url, *other_path;

        if (!image_ok(i, images->u.array.values[i], &url, &path, err,
                      errlen)) {
            return false;
        }
        /* Two images to one file: which one stays would be luck. */
        for (size_t j = 0; j < i; j++) {
            image_ok(j, images->u.array.values[j], &other_url, &other_path,
                     err, errlen);
            if (strcmp(path, other_path) == 0) {
                snprintf(err, errlen, "payload.images[%zu].path is also "
                         "images[%zu].path", i, j);
                return false;
            }
        }
    }
    return true;
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
    yajl_val images;

    err[0] = '\0';
    if (!sv_job_artwork_validate(payload, err, errlen)) {
        return -1;
    }
    images = yajl_tree_get(payload, (const char *[]) { "images", NULL },
                           yajl_t_array);
    for (size_t i = 0; i < images->u.array.len; i++) {
        yajl_val    image = images->u.array.values[i];
        const char *url = YAJL_GET_STRING(yajl_tree_get(image,
                              (const char *[]) { "url", NULL }, yajl_t_string));
        const char *path = YAJL_GET_STRING(yajl_tree_get(image,
                               (const char *[]) { "path", NULL },
                               yajl_t_string));

        if (!fetch_image(url, path, run, err, errlen)) {
            return -1;
        }
        if (run->progress != NULL) {
            run->progress(run->ctx, (unsigned) ((i + 1) * 100
                                                / images->u.array.len));
        }
    }
    return 0;
}
