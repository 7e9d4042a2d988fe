/*
 * The nfo job (see job_nfo.h).
 */

#include "job_nfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job_remux.h"
#include "media_save.h"
#include "nfo.h"
#include "payload_check.h"
#include "sv_path.h"

/* A member of a payload object: what it must be, where it goes. */
enum field_kind { F_TEXT, F_PATH, F_DATE, F_NUMBER, F_OBJECT };

struct field {
    const char      *name;
    enum field_kind  kind;
    bool             required;
    long long        min, max;      /* text: bytes; number: value */
    void            *dst;           /* const char **, long long *, yajl_val * */
};

static bool
field_ok(const char *what, const struct field *f, yajl_val v, char *err,
         size_t errlen)
{
    const char *s = YAJL_GET_STRING(v);

    switch (f->kind) {
    case F_PATH:
        return sv_job_media_path_ok(what, v, err, errlen);
    case F_DATE:
        return sv_payload_date_ok(what, v, err, errlen);
    case F_OBJECT:
        if (!YAJL_IS_OBJECT(v)) {
            snprintf(err, errlen, "payload.%s must be an object", what);
            return false;
        }
        return true;
    case F_NUMBER:
        if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < f->min
            || YAJL_GET_INTEGER(v) > f->max) {
            snprintf(err, errlen, "payload.%s must be an integer %lld..%lld",
                     what, f->min, f->max);
            return false;
        }
        return true;
    default:
        /* Control characters are allowed: the XML drops them. */
        if (s == NULL || (long long) strlen(s) < f->min
            || (long long) strlen(s) > f->max) {
            snprintf(err, errlen, "payload.%s must be a string of %lld..%lld "
                     "bytes", what, f->min, f->max);
            return false;
        }
        return true;
    }
}

/* Checks obj against fields (unknown members refused) and stores each. */
static bool
object_ok(const char *prefix, yajl_val obj, const struct field *fields,
          size_t count, char *err, size_t errlen)
{
    char what[64];

    for (size_t i = 0; i < obj->u.object.len; i++) {
        const char         *key = obj->u.object.keys[i];
        const struct field *f = NULL;

        for (size_t j = 0; j < count && f == NULL; j++) {
            f = strcmp(fields[j].name, key) == 0 ? &fields[j] : NULL;
        }
        snprintf(what, sizeof(what), "%s%s", prefix, key);
        if (f == NULL) {
            snprintf(err, errlen, "payload: unknown field \"%.64s\"", what);
            return false;
        }
        if (!field_ok(what, f, obj->u.object.values[i], err, errlen)) {
            return false;
        }
        if (f->kind == F_NUMBER) {
            *(long long *) f->dst = YAJL_GET_INTEGER(obj->u.object.values[i]);
        } else if (f->kind == F_OBJECT) {
            *(yajl_val *) f->dst = obj->u.object.values[i];
        } else {
            *(const char **) f->dst = YAJL_GET_STRING(obj->u.object.values[i]);
        }
    }
    for (size_t j = 0; j < count; j++) {
        yajl_val present = yajl_tree_get(obj, (const char *[]) {
                                             fields[j].name, NULL },
                                         yajl_t_any);

        if (fields[j].required && present == NULL) {
            snprintf(err, errlen, "payload.%s%s is required", prefix,
                     fields[j].name);
            return false;
        }
    }
    return true;
}

/* The payload, picked out. */
struct nfo_payload {
    const char            *dir, *file;
    struct sv_nfo_show     show;
    struct sv_nfo_season   season;
    struct sv_nfo_episode  episode;
};

#define TEXT(n, req, lo, hi, d)  { n, F_TEXT, req, lo, hi, d }

static bool
parse_payload(yajl_val payload, struct nfo_payload *p, char *err,
              size_t errlen)
{
    yajl_val  show = NULL, season = NULL, episode = NULL;
    long long number = -1, ep_season = -1, ep_number = -1, runtime = -1;
    struct sv_nfo_episode *e = &p->episode;

    memset(p, 0, sizeof(*p));
    const struct field top[] = {
        { "dir", F_PATH, true, 0, 0, &p->dir },
        { "show", F_OBJECT, true, 0, 0, &show },
        { "season", F_OBJECT, true, 0, 0, &season },
        { "episode", F_OBJECT, true, 0, 0, &episode },
    };
    const struct field show_fields[] = {
        TEXT("title", true, 1, SV_NFO_TITLE_MAX, &p->show.title),
        TEXT("plot", false, 0, SV_NFO_PLOT_MAX, &p->show.plot),
        TEXT("id", false, 1, SV_NFO_TITLE_MAX, &p->show.id),
    };
    const struct field season_fields[] = {
        { "number", F_NUMBER, true, 190001, 999912, &number },
        TEXT("title", false, 1, SV_NFO_TITLE_MAX, &p->season.title),
    };
    const struct field episode_fields[] = {
        { "file", F_PATH, true, 0, 0, &p->file },
        TEXT("title", true, 1, SV_NFO_TITLE_MAX, &e->title),
        TEXT("plot", false, 0, SV_NFO_PLOT_MAX, &e->plot),
        { "aired", F_DATE, true, 0, 0, &e->aired },
        { "season", F_NUMBER, true, 190001, 999912, &ep_season },
        { "episode", F_NUMBER, true, 1, SV_NFO_EPISODE_MAX, &ep_number },
        { "runtime_s", F_NUMBER, false, 0, SV_NFO_RUNTIME_MAX, &runtime },
        TEXT("category", false, 1, SV_NFO_TITLE_MAX, &e->category),
        TEXT("streamer", false, 1, SV_NFO_TITLE_MAX, &e->streamer),
        TEXT("id", false, 1, SV_NFO_TITLE_MAX, &e->id),
    };
#define COUNT(a)  (sizeof(a) / sizeof((a)[0]))
    if (!object_ok("", payload, top, COUNT(top), err, errlen)
        || !object_ok("show.", show, show_fields, COUNT(show_fields), err,
                      errlen)
        || !object_ok("season.", season, season_fields, COUNT(season_fields),
                      err, errlen)
        || !object_ok("episode.", episode, episode_fields,
                      COUNT(episode_fields), err, errlen)) {
        return false;
    }
#undef COUNT
    if (number % 100 < 1 || number % 100 > 12) {
        snprintf(err, errlen, "payload.season.number must be YYYYMM");
        return false;
    }
    if (ep_season != number) {
        snprintf(err, errlen, "payload.episode.season must be "
                 "payload.season.number");
        return false;
    }
    /* The episode belongs in the show's folder, where the library looks. */
    size_t dir_len = strlen(p->dir);

    if (strncmp(p->file, p->dir, dir_len) != 0 || p->file[dir_len] != '/'
        || !sv_path_has_suffix(p->file, ".mp4")) {
        snprintf(err, errlen, "payload.episode.file must be an .mp4 inside "
                 "payload.dir");
        return false;
    }
    if (dir_len + strlen("/Season YYYYMM/season.nfo") > SV_PATH_REL_MAX) {
        snprintf(err, errlen, "payload.dir is too long for its season "
                 "folder");
        return false;
    }
    p->season.number = (unsigned) number;
    e->season = (unsigned) ep_season;
    e->episode = (unsigned) ep_number;
    e->runtime_s = runtime;
    return true;
}

bool
sv_job_nfo_validate(yajl_val payload, char *err, size_t errlen)
{
    struct nfo_payload p;

    return parse_payload(payload, &p, err, errlen);
}

/* Saves the document made by make (NULL: out of memory) as rel. */
static bool
save(const char *rel, char *doc, char *err, size_t errlen)
{
    char why[128];
    bool ok;

    if (!sv_path_relative_ok(rel, why, sizeof(why))) {
        snprintf(err, errlen, "%s: %s", rel, why);
        ok = false;
    } else if (doc == NULL) {
        snprintf(err, errlen, "out of memory");
        ok = false;
    } else {
        ok = sv_media_save(rel, doc, strlen(doc), err, errlen);
    }
    free(doc);
    return ok;
}

int
sv_job_nfo_run(yajl_val payload, const struct sv_job_run *run, char *err,
               size_t errlen)
{
    struct nfo_payload p;
    char               show[SV_PATH_REL_MAX + 16];
    char               season[SV_PATH_REL_MAX + 32];
    char               episode[SV_PATH_REL_MAX + 1];

    (void) run;
    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    snprintf(show, sizeof(show), "%s/tvshow.nfo", p.dir);
    snprintf(season, sizeof(season), "%s/Season %06u/season.nfo", p.dir,
             p.season.number);
    /* The video's name with .nfo for .mp4: the same length. */
    snprintf(episode, sizeof(episode), "%.*s.nfo",
             (int) (strlen(p.file) - strlen(".mp4")), p.file);
    return save(show, sv_nfo_tvshow(&p.show), err, errlen)
           && save(season, sv_nfo_season(&p.season), err, errlen)
           && save(episode, sv_nfo_episode(&p.episode), err, errlen)
           ? 0 : -1;
}
