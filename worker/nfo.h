/*
 * Kodi/Jellyfin/Emby .nfo files: the XML text of tvshow.nfo, season.nfo and
 * an episode's .nfo. Pure: the callers write the text where it belongs.
 *
 * Every value is escaped (& < > " ' as entities), control characters (and
 * the non-characters U+FFFE/U+FFFF) are removed, invalid UTF-8 becomes
 * U+FFFD; the documents declare UTF-8. So any title gives well-formed XML.
 */

#ifndef SV_NFO_H
#define SV_NFO_H

#include <stdbool.h>

/* Optional members are NULL (or negative, for numbers). */
struct sv_nfo_show {
    const char *title, *plot;
    const char *id;             /* the Twitch user id: uniqueid type twitch */
};

struct sv_nfo_season {
    unsigned    number;         /* YYYYMM */
    const char *title;          /* default "YYYY-MM" */
};

struct sv_nfo_episode {
    const char *title, *plot;
    const char *aired;          /* YYYY-MM-DD, also premiered */
    unsigned    season, episode;
    long long   runtime_s;      /* written in minutes, rounded up */
    const char *category;       /* genre */
    const char *streamer;       /* actor */
    const char *id;             /* uniqueid type streamvault (default) */
};

/* Each returns the document, malloc'd, or NULL when out of memory. */
char *sv_nfo_tvshow(const struct sv_nfo_show *show);
char *sv_nfo_season(const struct sv_nfo_season *season);
char *sv_nfo_episode(const struct sv_nfo_episode *episode);

/* s as XML character data (the rules above), malloc'd; NULL when out of
 * memory. */
char *sv_nfo_escape(const char *s);

#endif /* SV_NFO_H */
