/*
 * The nfo job (see job_nfo.h).
 */

#include "job_nfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media_duration.h"
#include "media_save.h"
#include "nfo.h"
#include "payload_check.h"
#include "sv_path.h"

/* The payload, picked out. */
struct nfo_payload {
    const char            *dir, *file;
    yajl_val               show_obj, season_obj, episode_obj;
    long long              number, ep_season, ep_number;
    struct sv_nfo_show     show;
    struct sv_nfo_season   season;
    struct sv_nfo_episode  episode;
};

#define FIELD(name, req, read, member, arg)                                   \
    { name, req, read, offsetof(struct nfo_payload, member), arg }

/* Texts may hold control characters: the XML drops them. */
#define TEXT(name, req, min, max, member)                                     \
    FIELD(name, req, sv_payload_text, member,                                 \
          (&(const struct sv_payload_text) { (min), (max), false }))

static const struct sv_payload_field top[] = {
    FIELD("dir", true, sv_payload_path, dir, NULL),
    FIELD("show", true, sv_payload_object, show_obj, NULL),
    FIELD("season", true, sv_payload_object, season_obj, NULL),
    FIELD("episode", true, sv_payload_object, episode_obj, NULL),
};

static const struct sv_payload_field show_fields[] = {
    TEXT("title", true, 1, SV_NFO_TITLE_MAX, show.title),
    TEXT("plot", false, 0, SV_NFO_PLOT_MAX, show.plot),
    TEXT("id", false, 1, SV_NFO_TITLE_MAX, show.id),
};

static const struct sv_payload_field season_fields[] = {
    FIELD("number", true, sv_payload_integer, number,
          sv_payload_range(190001, 999912)),
    TEXT("title", false, 1, SV_NFO_TITLE_MAX, season.title),
};

static const struct sv_payload_field episode_fields[] = {
    FIELD("file", true, sv_payload_path, file, NULL),
    TEXT("title", true, 1, SV_NFO_TITLE_MAX, episode.title),
    TEXT("plot", false, 0, SV_NFO_PLOT_MAX, episode.plot),
    FIELD("aired", true, sv_payload_date, episode.aired, NULL),
    FIELD("season", true, sv_payload_integer, ep_season,
          sv_payload_range(190001, 999912)),
    FIELD("episode", true, sv_payload_integer, ep_number,
          sv_payload_range(1, SV_NFO_EPISODE_MAX)),
    FIELD("runtime_s", false, sv_payload_integer, episode.runtime_s,
          sv_payload_range(0, SV_NFO_RUNTIME_MAX)),
    TEXT("category", false, 1, SV_NFO_TITLE_MAX, episode.category),
    TEXT("streamer", false, 1, SV_NFO_TITLE_MAX, episode.streamer),
    TEXT("id", false, 1, SV_NFO_TITLE_MAX, episode.id),
};

static bool
parse_payload(yajl_val payload, struct nfo_payload *p, char *err,
              size_t errlen)
{
    struct sv_nfo_episode *e = &p->episode;

    memset(p, 0, sizeof(*p));
    e->runtime_s = -1;
#define READ(obj, prefix, fields)                                             \
    sv_payload_read(obj, prefix, fields, sv_payload_nfields(fields), p, err,  \
                    errlen)
    if (!READ(payload, "", top)
        || !READ(p->show_obj, "show", show_fields)
        || !READ(p->season_obj, "season", season_fields)
        || !READ(p->episode_obj, "episode", episode_fields)) {
        return false;
    }
#undef READ
    if (p->number % 100 < 1 || p->number % 100 > 12) {
        snprintf(err, errlen, "payload.season.number must be YYYYMM");
        return false;
    }
    if (p->ep_season != p->number) {
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
    p->season.number = (unsigned) p->number;
    e->season = (unsigned) p->ep_season;
    e->episode = (unsigned) p->ep_number;
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

    double             seconds;
    char               why[256];

    (void) run;
    err[0] = '\0';
    if (!parse_payload(payload, &p, err, errlen)) {
        return -1;
    }
    /* Without a runtime, the one the video's index records, if it has one
     * yet (an .nfo may be written before the video). */
    if (p.episode.runtime_s < 0
        && sv_media_duration(p.file, &seconds, why, sizeof(why))) {
        p.episode.runtime_s = (long long) (seconds + 0.5);
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
