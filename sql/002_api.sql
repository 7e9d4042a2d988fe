-- StreamVault API: one function per REST route, in schema "api".
--
-- The module calls   SELECT api.<route>(api.authorize($1::jsonb, '<role>'))
-- (or SELECT api.<route>($1::jsonb) for the public login calls) with the
-- request document p = {"auth", "params", "query", "body"}; see
-- docs/architecture.md. Every route function takes that one jsonb and returns
-- one jsonb; errors are raised as SQLSTATE 'SV' || <HTTP status>, the machine
-- code in HINT and optional extra fields as a JSON object in DETAIL.
--
-- Schema "api" holds only what the module calls (authorize and the routes);
-- the shared helpers live in schema "api_internal".
--
-- Rules kept by every function here:
--   * SET search_path = public, pg_temp (no search-path hijack). The only
--     exceptions are the out_* row formatters: plain SQL functions that
--     PostgreSQL inlines into the list queries (a SET clause would forbid
--     that); they reference nothing but pg_catalog functions and their own
--     arguments, and pg_catalog is always searched first.
--   * no dynamic SQL; every input is type-, length-, range- and format-checked
--     before use; unknown body fields are refused; error messages never echo
--     input values (only field names, shortened).
--   * lists answer {"items": [...], "total": N, "limit": L, "offset": O}.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

CREATE SCHEMA api_internal;

-- Indexes the API needs ------------------------------------------------------

-- Bearer tokens are looked up by the SHA-256 of the presented token.
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_created_idx ON api_tokens (user_id, created_at DESC, id DESC);
-- The streamer list is sorted case-insensitively by login.
CREATE INDEX streamers_list_idx ON streamers (lower(login), id);
-- Recordings newest first; jobs newest first.
CREATE INDEX recordings_list_idx ON recordings (started_at DESC NULLS LAST, id DESC);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC, id);
CREATE INDEX jobs_type_idx ON jobs (type);
CREATE INDEX users_list_idx ON users (lower(username), id);

-- Errors ---------------------------------------------------------------------

-- Raises the API error: SQLSTATE 'SV' || status, MESSAGE, HINT = code,
-- DETAIL = the JSON object detail (only when given).
CREATE FUNCTION api_internal.fail(status integer, code text, message text, detail jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF status IS NULL OR status < 400 OR status > 599 THEN
        RAISE EXCEPTION 'api_internal.fail: bad status %', status;
    END IF;
    IF detail IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'SV' || status::text, MESSAGE = message, HINT = code;
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'SV' || status::text, MESSAGE = message, HINT = code,
                              DETAIL = detail::text;
    END IF;
END
$$;

-- A field name fit for a message: shortened, control characters replaced.
CREATE FUNCTION api_internal.field_name(name text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT regexp_replace(left(coalesce(name, ''), 64), E'[\\u0001-\\u001f\\u007f-\\u009f]', '?', 'g')
$$;

-- 422 invalid, naming the field in the message and in DETAIL {"field": ...}.
CREATE FUNCTION api_internal.invalid(field text, message text)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM api_internal.fail(422, 'invalid', message,
                              jsonb_build_object('field', api_internal.field_name(field)));
END
$$;

CREATE FUNCTION api_internal.bad_request(message text)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM api_internal.fail(400, 'bad_request', message);
END
$$;

CREATE FUNCTION api_internal.not_found(what text)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM api_internal.fail(404, 'not_found', what || ' not found');
END
$$;

CREATE FUNCTION api_internal.conflict(message text)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM api_internal.fail(409, 'conflict', message);
END
$$;

-- The caller -------------------------------------------------------------------

-- The id of the user api.authorize added; 401 without one (a route that was
-- wired without authorize fails closed).
CREATE FUNCTION api_internal.me(p jsonb)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    v jsonb := p -> 'user' -> 'id';
BEGIN
    IF v IS NULL OR jsonb_typeof(v) <> 'number' THEN
        PERFORM api_internal.fail(401, 'unauthorized', 'authentication required');
    END IF;
    RETURN v::bigint;
END
$$;

CREATE FUNCTION api_internal.is_admin(p jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(p -> 'user' ->> 'role' = 'admin', false)
$$;

-- 403 unless the caller is an admin (the route table says so too).
CREATE FUNCTION api_internal.require_admin(p jsonb)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid bigint := api_internal.me(p);
BEGIN
    IF NOT api_internal.is_admin(p) THEN
        PERFORM api_internal.fail(403, 'forbidden', 'this needs the admin role');
    END IF;
    RETURN uid;
END
$$;

-- Body fields ------------------------------------------------------------------

-- The body as an object ({} when absent and nothing is required); 422 for a
-- body that is not an object, an unknown field or a missing required one.
CREATE FUNCTION api_internal.body(p jsonb, allowed text[], required text[] DEFAULT '{}')
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    b jsonb := p -> 'body';
    k text;
BEGIN
    IF b IS NULL OR jsonb_typeof(b) = 'null' THEN
        b := '{}';
    ELSIF jsonb_typeof(b) <> 'object' THEN
        PERFORM api_internal.fail(422, 'invalid', 'the request body must be a JSON object',
                                  '{"field": null}');
    END IF;
    FOR k IN SELECT jsonb_object_keys(b) LOOP
        IF NOT k = ANY (allowed) THEN
            PERFORM api_internal.invalid(k, 'unknown field "' || api_internal.field_name(k) || '"');
        END IF;
    END LOOP;
    FOREACH k IN ARRAY required LOOP
        IF NOT b ? k THEN
            PERFORM api_internal.invalid(k, 'missing field "' || k || '"');
        END IF;
    END LOOP;
    RETURN b;
END
$$;

-- A string field: length in characters, no control characters (multiline
-- allows tab, LF and CR), an optional regular expression (a constant of the
-- caller, never input). JSON null (or an absent value) gives NULL when
-- nullable.
CREATE FUNCTION api_internal.as_text(v jsonb, field text, min_len integer, max_len integer,
                                     pattern text DEFAULT NULL, nullable boolean DEFAULT false,
                                     multiline boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        IF nullable THEN
            RETURN NULL;
        END IF;
        PERFORM api_internal.invalid(field, field || ' must be a string');
    END IF;
    IF jsonb_typeof(v) <> 'string' THEN
        PERFORM api_internal.invalid(field, field || ' must be a string');
    END IF;
    s := v #>> '{}';
    IF length(s) < min_len OR length(s) > max_len THEN
        PERFORM api_internal.invalid(field, format('%s must have %s to %s characters',
                                                   field, min_len, max_len));
    END IF;
    IF multiline THEN
        IF s ~ E'[\\u0001-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]' THEN
            PERFORM api_internal.invalid(field, field || ' must not contain control characters');
        END IF;
    ELSIF s ~ E'[\\u0001-\\u001f\\u007f-\\u009f]' THEN
        PERFORM api_internal.invalid(field, field || ' must not contain control characters');
    END IF;
    IF pattern IS NOT NULL AND s !~ pattern THEN
        PERFORM api_internal.invalid(field, field || ' has an invalid format');
    END IF;
    RETURN s;
END
$$;

-- An integer field (a JSON number with no fraction) within [min_v, max_v].
-- Compared as numeric first, so 1e400 or 99999999999999999999 is a clean 422.
CREATE FUNCTION api_internal.as_int(v jsonb, field text, min_v bigint, max_v bigint,
                                    nullable boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    n numeric;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        IF nullable THEN
            RETURN NULL;
        END IF;
        PERFORM api_internal.invalid(field, field || ' must be an integer');
    END IF;
    IF jsonb_typeof(v) <> 'number' THEN
        PERFORM api_internal.invalid(field, field || ' must be an integer');
    END IF;
    n := v::numeric;
    IF n <> trunc(n) OR n < min_v OR n > max_v THEN
        PERFORM api_internal.invalid(field, format('%s must be an integer from %s to %s',
                                                   field, min_v, max_v));
    END IF;
    RETURN n::bigint;
END
$$;

CREATE FUNCTION api_internal.as_bool(v jsonb, field text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
BEGIN
    IF v IS NULL OR jsonb_typeof(v) <> 'boolean' THEN
        PERFORM api_internal.invalid(field, field || ' must be true or false');
    END IF;
    RETURN v::boolean;
END
$$;

-- A URL of one of the given schemes: scheme://[userinfo@]host[:port][/?#...],
-- at most 2048 characters, no spaces, control characters or backslashes.
CREATE FUNCTION api_internal.as_url(v jsonb, field text, schemes text[], nullable boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.as_text(v, field, 1, 2048, NULL, nullable);
    scheme text;
BEGIN
    IF s IS NULL THEN
        RETURN NULL;
    END IF;
    scheme := lower(substring(s FROM '^([A-Za-z][A-Za-z0-9+.-]*)://'));
    IF scheme IS NULL OR NOT scheme = ANY (schemes) THEN
        PERFORM api_internal.invalid(field, field || ' must be a URL starting with '
                                            || array_to_string(schemes, '://, ') || '://');
    END IF;
    IF s !~ '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@[:space:]]+@)?([[][0-9A-Fa-f:.]+[]]|[A-Za-z0-9._~%-]+)(:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
       OR strpos(s, E'\\') > 0 THEN
        PERFORM api_internal.invalid(field, field || ' is not a valid URL');
    END IF;
    RETURN s;
END
$$;

-- A file name template: relative, no ".." segment, no backslash.
CREATE FUNCTION api_internal.as_template(v jsonb, field text, nullable boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.as_text(v, field, 1, 512, NULL, nullable);
BEGIN
    IF s IS NOT NULL AND (s ~ '^/' OR s ~ '(^|/)[.][.](/|$)' OR strpos(s, E'\\') > 0) THEN
        PERFORM api_internal.invalid(field, field || ' must be a relative path without ".." or backslashes');
    END IF;
    RETURN s;
END
$$;

-- A crypt(3) string of a slow hash (what users.password_hash accepts).
CREATE FUNCTION api_internal.as_password_hash(v jsonb, field text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT api_internal.as_text(v, field, 10, 512, '^[$](y|gy|7|argon2id|2b)[$][!-~]+$')
$$;

-- Path parameters ----------------------------------------------------------------

-- params.id: a positive integer (JSON number); the module checked it, this
-- checks again.
CREATE FUNCTION api_internal.param_id(p jsonb)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    v jsonb := p -> 'params' -> 'id';
    n numeric;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) <> 'number' THEN
        PERFORM api_internal.bad_request('the id must be a positive integer');
    END IF;
    n := v::numeric;
    IF n <> trunc(n) OR n < 1 OR n > 9223372036854775807 THEN
        PERFORM api_internal.bad_request('the id must be a positive integer');
    END IF;
    RETURN n::bigint;
END
$$;

-- params.id as a UUID (jobs): a string, or 400.
CREATE FUNCTION api_internal.param_uuid(p jsonb)
RETURNS uuid
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    v jsonb := p -> 'params' -> 'id';
BEGIN
    IF v IS NULL OR jsonb_typeof(v) <> 'string'
       OR (v #>> '{}') !~ '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$' THEN
        PERFORM api_internal.bad_request('the id must be a UUID');
    END IF;
    RETURN (v #>> '{}')::uuid;
END
$$;

-- Query parameters ------------------------------------------------------------
-- Every value is a string; an empty one counts as absent; a bad one is 400.

CREATE FUNCTION api_internal.query_text(p jsonb, name text, max_len integer DEFAULT 200)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    v jsonb := p -> 'query' -> name;
    s text;
BEGIN
    IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(v) <> 'string' THEN
        PERFORM api_internal.bad_request('query parameter ' || name || ' must be a string');
    END IF;
    s := v #>> '{}';
    IF s = '' THEN
        RETURN NULL;
    END IF;
    IF length(s) > max_len THEN
        PERFORM api_internal.bad_request(format('query parameter %s must have at most %s characters',
                                                name, max_len));
    END IF;
    IF s ~ E'[\\u0001-\\u001f\\u007f-\\u009f]' THEN
        PERFORM api_internal.bad_request('query parameter ' || name || ' must not contain control characters');
    END IF;
    RETURN s;
END
$$;

CREATE FUNCTION api_internal.query_int(p jsonb, name text, min_v bigint, max_v bigint,
                                       dflt bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.query_text(p, name, 100);
    n bigint;
BEGIN
    IF s IS NULL THEN
        RETURN dflt;
    END IF;
    -- 18 digits always fit a bigint; longer is out of every range here.
    IF s !~ '^[0-9]{1,18}$' THEN
        PERFORM api_internal.bad_request(format('query parameter %s must be an integer from %s to %s',
                                                name, min_v, max_v));
    END IF;
    n := s::bigint;
    IF n < min_v OR n > max_v THEN
        PERFORM api_internal.bad_request(format('query parameter %s must be an integer from %s to %s',
                                                name, min_v, max_v));
    END IF;
    RETURN n;
END
$$;

CREATE FUNCTION api_internal.query_bool(p jsonb, name text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.query_text(p, name, 100);
BEGIN
    IF s IS NULL THEN
        RETURN NULL;
    ELSIF s IN ('true', '1') THEN
        RETURN true;
    ELSIF s IN ('false', '0') THEN
        RETURN false;
    END IF;
    PERFORM api_internal.bad_request('query parameter ' || name || ' must be true or false');
    RETURN NULL;
END
$$;

CREATE FUNCTION api_internal.query_enum(p jsonb, name text, allowed text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.query_text(p, name, 100);
BEGIN
    IF s IS NOT NULL AND NOT s = ANY (allowed) THEN
        PERFORM api_internal.bad_request('query parameter ' || name || ' must be one of '
                                         || array_to_string(allowed, ', '));
    END IF;
    RETURN s;
END
$$;

-- A date (YYYY-MM-DD, midnight in the session's time zone) or an ISO 8601
-- timestamp.
CREATE FUNCTION api_internal.query_time(p jsonb, name text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.query_text(p, name, 100);
    t timestamptz;
BEGIN
    IF s IS NULL THEN
        RETURN NULL;
    END IF;
    IF s ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$' THEN
        BEGIN
            t := s::timestamptz;
        EXCEPTION WHEN data_exception THEN
            t := NULL;
        END;
    END IF;
    IF t IS NULL OR NOT isfinite(t) THEN
        PERFORM api_internal.bad_request('query parameter ' || name
                                         || ' must be a date (YYYY-MM-DD) or an ISO 8601 timestamp');
    END IF;
    RETURN t;
END
$$;

-- limit (1..200, default 50) and offset (0..1000000, default 0).
CREATE FUNCTION api_internal.page(p jsonb, OUT lim integer, OUT off integer)
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
BEGIN
    lim := api_internal.query_int(p, 'limit', 1, 200, 50);
    off := api_internal.query_int(p, 'offset', 0, 1000000, 0);
END
$$;

-- '%<s>%' for LIKE/ILIKE with the wildcards and the escape character of s
-- escaped (the default escape character is the backslash).
CREATE FUNCTION api_internal.like_pattern(s text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT '%' || replace(replace(replace(s, E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%'
$$;

-- Row formatters -------------------------------------------------------------
-- Each answer object is a composite type turned into JSON by to_jsonb: an
-- explicit list of the fields the API shows (a column added to a table later
-- does not leak), and to_jsonb(ARRAY(...)) of composites is about twice as
-- fast as jsonb_agg(jsonb_build_object(...)) for a page of 50. The out_*
-- functions are plain SQL without a SET clause so that PostgreSQL inlines them
-- into the list queries (see the top of the file).

CREATE TYPE api_internal.user_out AS (
    id bigint, username text, role text, disabled boolean, failed_logins integer,
    locked_until timestamptz, last_login_at timestamptz, created_at timestamptz,
    updated_at timestamptz);

CREATE TYPE api_internal.token_out AS (
    id bigint, name text, prefix text, scopes text[], created_at timestamptz,
    last_used_at timestamptz, expires_at timestamptz, revoked_at timestamptz);

CREATE TYPE api_internal.streamer_out AS (
    id bigint, platform text, twitch_id text, login text, display_name text, description text,
    profile_image_url text, offline_image_url text, source_url text, enabled boolean,
    is_live boolean, quality text, filename_template text, retention jsonb,
    chat_archive boolean, proxy_url text, created_at timestamptz, updated_at timestamptz);

CREATE TYPE api_internal.streamer_ref AS (id bigint, login text, display_name text);

CREATE TYPE api_internal.recording_out AS (
    id bigint, streamer_id bigint, streamer api_internal.streamer_ref, stream_id bigint,
    source_url text, state text, title text, file_path text, bytes bigint, duration_ms bigint,
    season integer, episode integer, error text, started_at timestamptz, ended_at timestamptz,
    created_at timestamptz, updated_at timestamptz);

CREATE TYPE api_internal.asset_out AS (
    id bigint, kind text, path text, bytes bigint, mime_type text, created_at timestamptz);

CREATE TYPE api_internal.job_out AS (
    id uuid, type text, state text, priority smallint, payload jsonb, recording_id bigint,
    depends_on uuid[], attempts integer, max_attempts integer, progress real, last_error text,
    worker_id text, run_after timestamptz, created_at timestamptz, updated_at timestamptz,
    finished_at timestamptz);

-- A URL without the userinfo (user:password@) for non-admins.
CREATE FUNCTION api_internal.mask_url(u text, admin boolean)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN admin OR u IS NULL OR pg_catalog.strpos(u, '@') = 0 THEN u
                ELSE pg_catalog.regexp_replace(u, '^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@', E'\\1***@')
           END
$$;

CREATE FUNCTION api_internal.out_user(u public.users)
RETURNS api_internal.user_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(u.id, u.username, u.role, u.disabled, u.failed_logins, u.locked_until,
               u.last_login_at, u.created_at, u.updated_at)::api_internal.user_out
$$;

CREATE FUNCTION api_internal.out_token(t public.api_tokens)
RETURNS api_internal.token_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(t.id, t.name, t.prefix, t.scopes, t.created_at, t.last_used_at, t.expires_at,
               t.revoked_at)::api_internal.token_out
$$;

CREATE FUNCTION api_internal.out_streamer(s public.streamers, admin boolean)
RETURNS api_internal.streamer_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(s.id, s.platform, s.twitch_id, s.login, s.display_name, s.description,
               s.profile_image_url, s.offline_image_url, api_internal.mask_url(s.source_url, admin),
               s.enabled, s.is_live, s.quality, s.filename_template, s.retention, s.chat_archive,
               api_internal.mask_url(s.proxy_url, admin), s.created_at, s.updated_at)::api_internal.streamer_out
$$;

CREATE FUNCTION api_internal.out_recording(r public.recordings, login text, display_name text,
                                           admin boolean)
RETURNS api_internal.recording_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(r.id, r.streamer_id,
               CASE WHEN r.streamer_id IS NOT NULL
                    THEN ROW(r.streamer_id, login, display_name)::api_internal.streamer_ref END,
               r.stream_id, api_internal.mask_url(r.source_url, admin), r.state, r.title, r.file_path,
               r.bytes, r.duration_ms, r.season, r.episode, r.error, r.started_at, r.ended_at,
               r.created_at, r.updated_at)::api_internal.recording_out
$$;

CREATE FUNCTION api_internal.out_job(j public.jobs)
RETURNS api_internal.job_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(j.id, j.type, j.state, j.priority, j.payload, j.recording_id, j.depends_on,
               j.attempts, j.max_attempts, j.progress, j.last_error, j.worker_id, j.run_after,
               j.created_at, j.updated_at, j.finished_at)::api_internal.job_out
$$;

-- Authorization ------------------------------------------------------------------

-- Checks the caller's session or token and the role the route needs; returns
-- p with "user": {"id", "username", "role"}. Index lookups only; writes the
-- session's last_seen_at / the token's last_used_at at most once a minute.
CREATE FUNCTION api.authorize(p jsonb, role text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    a        jsonb := p -> 'auth';
    kind     text := a ->> 'kind';
    hex      text := a ->> 'token_hash';
    method   text := upper(coalesce(a ->> 'method', ''));
    safe     boolean := method IN ('GET', 'HEAD');
    need     text := role;
    h        bytea;
    uid      bigint;
    uname    text;
    urole    text;
    csrf     text;
    seen     timestamptz;
    tid      bigint;
    scopes   text[];
BEGIN
    IF need IS NULL OR need NOT IN ('viewer', 'admin') THEN
        RAISE EXCEPTION 'api.authorize: unknown role "%"', need;   -- a route table bug: 500
    END IF;
    IF kind IS NULL OR kind NOT IN ('session', 'token') THEN
        PERFORM api_internal.fail(401, 'unauthorized', 'authentication required');
    END IF;
    IF hex IS NULL OR jsonb_typeof(a -> 'token_hash') <> 'string' OR hex !~ '^[0-9a-f]{64}$' THEN
        PERFORM api_internal.fail(401, 'unauthorized', 'invalid or expired credentials');
    END IF;
    h := decode(hex, 'hex');

    IF kind = 'session' THEN
        SELECT u.id, u.username, u.role, s.csrf_token, s.last_seen_at
          INTO uid, uname, urole, csrf, seen
          FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = h AND s.expires_at > now() AND NOT u.disabled;
        IF NOT FOUND THEN
            PERFORM api_internal.fail(401, 'unauthorized', 'invalid or expired session');
        END IF;
        IF NOT safe AND (jsonb_typeof(a -> 'csrf') IS DISTINCT FROM 'string'
                         OR (a ->> 'csrf') <> csrf) THEN
            PERFORM api_internal.fail(403, 'csrf', 'missing or wrong CSRF token');
        END IF;
        IF seen < now() - interval '1 minute' THEN
            UPDATE sessions SET last_seen_at = now(), expires_at = now() + interval '14 days'
             WHERE token_hash = h;
        END IF;
    ELSE
        SELECT u.id, u.username, u.role, t.id, t.scopes, t.last_used_at
          INTO uid, uname, urole, tid, scopes, seen
          FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = h AND t.revoked_at IS NULL
           AND (t.expires_at IS NULL OR t.expires_at > now()) AND NOT u.disabled;
        IF NOT FOUND THEN
            PERFORM api_internal.fail(401, 'unauthorized', 'invalid, expired or revoked token');
        END IF;
        IF NOT ('write' = ANY (scopes) OR (safe AND 'read' = ANY (scopes))) THEN
            PERFORM api_internal.fail(403, 'forbidden',
                                      CASE WHEN safe THEN 'the token lacks the read scope'
                                           ELSE 'the token lacks the write scope' END);
        END IF;
        IF seen IS NULL OR seen < now() - interval '1 minute' THEN
            UPDATE api_tokens SET last_used_at = now() WHERE id = tid;
        END IF;
    END IF;

    IF need = 'admin' AND urole <> 'admin' THEN
        PERFORM api_internal.fail(403, 'forbidden', 'this needs the admin role');
    END IF;
    RETURN p || jsonb_build_object('user', jsonb_build_object('id', uid, 'username', uname, 'role', urole));
END
$$;

-- Login ----------------------------------------------------------------------------

-- A yescrypt hash (libxcrypt's default cost, like the real ones) of a random
-- password nobody knows: what login_begin answers for unknown or disabled users.
CREATE FUNCTION api_internal.dummy_password_hash()
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT '$y$j9T$4wjtyUUpsWEAYuU.mpVTq1$F/aOYOV/2pB12./BRW3wO9tWE1.VYtU7j.MBSA0jsG6'::text
$$;

-- The lock after the n-th failure in a row: none below 5, then 5 minutes,
-- doubling with each further failure, at most an hour.
CREATE FUNCTION api_internal.lock_interval(n integer)
RETURNS interval
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT CASE WHEN n < 5 THEN NULL
                ELSE least(interval '5 minutes' * power(2, least(n - 5, 10)), interval '1 hour') END
$$;

CREATE FUNCTION api_internal.retry_after(t timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_build_object('retry_after',
                              greatest(1, ceil(extract(epoch FROM t - now())))::bigint)
$$;

-- body {"username", "password"?} -> {"user_id": N | null, "password_hash"}.
-- The attempt is counted here, before the module checks the password
-- (failed_logins + 1, and the lock when that makes 5 or more): login_finish
-- resets the count on success, and a failure then needs no write, so its
-- error (which rolls the statement back) loses nothing. An attempt whose
-- finish never comes counts as failed. Unknown and disabled users get the
-- dummy hash; a locked user gets 429 locked with retry_after.
CREATE FUNCTION api.login_begin(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    b     jsonb := api_internal.body(p, '{username,password}', '{username}');
    name  text := api_internal.as_text(b -> 'username', 'username', 1, 256);
    uid   bigint;
    hash  text;
    lock_end timestamptz;
BEGIN
    IF b ? 'password' AND jsonb_typeof(b -> 'password') <> 'string' THEN
        PERFORM api_internal.invalid('password', 'password must be a string');
    END IF;
    UPDATE users u
       SET failed_logins = u.failed_logins + 1,
           locked_until = coalesce(now() + api_internal.lock_interval(u.failed_logins + 1), u.locked_until)
     WHERE lower(u.username) = lower(name) AND NOT u.disabled
       AND (u.locked_until IS NULL OR u.locked_until <= now())
    RETURNING u.id, u.password_hash INTO uid, hash;
    IF FOUND THEN
        RETURN jsonb_build_object('user_id', uid, 'password_hash', hash);
    END IF;
    SELECT u.locked_until INTO lock_end
      FROM users u
     WHERE lower(u.username) = lower(name) AND NOT u.disabled AND u.locked_until > now();
    IF FOUND THEN
        PERFORM api_internal.fail(429, 'locked', 'too many failed logins; try again later',
                                  api_internal.retry_after(lock_end));
    END IF;
    RETURN jsonb_build_object('user_id', NULL, 'password_hash', api_internal.dummy_password_hash());
END
$$;

-- body {"user_id": N | null, "ok": bool, "token_hash", "csrf_token",
-- "user_agent"?} made by the module after crypt_r; p.auth.ip. A failure
-- answers 401 invalid_credentials, or 429 locked (retry_after) when the
-- attempt locked the user. Success resets the count and creates the session
-- (14 days, renewed by use): {"user", "csrf_token", "expires_at"}.
CREATE FUNCTION api.login_finish(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    b      jsonb := api_internal.body(p, '{user_id,ok,token_hash,csrf_token,user_agent}', '{user_id,ok}');
    uid    bigint := api_internal.as_int(b -> 'user_id', 'user_id', 1, 9223372036854775807, true);
    ok     boolean := api_internal.as_bool(b -> 'ok', 'ok');
    hex    text;
    csrf   text;
    ua     text;
    ip     inet;
    u      users;
    expires timestamptz := now() + interval '14 days';
BEGIN
    IF NOT ok OR uid IS NULL THEN
        SELECT * INTO u FROM users WHERE id = uid;
        IF FOUND AND u.failed_logins >= 5 AND u.locked_until > now() THEN
            PERFORM api_internal.fail(429, 'locked', 'too many failed logins; try again later',
                                      api_internal.retry_after(u.locked_until));
        END IF;
        PERFORM api_internal.fail(401, 'invalid_credentials', 'wrong username or password');
    END IF;

    IF NOT b ? 'token_hash' THEN
        PERFORM api_internal.invalid('token_hash', 'missing field "token_hash"');
    END IF;
    IF NOT b ? 'csrf_token' THEN
        PERFORM api_internal.invalid('csrf_token', 'missing field "csrf_token"');
    END IF;
    hex := api_internal.as_text(b -> 'token_hash', 'token_hash', 64, 64, '^[0-9a-f]{64}$');
    csrf := api_internal.as_text(b -> 'csrf_token', 'csrf_token', 16, 128, '^[A-Za-z0-9_-]+$');
    IF jsonb_typeof(b -> 'user_agent') = 'string' THEN
        -- informational: kept short and printable, never refused
        ua := left(regexp_replace(b ->> 'user_agent', E'[\\u0001-\\u001f\\u007f-\\u009f]', '', 'g'), 512);
    END IF;
    IF jsonb_typeof(p -> 'auth' -> 'ip') = 'string'
       AND length(p -> 'auth' ->> 'ip') <= 64 AND (p -> 'auth' ->> 'ip') ~ '^[0-9A-Fa-f.:]+$' THEN
        BEGIN
            ip := (p -> 'auth' ->> 'ip')::inet;
        EXCEPTION WHEN data_exception THEN
            ip := NULL;
        END;
    END IF;

    UPDATE users
       SET failed_logins = 0, locked_until = NULL, last_login_at = now()
     WHERE id = uid AND NOT disabled
    RETURNING * INTO u;
    IF NOT FOUND THEN
        PERFORM api_internal.fail(401, 'invalid_credentials', 'wrong username or password');
    END IF;
    DELETE FROM sessions WHERE user_id = uid AND expires_at <= now();
    INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, client_ip, user_agent)
    VALUES (decode(hex, 'hex'), uid, csrf, expires, ip, ua);
    RETURN jsonb_build_object(
        'user', jsonb_build_object('id', u.id, 'username', u.username, 'role', u.role),
        'csrf_token', csrf, 'expires_at', expires);
END
$$;

-- Ends the current browser session -> {"ok": true}. Bearer tokens are revoked
-- with tokens_revoke instead (400 here).
CREATE FUNCTION api.auth_logout(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    uid bigint := api_internal.me(p);
BEGIN
    PERFORM api_internal.body(p, '{}');
    IF p -> 'auth' ->> 'kind' IS DISTINCT FROM 'session' THEN
        PERFORM api_internal.bad_request('logout ends a browser session; revoke an API token instead');
    END IF;
    DELETE FROM sessions
     WHERE token_hash = decode(p -> 'auth' ->> 'token_hash', 'hex') AND user_id = uid;
    RETURN '{"ok": true}';
END
$$;

-- -> {"user": {"id", "username", "role"}, "kind": "session"|"token",
--     "csrf_token" and "expires_at" (sessions only)}
CREATE FUNCTION api.auth_me(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid  bigint := api_internal.me(p);
    kind text := p -> 'auth' ->> 'kind';
    r    jsonb := jsonb_build_object('user', p -> 'user', 'kind', kind);
    s    sessions;
BEGIN
    IF kind = 'session' THEN
        SELECT * INTO s FROM sessions
         WHERE token_hash = decode(p -> 'auth' ->> 'token_hash', 'hex') AND user_id = uid;
        r := r || jsonb_build_object('csrf_token', s.csrf_token, 'expires_at', s.expires_at);
    END IF;
    RETURN r;
END
$$;

-- Password change, step 1 -> {"password_hash": the current hash}, for the
-- module to check the current password. The body may carry the client's
-- {"current_password", "new_password"}; they are ignored (better: the module
-- strips them).
CREATE FUNCTION api.auth_password_begin(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid  bigint := api_internal.me(p);
    hash text;
BEGIN
    PERFORM api_internal.body(p, '{current_password,new_password}');
    SELECT password_hash INTO hash FROM users WHERE id = uid;
    IF NOT FOUND THEN
        PERFORM api_internal.fail(401, 'unauthorized', 'authentication required');
    END IF;
    RETURN jsonb_build_object('password_hash', hash);
END
$$;

-- Step 2, body {"ok": bool, "new_password_hash"} made by the module: 403
-- invalid_credentials when the current password was wrong (403, so the UI does
-- not take it for a logout); else sets the hash, ends the user's other
-- sessions -> {"ok": true}.
CREATE FUNCTION api.auth_password_finish(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    uid  bigint := api_internal.me(p);
    b    jsonb := api_internal.body(p, '{ok,new_password_hash}', '{ok}');
    ok   boolean := api_internal.as_bool(b -> 'ok', 'ok');
    hash text;
    cur  bytea;
BEGIN
    IF NOT ok THEN
        PERFORM api_internal.fail(403, 'invalid_credentials', 'the current password is wrong');
    END IF;
    IF NOT b ? 'new_password_hash' THEN
        PERFORM api_internal.invalid('new_password_hash', 'missing field "new_password_hash"');
    END IF;
    hash := api_internal.as_password_hash(b -> 'new_password_hash', 'new_password_hash');
    UPDATE users SET password_hash = hash, failed_logins = 0, locked_until = NULL WHERE id = uid;
    IF p -> 'auth' ->> 'kind' = 'session' THEN
        cur := decode(p -> 'auth' ->> 'token_hash', 'hex');
    END IF;
    DELETE FROM sessions WHERE user_id = uid AND token_hash IS DISTINCT FROM cur;
    RETURN '{"ok": true}';
END
$$;

-- Users (admin) -------------------------------------------------------------------

-- Query limit, offset -> page of users (no password hashes), by username.
CREATE FUNCTION api.users_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_   bigint := api_internal.require_admin(p);
    pg    record := api_internal.page(p);
    items api_internal.user_out[];
    n     integer;
    total bigint;
BEGIN
    items := ARRAY(SELECT api_internal.out_user(u)
                     FROM (SELECT * FROM users u ORDER BY lower(u.username), u.id
                            LIMIT pg.lim OFFSET pg.off) u);
    n := cardinality(items);
    IF n < pg.lim AND (n > 0 OR pg.off = 0) THEN
        total := pg.off + n;
    ELSE
        SELECT count(*) INTO total FROM users;
    END IF;
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

CREATE FUNCTION api.users_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
    r   jsonb;
BEGIN
    SELECT to_jsonb(api_internal.out_user(u)) INTO r FROM users u WHERE u.id = id_;
    IF r IS NULL THEN
        PERFORM api_internal.not_found('user ' || id_);
    END IF;
    RETURN r;
END
$$;

-- body {"username", "password_hash", "role"?: "viewer"|"admin" (viewer),
-- "disabled"?: bool} -> the user; 409 when the name is taken.
CREATE FUNCTION api.users_create(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_   bigint := api_internal.require_admin(p);
    b     jsonb := api_internal.body(p, '{username,password_hash,role,disabled}', '{username}');
    name  text := api_internal.as_text(b -> 'username', 'username', 1, 64, '^[A-Za-z0-9._-]+$');
    hash  text;
    role_ text := 'viewer';
    dis   boolean := false;
    u     users;
BEGIN
    -- the client sends "password"; the module turns it into "password_hash"
    IF NOT b ? 'password_hash' THEN
        PERFORM api_internal.invalid('password', 'missing field "password"');
    END IF;
    hash := api_internal.as_password_hash(b -> 'password_hash', 'password_hash');
    IF b ? 'role' THEN
        role_ := api_internal.as_text(b -> 'role', 'role', 1, 16, '^(admin|viewer)$');
    END IF;
    IF b ? 'disabled' THEN
        dis := api_internal.as_bool(b -> 'disabled', 'disabled');
    END IF;
    IF EXISTS (SELECT 1 FROM users x WHERE lower(x.username) = lower(name)) THEN
        PERFORM api_internal.conflict('a user with this name exists');
    END IF;
    INSERT INTO users (username, password_hash, role, disabled)
    VALUES (name, hash, role_, dis)
    RETURNING * INTO u;
    RETURN to_jsonb(api_internal.out_user(u));
END
$$;

-- body {"role"?, "disabled"?, "password_hash"?} -> the user. 409 when the
-- change would leave no enabled admin. A new password hash clears the lock
-- and ends the user's sessions (but the caller's own current one); disabling
-- ends them too.
CREATE FUNCTION api.users_update(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_   bigint := api_internal.require_admin(p);
    id_   bigint := api_internal.param_id(p);
    b     jsonb := api_internal.body(p, '{role,disabled,password_hash}');
    u     users;
    role_ text;
    dis   boolean;
    hash  text;
    cur   bytea;
    admins bigint;
BEGIN
    IF b ? 'role' THEN
        role_ := api_internal.as_text(b -> 'role', 'role', 1, 16, '^(admin|viewer)$');
    END IF;
    IF b ? 'disabled' THEN
        dis := api_internal.as_bool(b -> 'disabled', 'disabled');
    END IF;
    IF b ? 'password_hash' THEN
        hash := api_internal.as_password_hash(b -> 'password_hash', 'password_hash');
    END IF;

    -- Serialise changes to the set of enabled admins: lock them all.
    SELECT count(*) INTO admins
      FROM (SELECT 1 FROM users x WHERE x.role = 'admin' AND NOT x.disabled FOR UPDATE) l;
    SELECT * INTO u FROM users x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('user ' || id_);
    END IF;
    IF u.role = 'admin' AND NOT u.disabled
       AND (coalesce(role_, u.role) <> 'admin' OR coalesce(dis, u.disabled)) AND admins <= 1 THEN
        PERFORM api_internal.conflict('this is the last enabled admin');
    END IF;

    UPDATE users x
       SET role = coalesce(role_, x.role),
           disabled = coalesce(dis, x.disabled),
           password_hash = coalesce(hash, x.password_hash),
           failed_logins = CASE WHEN hash IS NULL THEN x.failed_logins ELSE 0 END,
           locked_until = CASE WHEN hash IS NULL THEN x.locked_until END
     WHERE x.id = id_
    RETURNING * INTO u;
    IF hash IS NOT NULL OR dis THEN
        IF id_ = me_ AND p -> 'auth' ->> 'kind' = 'session' THEN
            cur := decode(p -> 'auth' ->> 'token_hash', 'hex');
        END IF;
        DELETE FROM sessions s WHERE s.user_id = id_ AND s.token_hash IS DISTINCT FROM cur;
    END IF;
    RETURN to_jsonb(api_internal.out_user(u));
END
$$;

-- -> {"ok": true}; 409 for oneself and for the last enabled admin. Sessions
-- and tokens go with the user.
CREATE FUNCTION api.users_delete(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_    bigint := api_internal.require_admin(p);
    id_    bigint := api_internal.param_id(p);
    u      users;
    admins bigint;
BEGIN
    PERFORM api_internal.body(p, '{}');
    SELECT count(*) INTO admins
      FROM (SELECT 1 FROM users x WHERE x.role = 'admin' AND NOT x.disabled FOR UPDATE) l;
    SELECT * INTO u FROM users x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('user ' || id_);
    END IF;
    IF id_ = me_ THEN
        PERFORM api_internal.conflict('you cannot delete yourself');
    END IF;
    IF u.role = 'admin' AND NOT u.disabled AND admins <= 1 THEN
        PERFORM api_internal.conflict('this is the last enabled admin');
    END IF;
    DELETE FROM users x WHERE x.id = id_;
    RETURN '{"ok": true}';
END
$$;

-- API tokens ---------------------------------------------------------------------

-- The caller's own tokens, newest first (never the hash).
CREATE FUNCTION api.tokens_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    pg    record := api_internal.page(p);
    items api_internal.token_out[];
    n     integer;
    total bigint;
BEGIN
    items := ARRAY(SELECT api_internal.out_token(t)
                     FROM (SELECT * FROM api_tokens t WHERE t.user_id = uid
                            ORDER BY t.created_at DESC, t.id DESC LIMIT pg.lim OFFSET pg.off) t);
    n := cardinality(items);
    IF n < pg.lim AND (n > 0 OR pg.off = 0) THEN
        total := pg.off + n;
    ELSE
        SELECT count(*) INTO total FROM api_tokens t WHERE t.user_id = uid;
    END IF;
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

-- body {"name", "scopes": ["read"|"write", ...], "expires_in_days"?: 1..3650,
-- "token_prefix", "token_hash", "token"} (the last three made by the module:
-- token = "sv_<prefix>_<secret>", token_hash = its SHA-256 in hex) -> the
-- token with "token" in clear, this once; it is not stored.
CREATE FUNCTION api.tokens_create(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    uid    bigint := api_internal.me(p);
    b      jsonb := api_internal.body(p, '{name,scopes,expires_in_days,token_prefix,token_hash,token}',
                                      '{name,scopes,token_prefix,token_hash,token}');
    name_  text := api_internal.as_text(b -> 'name', 'name', 1, 100);
    days   bigint := api_internal.as_int(b -> 'expires_in_days', 'expires_in_days', 1, 3650, true);
    pfx    text := api_internal.as_text(b -> 'token_prefix', 'token_prefix', 8, 16, '^[A-Za-z0-9]+$');
    hex    text := api_internal.as_text(b -> 'token_hash', 'token_hash', 64, 64, '^[0-9a-f]+$');
    token  text := api_internal.as_text(b -> 'token', 'token', 1, 256, '^[!-~]+$');
    sc     jsonb := b -> 'scopes';
    scope_arr text[];
    t      api_tokens;
BEGIN
    IF jsonb_typeof(sc) IS DISTINCT FROM 'array' OR jsonb_array_length(sc) NOT BETWEEN 1 AND 10
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(sc) e
                   WHERE jsonb_typeof(e) <> 'string' OR e #>> '{}' NOT IN ('read', 'write')) THEN
        PERFORM api_internal.invalid('scopes', 'scopes must be a non-empty array of "read" and "write"');
    END IF;
    SELECT array_agg(DISTINCT e ORDER BY e) INTO scope_arr FROM jsonb_array_elements_text(sc) e;
    IF left(token, length(pfx) + 4) <> ('sv_' || pfx || '_') THEN
        PERFORM api_internal.invalid('token', 'token must be sv_<token_prefix>_<secret>');
    END IF;
    IF sha256(convert_to(token, 'UTF8')) <> decode(hex, 'hex') THEN
        PERFORM api_internal.invalid('token_hash', 'token_hash must be the SHA-256 of token');
    END IF;
    IF (SELECT count(*) FROM api_tokens x WHERE x.user_id = uid AND x.revoked_at IS NULL) >= 100 THEN
        PERFORM api_internal.conflict('too many tokens; revoke some first');
    END IF;
    IF EXISTS (SELECT 1 FROM api_tokens x WHERE x.prefix = pfx OR x.token_hash = decode(hex, 'hex')) THEN
        PERFORM api_internal.conflict('token prefix already in use');
    END IF;
    INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, expires_at)
    VALUES (uid, name_, pfx, decode(hex, 'hex'), scope_arr,
            CASE WHEN days IS NOT NULL THEN now() + make_interval(days => days::integer) END)
    RETURNING * INTO t;
    RETURN to_jsonb(api_internal.out_token(t)) || jsonb_build_object('token', token);
END
$$;

-- Revokes the caller's token (any token for an admin) -> the token. 404 for
-- someone else's token, so their ids do not leak. Revoking twice keeps the
-- first time.
CREATE FUNCTION api.tokens_revoke(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    id_   bigint := api_internal.param_id(p);
    admin boolean := api_internal.is_admin(p);
    t     api_tokens;
BEGIN
    PERFORM api_internal.body(p, '{}');
    UPDATE api_tokens x SET revoked_at = coalesce(x.revoked_at, now())
     WHERE x.id = id_ AND (x.user_id = uid OR admin)
    RETURNING * INTO t;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('token ' || id_);
    END IF;
    RETURN to_jsonb(api_internal.out_token(t));
END
$$;

-- Streamers ------------------------------------------------------------------------

-- Query enabled, live (true|false), platform (twitch|url), q (substring of
-- login or display_name), limit, offset -> page sorted by login.
CREATE FUNCTION api.streamers_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid      bigint := api_internal.me(p);
    admin    boolean := api_internal.is_admin(p);
    pg       record := api_internal.page(p);
    enabled_ boolean := api_internal.query_bool(p, 'enabled');
    live     boolean := api_internal.query_bool(p, 'live');
    platf    text := api_internal.query_enum(p, 'platform', '{twitch,url}');
    q        text := api_internal.query_text(p, 'q', 200);
    pat      text := CASE WHEN q IS NOT NULL THEN api_internal.like_pattern(q) END;
    items    api_internal.streamer_out[];
    n        integer;
    total    bigint;
BEGIN
    -- one index scan in list order; the count only when the page is full
    items := ARRAY(SELECT api_internal.out_streamer(s, admin)
      FROM (SELECT * FROM streamers s
             WHERE (enabled_ IS NULL OR s.enabled = enabled_)
               AND (live IS NULL OR s.is_live = live)
               AND (platf IS NULL OR s.platform = platf)
               AND (pat IS NULL OR s.login ILIKE pat OR s.display_name ILIKE pat)
             ORDER BY lower(s.login), s.id
             LIMIT pg.lim OFFSET pg.off) s);
    n := cardinality(items);
    IF n < pg.lim AND (n > 0 OR pg.off = 0) THEN
        total := pg.off + n;
    ELSE
        SELECT count(*) INTO total FROM streamers s
         WHERE (enabled_ IS NULL OR s.enabled = enabled_)
           AND (live IS NULL OR s.is_live = live)
           AND (platf IS NULL OR s.platform = platf)
           AND (pat IS NULL OR s.login ILIKE pat OR s.display_name ILIKE pat);
    END IF;
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

CREATE FUNCTION api.streamers_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    admin boolean := api_internal.is_admin(p);
    id_   bigint := api_internal.param_id(p);
    r     jsonb;
BEGIN
    SELECT to_jsonb(api_internal.out_streamer(s, admin)) INTO r FROM streamers s WHERE s.id = id_;
    IF r IS NULL THEN
        PERFORM api_internal.not_found('streamer ' || id_);
    END IF;
    RETURN r;
END
$$;

-- The per-streamer settings shared by create and update, validated; returns
-- only the keys present in b, with normalised values.
CREATE FUNCTION api_internal.streamer_settings(b jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    r   jsonb := '{}';
    ret jsonb;
    k   text;
    v   jsonb;
BEGIN
    IF b ? 'display_name' THEN
        r := r || jsonb_build_object('display_name',
                                     api_internal.as_text(b -> 'display_name', 'display_name', 0, 200));
    END IF;
    IF b ? 'description' THEN
        r := r || jsonb_build_object('description',
                                     api_internal.as_text(b -> 'description', 'description', 0, 2000,
                                                          NULL, false, true));
    END IF;
    IF b ? 'enabled' THEN
        r := r || jsonb_build_object('enabled', api_internal.as_bool(b -> 'enabled', 'enabled'));
    END IF;
    IF b ? 'chat_archive' THEN
        r := r || jsonb_build_object('chat_archive', api_internal.as_bool(b -> 'chat_archive', 'chat_archive'));
    END IF;
    IF b ? 'quality' THEN
        r := r || jsonb_build_object('quality',
                                     api_internal.as_text(b -> 'quality', 'quality', 1, 32,
                                                          '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$'));
    END IF;
    IF b ? 'filename_template' THEN
        r := r || jsonb_build_object('filename_template',
                                     api_internal.as_template(b -> 'filename_template', 'filename_template'));
    END IF;
    IF b ? 'proxy_url' THEN
        r := r || jsonb_build_object('proxy_url',
                                     api_internal.as_url(b -> 'proxy_url', 'proxy_url',
                                                         '{http,https,socks5,socks5h}', true));
    END IF;
    IF b ? 'profile_image_url' THEN
        r := r || jsonb_build_object('profile_image_url',
                                     api_internal.as_url(b -> 'profile_image_url', 'profile_image_url',
                                                         '{http,https}', true));
    END IF;
    IF b ? 'offline_image_url' THEN
        r := r || jsonb_build_object('offline_image_url',
                                     api_internal.as_url(b -> 'offline_image_url', 'offline_image_url',
                                                         '{http,https}', true));
    END IF;
    IF b ? 'retention' THEN
        -- {"max_age_days"?, "max_bytes"?, "max_count"?}: null or {} = the global policy
        ret := b -> 'retention';
        IF jsonb_typeof(ret) = 'null' THEN
            ret := '{}';
        ELSIF jsonb_typeof(ret) <> 'object' THEN
            PERFORM api_internal.invalid('retention', 'retention must be an object');
        END IF;
        FOR k, v IN SELECT e.key, e.value FROM jsonb_each(ret) e LOOP
            IF k = 'max_age_days' THEN
                v := to_jsonb(api_internal.as_int(v, 'retention.max_age_days', 0, 36500, true));
            ELSIF k = 'max_bytes' THEN
                v := to_jsonb(api_internal.as_int(v, 'retention.max_bytes', 0, 9223372036854775807, true));
            ELSIF k = 'max_count' THEN
                v := to_jsonb(api_internal.as_int(v, 'retention.max_count', 0, 1000000000, true));
            ELSE
                PERFORM api_internal.invalid('retention.' || k,
                                             'unknown field "retention.' || api_internal.field_name(k) || '"');
            END IF;
            IF v IS NULL THEN
                ret := ret - k;
            ELSE
                ret := jsonb_set(ret, ARRAY[k], v);
            END IF;
        END LOOP;
        r := r || jsonb_build_object('retention', ret);
    END IF;
    RETURN r;
END
$$;

CREATE FUNCTION api_internal.streamer_notify(id bigint, op text)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    SELECT pg_notify('streamvault_streamers', jsonb_build_object('id', id, 'op', op)::text)
$$;

-- Admin. body: twitch {"platform"?: "twitch", "login" ([A-Za-z0-9_]{1,25},
-- stored lower case), "twitch_id" (digits)} or url {"platform": "url",
-- "login" (a name, [A-Za-z0-9_.-]{1,64}), "source_url" (http(s), rtmp(s),
-- rtsp(s), srt, icecast)}; optional for both: display_name, description,
-- profile_image_url, offline_image_url, enabled, quality, filename_template,
-- retention, chat_archive, proxy_url -> the streamer. 409 when it exists.
CREATE FUNCTION api.streamers_create(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_   bigint := api_internal.require_admin(p);
    b     jsonb := api_internal.body(p,
                     '{platform,login,twitch_id,source_url,display_name,description,profile_image_url,'
                     'offline_image_url,enabled,quality,filename_template,retention,chat_archive,proxy_url}',
                     '{login}');
    platf text := 'twitch';
    login_ text;
    tid   text;
    src   text;
    st    jsonb;
    s     streamers;
BEGIN
    IF b ? 'platform' THEN
        platf := api_internal.as_text(b -> 'platform', 'platform', 1, 16, '^(twitch|url)$');
    END IF;
    IF platf = 'twitch' THEN
        login_ := lower(api_internal.as_text(b -> 'login', 'login', 1, 25, '^[A-Za-z0-9_]+$'));
        IF NOT b ? 'twitch_id' THEN
            PERFORM api_internal.invalid('twitch_id', 'missing field "twitch_id"');
        END IF;
        tid := api_internal.as_text(b -> 'twitch_id', 'twitch_id', 1, 20, '^[0-9]+$');
        IF b ? 'source_url' THEN
            PERFORM api_internal.invalid('source_url', 'a twitch streamer has no source_url');
        END IF;
    ELSE
        login_ := api_internal.as_text(b -> 'login', 'login', 1, 64, '^[A-Za-z0-9_.-]+$');
        IF NOT b ? 'source_url' THEN
            PERFORM api_internal.invalid('source_url', 'missing field "source_url"');
        END IF;
        src := api_internal.as_url(b -> 'source_url', 'source_url',
                                   '{http,https,rtmp,rtmps,rtsp,rtsps,srt,icecast}');
        IF b ? 'twitch_id' THEN
            PERFORM api_internal.invalid('twitch_id', 'a url streamer has no twitch_id');
        END IF;
    END IF;
    st := api_internal.streamer_settings(b);

    IF EXISTS (SELECT 1 FROM streamers x WHERE x.platform = platf AND lower(x.login) = lower(login_)) THEN
        PERFORM api_internal.conflict('a streamer with this login exists');
    END IF;
    IF tid IS NOT NULL AND EXISTS (SELECT 1 FROM streamers x WHERE x.twitch_id = tid) THEN
        PERFORM api_internal.conflict('a streamer with this twitch_id exists');
    END IF;
    INSERT INTO streamers (platform, login, twitch_id, source_url, display_name, description,
                           profile_image_url, offline_image_url, enabled, quality, filename_template,
                           retention, chat_archive, proxy_url)
    VALUES (platf, login_, tid, src,
            coalesce(st ->> 'display_name', ''), coalesce(st ->> 'description', ''),
            st ->> 'profile_image_url', st ->> 'offline_image_url',
            coalesce((st -> 'enabled')::boolean, true), coalesce(st ->> 'quality', 'best'),
            st ->> 'filename_template', coalesce(st -> 'retention', '{}'),
            coalesce((st -> 'chat_archive')::boolean, false), st ->> 'proxy_url')
    RETURNING * INTO s;
    PERFORM api_internal.streamer_notify(s.id, 'create');
    RETURN to_jsonb(api_internal.out_streamer(s, true));
END
$$;

-- Admin. body: any of display_name, description, profile_image_url,
-- offline_image_url, enabled, quality, filename_template (null = the global
-- template), retention (replaces the object; {} or null = the global policy),
-- chat_archive, proxy_url (http/https/socks5/socks5h or null), source_url
-- (url streamers only) -> the streamer.
CREATE FUNCTION api.streamers_update(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
    b   jsonb := api_internal.body(p,
                  '{display_name,description,profile_image_url,offline_image_url,enabled,quality,'
                  'filename_template,retention,chat_archive,proxy_url,source_url}');
    st  jsonb;
    src text;
    s   streamers;
BEGIN
    st := api_internal.streamer_settings(b);
    IF b ? 'source_url' THEN
        src := api_internal.as_url(b -> 'source_url', 'source_url',
                                   '{http,https,rtmp,rtmps,rtsp,rtsps,srt,icecast}');
    END IF;
    SELECT * INTO s FROM streamers x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('streamer ' || id_);
    END IF;
    IF src IS NOT NULL AND s.platform <> 'url' THEN
        PERFORM api_internal.invalid('source_url', 'a twitch streamer has no source_url');
    END IF;
    UPDATE streamers x SET
        display_name      = CASE WHEN st ? 'display_name' THEN st ->> 'display_name' ELSE x.display_name END,
        description       = CASE WHEN st ? 'description' THEN st ->> 'description' ELSE x.description END,
        profile_image_url = CASE WHEN st ? 'profile_image_url' THEN st ->> 'profile_image_url'
                                 ELSE x.profile_image_url END,
        offline_image_url = CASE WHEN st ? 'offline_image_url' THEN st ->> 'offline_image_url'
                                 ELSE x.offline_image_url END,
        enabled           = CASE WHEN st ? 'enabled' THEN (st -> 'enabled')::boolean ELSE x.enabled END,
        quality           = CASE WHEN st ? 'quality' THEN st ->> 'quality' ELSE x.quality END,
        filename_template = CASE WHEN st ? 'filename_template' THEN st ->> 'filename_template'
                                 ELSE x.filename_template END,
        retention         = CASE WHEN st ? 'retention' THEN st -> 'retention' ELSE x.retention END,
        chat_archive      = CASE WHEN st ? 'chat_archive' THEN (st -> 'chat_archive')::boolean
                                 ELSE x.chat_archive END,
        proxy_url         = CASE WHEN st ? 'proxy_url' THEN st ->> 'proxy_url' ELSE x.proxy_url END,
        source_url        = coalesce(src, x.source_url)
     WHERE x.id = id_
    RETURNING * INTO s;
    PERFORM api_internal.streamer_notify(s.id, 'update');
    RETURN to_jsonb(api_internal.out_streamer(s, true));
END
$$;

-- Admin -> {"ok": true}; 409 while one of its recordings is recording (its
-- recordings stay, without streamer).
CREATE FUNCTION api.streamers_delete(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
BEGIN
    PERFORM api_internal.body(p, '{}');
    PERFORM 1 FROM streamers x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('streamer ' || id_);
    END IF;
    IF EXISTS (SELECT 1 FROM recordings r WHERE r.streamer_id = id_ AND r.state IN ('recording', 'finalizing')) THEN
        PERFORM api_internal.conflict('the streamer is being recorded; disable it and wait for the recording to end');
    END IF;
    DELETE FROM streamers x WHERE x.id = id_;
    PERFORM api_internal.streamer_notify(id_, 'delete');
    RETURN '{"ok": true}';
END
$$;

-- Admin. body {"ids": [1..1000 positive integers], "enabled": bool} ->
-- {"updated": number of streamers found}.
CREATE FUNCTION api.streamers_bulk(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    b   jsonb := api_internal.body(p, '{ids,enabled}', '{ids,enabled}');
    en  boolean := api_internal.as_bool(b -> 'enabled', 'enabled');
    ids bigint[];
    n   bigint;
BEGIN
    IF jsonb_typeof(b -> 'ids') <> 'array' OR jsonb_array_length(b -> 'ids') NOT BETWEEN 1 AND 1000 THEN
        PERFORM api_internal.invalid('ids', 'ids must be an array of 1 to 1000 ids');
    END IF;
    SELECT array_agg(api_internal.as_int(e, 'ids', 1, 9223372036854775807)) INTO ids
      FROM jsonb_array_elements(b -> 'ids') e;
    WITH u AS (
        UPDATE streamers x SET enabled = en WHERE x.id = ANY (ids) RETURNING x.id
    )
    SELECT count(*) INTO n FROM u;
    IF n > 0 THEN
        PERFORM pg_notify('streamvault_streamers', jsonb_build_object('op', 'bulk', 'enabled', en)::text);
    END IF;
    RETURN jsonb_build_object('updated', n);
END
$$;

-- Recordings -----------------------------------------------------------------------

-- Query streamer_id, state (deleted ones only when asked for), from, to (on
-- started_at: a date or an ISO 8601 timestamp; to is exclusive), q (title
-- substring), limit, offset -> page, newest first, with the streamer's login
-- and display_name.
CREATE FUNCTION api.recordings_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    admin boolean := api_internal.is_admin(p);
    pg    record := api_internal.page(p);
    sid   bigint := api_internal.query_int(p, 'streamer_id', 1, 999999999999999999);
    st    text := api_internal.query_enum(p, 'state',
                    '{pending,recording,finalizing,processing,ready,failed,deleted}');
    t0    timestamptz := api_internal.query_time(p, 'from');
    t1    timestamptz := api_internal.query_time(p, 'to');
    q     text := api_internal.query_text(p, 'q', 200);
    pat   text := CASE WHEN q IS NOT NULL THEN api_internal.like_pattern(q) END;
    items api_internal.recording_out[];
    n     integer;
    total bigint;
BEGIN
    items := ARRAY(SELECT api_internal.out_recording(x.r, x.login, x.display_name, admin)
      FROM (SELECT r, s.login, s.display_name
              FROM recordings r LEFT JOIN streamers s ON s.id = r.streamer_id
             WHERE (sid IS NULL OR r.streamer_id = sid)
               AND (CASE WHEN st IS NULL THEN r.state <> 'deleted' ELSE r.state = st END)
               AND (t0 IS NULL OR r.started_at >= t0)
               AND (t1 IS NULL OR r.started_at < t1)
               AND (pat IS NULL OR r.title ILIKE pat)
             ORDER BY r.started_at DESC NULLS LAST, r.id DESC
             LIMIT pg.lim OFFSET pg.off) x);
    n := cardinality(items);
    IF n < pg.lim AND (n > 0 OR pg.off = 0) THEN
        total := pg.off + n;
    ELSE
        SELECT count(*) INTO total FROM recordings r
         WHERE (sid IS NULL OR r.streamer_id = sid)
           AND (CASE WHEN st IS NULL THEN r.state <> 'deleted' ELSE r.state = st END)
           AND (t0 IS NULL OR r.started_at >= t0)
           AND (t1 IS NULL OR r.started_at < t1)
           AND (pat IS NULL OR r.title ILIKE pat);
    END IF;
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

CREATE FUNCTION api_internal.recording_by_id(id_ bigint, admin boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    r jsonb;
BEGIN
    SELECT to_jsonb(api_internal.out_recording(x, s.login, s.display_name, admin))
           || jsonb_build_object('media_assets', to_jsonb(ARRAY(
                  SELECT ROW(m.id, m.kind, m.path, m.bytes, m.mime_type, m.created_at)::api_internal.asset_out
                    FROM media_assets m WHERE m.recording_id = x.id ORDER BY m.kind, m.path)))
      INTO r
      FROM recordings x LEFT JOIN streamers s ON s.id = x.streamer_id
     WHERE x.id = id_;
    IF r IS NULL THEN
        PERFORM api_internal.not_found('recording ' || id_);
    END IF;
    RETURN r;
END
$$;

-- -> the recording with "media_assets": [{"id", "kind", "path", "bytes",
-- "mime_type", "created_at"}].
CREATE FUNCTION api.recordings_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM api_internal.me(p);
    RETURN api_internal.recording_by_id(api_internal.param_id(p), api_internal.is_admin(p));
END
$$;

-- Admin: state -> 'deleted' (the worker removes the files, told by
-- pg_notify('streamvault_recordings', {"id", "op": "delete"})) -> the
-- recording. 409 while recording or finalizing.
CREATE FUNCTION api.recordings_delete(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
    st  text;
BEGIN
    PERFORM api_internal.body(p, '{}');
    SELECT x.state INTO st FROM recordings x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('recording ' || id_);
    END IF;
    IF st IN ('recording', 'finalizing') THEN
        PERFORM api_internal.conflict('the recording is still running');
    END IF;
    IF st <> 'deleted' THEN
        UPDATE recordings x SET state = 'deleted' WHERE x.id = id_;
        PERFORM pg_notify('streamvault_recordings', jsonb_build_object('id', id_, 'op', 'delete')::text);
    END IF;
    RETURN api_internal.recording_by_id(id_, true);
END
$$;

-- Jobs -------------------------------------------------------------------------------

-- Query state, type, recording_id, limit, offset -> page, newest first.
CREATE FUNCTION api.jobs_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    pg    record := api_internal.page(p);
    st    text := api_internal.query_enum(p, 'state',
                    '{waiting,queued,running,succeeded,failed,dead,cancelled,rejected}');
    typ   text := api_internal.query_text(p, 'type', 64);
    rid   bigint := api_internal.query_int(p, 'recording_id', 1, 999999999999999999);
    items api_internal.job_out[];
    n     integer;
    total bigint;
BEGIN
    IF typ IS NOT NULL AND typ !~ '^[a-z][a-z0-9_.]*$' THEN
        PERFORM api_internal.bad_request('query parameter type has an invalid format');
    END IF;
    items := ARRAY(SELECT api_internal.out_job(j)
      FROM (SELECT * FROM jobs j
             WHERE (st IS NULL OR j.state = st)
               AND (typ IS NULL OR j.type = typ)
               AND (rid IS NULL OR j.recording_id = rid)
             ORDER BY j.created_at DESC, j.id
             LIMIT pg.lim OFFSET pg.off) j);
    n := cardinality(items);
    IF n < pg.lim AND (n > 0 OR pg.off = 0) THEN
        total := pg.off + n;
    ELSE
        SELECT count(*) INTO total FROM jobs j
         WHERE (st IS NULL OR j.state = st)
           AND (typ IS NULL OR j.type = typ)
           AND (rid IS NULL OR j.recording_id = rid);
    END IF;
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim, 'offset', pg.off);
END
$$;

-- Job counts per state (every state, zeros included).
CREATE FUNCTION api_internal.job_counts()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_object_agg(s.state, coalesce(c.n, 0))
      FROM unnest('{waiting,queued,running,succeeded,failed,dead,cancelled,rejected}'::text[]) s (state)
      LEFT JOIN (SELECT j.state, count(*) AS n FROM jobs j GROUP BY j.state) c ON c.state = s.state
$$;

-- -> {"by_state": {state: n, ... every state}, "by_type": {type: n}, "total": n}
CREATE FUNCTION api.jobs_stats(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid      bigint := api_internal.me(p);
    by_state jsonb := api_internal.job_counts();
BEGIN
    RETURN jsonb_build_object(
        'by_state', by_state,
        'by_type', coalesce((SELECT jsonb_object_agg(t.type, t.n)
                               FROM (SELECT j.type, count(*) AS n FROM jobs j GROUP BY j.type) t), '{}'),
        'total', (SELECT sum(v::bigint) FROM jsonb_each_text(by_state) e (k, v)));
END
$$;

-- Admin: failed, dead or cancelled -> queued (attempts 0, last_error kept);
-- 409 otherwise; pg_notify('streamvault_jobs', id) -> the job.
CREATE FUNCTION api.jobs_retry(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ uuid := api_internal.param_uuid(p);
    j   jobs;
BEGIN
    PERFORM api_internal.body(p, '{}');
    SELECT * INTO j FROM jobs x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('job ' || id_);
    END IF;
    IF j.state NOT IN ('failed', 'dead', 'cancelled') THEN
        PERFORM api_internal.conflict('only failed, dead or cancelled jobs can be retried');
    END IF;
    UPDATE jobs x SET state = 'queued', attempts = 0, progress = 0, worker_id = NULL,
                      run_after = NULL, finished_at = NULL
     WHERE x.id = id_
    RETURNING * INTO j;
    PERFORM pg_notify('streamvault_jobs', id_::text);
    RETURN to_jsonb(api_internal.out_job(j));
END
$$;

-- Admin: waiting, queued or running -> cancelled; 409 for finished jobs;
-- pg_notify('streamvault_jobs', id) -> the job.
CREATE FUNCTION api.jobs_cancel(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ uuid := api_internal.param_uuid(p);
    j   jobs;
BEGIN
    PERFORM api_internal.body(p, '{}');
    SELECT * INTO j FROM jobs x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('job ' || id_);
    END IF;
    IF j.state NOT IN ('waiting', 'queued', 'running') THEN
        PERFORM api_internal.conflict('the job has finished');
    END IF;
    UPDATE jobs x SET state = 'cancelled', finished_at = now()
     WHERE x.id = id_
    RETURNING * INTO j;
    PERFORM pg_notify('streamvault_jobs', id_::text);
    RETURN to_jsonb(api_internal.out_job(j));
END
$$;

-- Settings (admin) ----------------------------------------------------------------

-- Every known setting with its default; the worker may read this too.
CREATE FUNCTION api_internal.setting_defaults()
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT '{
        "twitch.client_id": null,
        "twitch.client_secret": null,
        "public_base_url": null,
        "storage.filename_template": null,
        "retention.max_age_days": null,
        "retention.max_bytes": null,
        "retention.max_count": null,
        "recording.quality": "best",
        "recording.rollover_hours": 24
    }'::jsonb
$$;

-- -> {key: value} for every known setting, defaults filled in;
-- twitch.client_secret is write-only: {"set": bool}.
CREATE FUNCTION api.settings_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    d   jsonb := api_internal.setting_defaults();
    r   jsonb;
BEGIN
    r := d || coalesce((SELECT jsonb_object_agg(s.key, s.value) FROM settings s WHERE d ? s.key), '{}');
    RETURN jsonb_set(r, '{twitch.client_secret}',
                     jsonb_build_object('set', jsonb_typeof(r -> 'twitch.client_secret') <> 'null'));
END
$$;

-- body {key: value, ...} of known keys only, each validated; null resets a
-- key to its default -> the settings as settings_get answers them.
CREATE FUNCTION api.settings_put(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    d   jsonb := api_internal.setting_defaults();
    b   jsonb;
    k   text;
    v   jsonb;
    nv  jsonb;
BEGIN
    b := api_internal.body(p, ARRAY(SELECT jsonb_object_keys(d)));
    FOR k, v IN SELECT e.key, e.value FROM jsonb_each(b) e LOOP
        nv := CASE k
            WHEN 'twitch.client_id' THEN to_jsonb(api_internal.as_text(v, k, 1, 256, '^[!-~]+$', true))
            WHEN 'twitch.client_secret' THEN to_jsonb(api_internal.as_text(v, k, 1, 256, '^[!-~]+$', true))
            WHEN 'public_base_url' THEN to_jsonb(api_internal.as_url(v, k, '{https}', true))
            WHEN 'storage.filename_template' THEN to_jsonb(api_internal.as_template(v, k, true))
            WHEN 'retention.max_age_days' THEN to_jsonb(api_internal.as_int(v, k, 0, 36500, true))
            WHEN 'retention.max_bytes' THEN to_jsonb(api_internal.as_int(v, k, 0, 9223372036854775807, true))
            WHEN 'retention.max_count' THEN to_jsonb(api_internal.as_int(v, k, 0, 1000000000, true))
            WHEN 'recording.quality' THEN to_jsonb(api_internal.as_text(v, k, 1, 32,
                                                   '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$', true))
            WHEN 'recording.rollover_hours' THEN to_jsonb(api_internal.as_int(v, k, 1, 168, true))
        END;
        IF k = 'public_base_url' AND nv IS NOT NULL AND (nv #>> '{}') ~ '[?#]' THEN
            PERFORM api_internal.invalid(k, k || ' must not have a query or a fragment');
        END IF;
        IF nv IS NULL THEN
            DELETE FROM settings s WHERE s.key = k;
        ELSE
            INSERT INTO settings AS s (key, value) VALUES (k, nv)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value;
        END IF;
    END LOOP;
    IF b <> '{}' THEN
        PERFORM pg_notify('streamvault_settings', array_to_json(ARRAY(SELECT jsonb_object_keys(b)))::text);
    END IF;
    RETURN api.settings_get(p);
END
$$;

-- System ------------------------------------------------------------------------------

-- p.extra (object, from the module: disk, redis, nginx_version,
-- module_version, workers) merged with what the database knows.
CREATE FUNCTION api.system_status(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid   bigint := api_internal.me(p);
    extra jsonb := CASE WHEN jsonb_typeof(p -> 'extra') = 'object' THEN p -> 'extra' ELSE '{}' END;
BEGIN
    RETURN extra || jsonb_build_object(
        'recordings', (SELECT jsonb_build_object('active', count(*) FILTER (WHERE r.state = 'recording'),
                                                 'processing', count(*) FILTER (WHERE r.state IN ('finalizing', 'processing')),
                                                 'failed', count(*) FILTER (WHERE r.state = 'failed'))
                         FROM recordings r WHERE r.state IN ('recording', 'finalizing', 'processing', 'failed')),
        'streamers', (SELECT jsonb_build_object('total', count(*),
                                                'enabled', count(*) FILTER (WHERE s.enabled),
                                                'live', count(*) FILTER (WHERE s.is_live))
                        FROM streamers s),
        'jobs', jsonb_build_object('by_state', api_internal.job_counts()),
        'postgres', jsonb_build_object('version', current_setting('server_version'),
                                       'database_bytes', pg_database_size(current_database())),
        'time', now());
END
$$;
