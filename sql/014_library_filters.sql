-- StreamVault: what the web UI's library and system pages need.
--
-- The library filters recordings by the Twitch category of their stream and
-- offers the categories there are (GET /api/recordings/categories); the
-- system page shows the workers' recent warnings and errors, which the
-- module reads from Redis (streamvault:logs, worker/log_push.h) into the
-- request document of api.system_status.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

-- Categories -------------------------------------------------------------------------

-- The categories of stream s: the one it started with, then those of its
-- changes, in the order they came, each once in any case (spelled as it
-- came first).
CREATE FUNCTION api_internal.stream_categories(s bigint)
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(array_agg(c.name ORDER BY c.first_at, c.name), '{}')
      FROM (SELECT (array_agg(x.name ORDER BY x.at))[1] AS name, min(x.at) AS first_at
              FROM (SELECT st.category_name AS name, st.started_at AS at FROM streams st WHERE st.id = s
                    UNION ALL
                    SELECT e.category_name, e.occurred_at FROM stream_events e WHERE e.stream_id = s) x
             WHERE x.name <> ''
             GROUP BY lower(x.name)) c
$$;

-- Whether stream s had the category whose lower case is folded.
CREATE FUNCTION api_internal.stream_has_category(s bigint, folded text)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM unnest(api_internal.stream_categories(s)) c (name) WHERE lower(c.name) = folded)
$$;

-- Recordings -------------------------------------------------------------------------

-- The filters of GET /api/recordings, read and checked once: streamer_id,
-- state (deleted ones only when asked for), from, to (on started_at: a date
-- or an ISO 8601 timestamp; to is exclusive), q (title substring, as a LIKE
-- pattern), category (the stream's, any case: kept in lower case).
CREATE TYPE api_internal.recording_filter AS (
    streamer_id bigint, state text, from_at timestamptz, to_at timestamptz, title_like text,
    category text);

CREATE FUNCTION api_internal.recording_filter(p jsonb)
RETURNS api_internal.recording_filter
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    q text := api_internal.query_text(p, 'q', 200);
BEGIN
    RETURN ROW(api_internal.query_int(p, 'streamer_id', 1, 999999999999999999),
               api_internal.query_enum(p, 'state',
                   '{pending,recording,finalizing,processing,ready,failed,deleted}'),
               api_internal.query_time(p, 'from'),
               api_internal.query_time(p, 'to'),
               CASE WHEN q IS NOT NULL THEN api_internal.like_pattern(q) END,
               -- 200: the longest category the tables hold
               lower(api_internal.query_text(p, 'category', 200)))::api_internal.recording_filter;
END
$$;

-- Whether recording r passes filter f: the one statement of it, for the
-- page, its count and the categories. Plain SQL without a SET clause, like
-- the out_* formatters, so that PostgreSQL inlines it into those queries
-- (and uses the indexes on recordings); it names nothing but its arguments,
-- pg_catalog and a schema-qualified function.
CREATE FUNCTION api_internal.recording_matches(r public.recordings, f api_internal.recording_filter)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT (f.streamer_id IS NULL OR r.streamer_id = f.streamer_id)
       AND (CASE WHEN f.state IS NULL THEN r.state <> 'deleted' ELSE r.state = f.state END)
       AND (f.from_at IS NULL OR r.started_at >= f.from_at)
       AND (f.to_at IS NULL OR r.started_at < f.to_at)
       AND (f.title_like IS NULL OR r.title ILIKE f.title_like)
       AND (f.category IS NULL OR api_internal.stream_has_category(r.stream_id, f.category))
$$;

-- As before (002_api.sql), with the filter category, and "categories" (the
-- stream's, see api_internal.stream_categories) on every item.
CREATE OR REPLACE FUNCTION api.recordings_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    admin boolean := api_internal.is_admin(p);
    pg    record := api_internal.page(p);
    f     api_internal.recording_filter := api_internal.recording_filter(p);
    items jsonb[];
    n     integer;
    total bigint;
BEGIN
    items := ARRAY(SELECT to_jsonb(api_internal.out_recording(x.r, x.login, x.display_name, admin))
                          || jsonb_build_object('categories', api_internal.stream_categories((x.r).stream_id))
      FROM (SELECT r, s.login, s.display_name
              FROM recordings r LEFT JOIN streamers s ON s.id = r.streamer_id
             WHERE api_internal.recording_matches(r, f)
             ORDER BY r.started_at DESC NULLS LAST, r.id DESC
             LIMIT pg.lim OFFSET pg.off) x);
    n := cardinality(items);
    IF n < pg.lim AND (n > 0 OR pg.off = 0) THEN
        total := pg.off + n;
    ELSE
        SELECT count(*) INTO total FROM recordings r WHERE api_internal.recording_matches(r, f);
    END IF;
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

-- Query as for recordings_list, limit, offset -> page of {"name", "count"}:
-- the categories of the recordings that pass the filters, the most recorded
-- first; names that differ only in case are one category (shown as most of
-- its recordings spell it), counted once per recording.
CREATE FUNCTION api.recordings_categories(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    pg    record := api_internal.page(p);
    f     api_internal.recording_filter := api_internal.recording_filter(p);
    items jsonb;
    total bigint;
BEGIN
    SELECT count(*),
           coalesce(jsonb_agg(jsonb_build_object('name', g.name, 'count', g.n) ORDER BY g.pos)
                        FILTER (WHERE g.pos > pg.off AND g.pos <= pg.off + pg.lim), '[]')
      INTO total, items
      FROM (SELECT mode() WITHIN GROUP (ORDER BY c.name) AS name, count(DISTINCT c.id) AS n,
                   row_number() OVER (ORDER BY count(DISTINCT c.id) DESC, lower(c.name)) AS pos
              FROM (SELECT r.id, x.name
                      FROM recordings r, unnest(api_internal.stream_categories(r.stream_id)) x (name)
                     WHERE r.stream_id IS NOT NULL AND api_internal.recording_matches(r, f)) c
             GROUP BY lower(c.name)) g;
    RETURN jsonb_build_object('items', items, 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

-- System ------------------------------------------------------------------------------

-- A worker's log line as Redis held it -> the JSON object, or NULL when it
-- is none: PostgreSQL refuses some JSON the module's check lets through (a
-- lone surrogate escape, a number out of range), and a number can grow a few
-- bytes into 128 KB, so each line is parsed alone and bounded, and a bad one
-- never fails the answer.
CREATE FUNCTION api_internal.log_line(t text)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    v jsonb;
BEGIN
    v := t::jsonb;
    RETURN CASE WHEN jsonb_typeof(v) = 'object' AND octet_length(v::text) <= 16384 THEN v END;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;

-- The status 008_twitch.sql answers, kept (in api_internal: no route) for
-- api.system_status to extend.
ALTER FUNCTION api.system_status(jsonb) SET SCHEMA api_internal;
ALTER FUNCTION api_internal.system_status(jsonb) RENAME TO system_status_without_logs;

-- As before, with "logs": the workers' recent warnings and errors, newest
-- first. The module passes them as p.extra.logs, the lines as strings (which
-- the status before merges in as they are: this "logs" replaces them).
CREATE FUNCTION api.system_status(p jsonb)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT api_internal.system_status_without_logs(p) || jsonb_build_object('logs', coalesce(
        (SELECT jsonb_agg(l.line ORDER BY e.i)
           FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(p #> '{extra,logs}') = 'array'
                                               THEN p #> '{extra,logs}' ELSE '[]' END)
                WITH ORDINALITY e (t, i),
                api_internal.log_line(e.t) l (line)
          WHERE l.line IS NOT NULL), '[]'))
$$;
