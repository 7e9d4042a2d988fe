/*
 * HLS playlists (RFC 8216 and Twitch's additions), parsed from the text the
 * recorder fetched. Pure: no network, no libav.
 *
 * A multivariant playlist gives the variants (qualities); a media playlist
 * gives the segments. Every input is hostile: a playlist over
 * SV_HLS_TEXT_MAX bytes, a line over SV_HLS_LINE_MAX, more than
 * SV_HLS_ENTRIES_MAX entries (variants, renditions, segments, date ranges)
 * or SV_HLS_GROUPS_MAX video renditions or ad date ranges, a NUL byte, a bad number in a tag the recorder relies on (EXTINF,
 * TARGETDURATION, MEDIA-SEQUENCE, DISCONTINUITY-SEQUENCE) or a URI that
 * does not resolve is refused with the line's number. CRLF, a BOM, blank
 * lines, comments and unknown tags are fine; a tag without a URI at the end
 * (a cut-off body) is dropped. Names and titles come out as valid UTF-8
 * (invalid sequences become U+FFFD, control characters are removed), cut
 * at a character boundary; URIs come out absolute and printable ASCII.
 *
 * Media sequence numbers: the i-th segment has MEDIA-SEQUENCE + i
 * (RFC 8216 6.3.2), ad segments included.
 *
 * Program date time: a segment's own EXT-X-PROGRAM-DATE-TIME, or the
 * previous segment's plus its duration (not across a discontinuity), as ms
 * since the epoch; SV_HLS_NO_TIME when unknown or not parseable.
 *
 * Ads (Twitch's stitched ads, as streamlink recognises them): a segment is
 * an ad when its EXTINF title contains "Amazon", or its program date time
 * is inside an ad EXT-X-DATERANGE anywhere in the playlist: CLASS
 * "twitch-stitched-ad" or ID starting "stitched-ad-", from START-DATE up to
 * (excluding) END-DATE, else START-DATE + DURATION, else + PLANNED-DURATION,
 * else open-ended.
 *
 * Prefetch: each "#EXT-X-TWITCH-PREFETCH:<uri>" after the last segment is a
 * segment flagged prefetch, numbered on from it, lasting the average of the
 * regular segments, timed after the one before; it is an ad when a
 * discontinuity precedes it or by the date ranges. A prefetch line with no
 * segment before it is ignored; prefetch segments always come last.
 */

#ifndef SV_HLS_PLAYLIST_H
#define SV_HLS_PLAYLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SV_HLS_TEXT_MAX        (4 * 1024 * 1024)  /* bytes of a playlist */
#define SV_HLS_LINE_MAX        (64 * 1024)        /* bytes of a line */
#define SV_HLS_ENTRIES_MAX     100000
#define SV_HLS_GROUPS_MAX      256  /* video renditions, ad date ranges:
                                     * each is matched against every entry */
#define SV_HLS_URI_MAX         8192               /* bytes, resolved */
#define SV_HLS_NAME_MAX        128                /* bytes of a name */
#define SV_HLS_TITLE_MAX       256                /* bytes of a title */
#define SV_HLS_STRINGS_MAX     (32 * 1024 * 1024) /* all strings kept */
#define SV_HLS_SEQUENCE_MAX    (INT64_C(1) << 53) /* MEDIA-SEQUENCE */
#define SV_HLS_DURATION_MAX    86400.0            /* s, EXTINF/TARGET */
#define SV_HLS_NO_TIME         INT64_MIN

enum sv_hls_kind {
    SV_HLS_MEDIA,
    SV_HLS_MULTIVARIANT,
};

struct sv_hls_variant {
    const char *uri;            /* absolute */
    const char *name;           /* the rendition's NAME for its VIDEO group,
                                 * else IVS-NAME, else STABLE-VARIANT-ID,
                                 * else "<height>p[<fps>]", else "" */
    const char *codecs;         /* "" when absent */
    const char *video_group;    /* "" when absent */
    uint64_t    bandwidth;      /* 0 when absent */
    int         width, height;  /* 0 when absent */
    double      frame_rate;     /* 0 when absent */
    bool        source;         /* IVS-VARIANT-SOURCE="source", a name
                                 * ending " (source)" or group "chunked" */
};

struct sv_hls_segment {
    int64_t     sequence;
    double      duration_s;
    const char *uri;            /* absolute */
    const char *title;          /* EXTINF text after the comma, or "" */
    int64_t     pdt_ms;         /* or SV_HLS_NO_TIME */
    bool        discontinuity;  /* EXT-X-DISCONTINUITY before it */
    bool        ad, prefetch;
};

struct sv_hls_strings;          /* where the strings live */

struct sv_hls_playlist {
    enum sv_hls_kind       kind;

    struct sv_hls_variant *variants;    /* multivariant */
    size_t                 n_variants;

    double                 target_duration_s;   /* media; 0 when absent */
    int64_t                media_sequence;      /* 0 when absent */
    int64_t                discontinuity_sequence;
    bool                   endlist;
    struct sv_hls_segment *segments;
    size_t                 n_segments;          /* prefetch ones included */

    struct sv_hls_strings *strings;
};

/* Parses text (len bytes, not NUL-terminated) fetched from url (absolute)
 * into *pl. False with the reason (and *pl empty) when refused or out of
 * memory. sv_hls_free releases it either way. */
bool sv_hls_parse(const char *text, size_t len, const char *url,
                  struct sv_hls_playlist *pl, char *err, size_t errlen);

void sv_hls_free(struct sv_hls_playlist *pl);

#endif /* SV_HLS_PLAYLIST_H */
