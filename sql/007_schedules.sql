-- StreamVault: recording schedules.
--
-- A schedule records a streamer (or a source URL) for duration_s at the
-- run times of a cron expression in an IANA time zone. Cron lives in C
-- (lib/sv_cron.c): the module checks cron and timezone and computes the
-- next runs before it calls the API functions here (they arrive as
-- p.extra, see ngx_http_streamvault_schedule.c); the worker fires due
-- schedules through schedule.fire() and computes each next_run_at itself
-- (worker/schedule_fire.c). next_run_at NULL means "not computed yet"
-- (the worker computes it within seconds), 'infinity' "never again".
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

CREATE SCHEMA schedule;

-- What the worker looks at every few seconds.
CREATE INDEX schedules_due_idx ON schedules (next_run_at NULLS FIRST) WHERE enabled;
CREATE INDEX schedules_list_idx ON schedules (lower(name), id);

-- Schedule id_ ran (or skipped) the run due at due: if it is still due
-- then (another worker, or the API, changed nothing meanwhile: the same
-- next_run_at, cron and time zone, still enabled), next_run_at becomes
-- next_at, and with run_at given last_fired_at becomes run_at and a
-- recording of the remaining seconds starts (recorder.start). ->
-- recorder.start's answer, {} when nothing was to start, NULL when the
-- schedule was not as the worker saw it (nothing changed).
CREATE FUNCTION schedule.fire(id_ bigint, due timestamptz, cron_ text, zone text,
                              next_at timestamptz, run_at timestamptz, remaining integer,
                              title_ text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s schedules;
BEGIN
    UPDATE schedules x
       SET next_run_at = next_at, last_fired_at = coalesce(run_at, x.last_fired_at)
     WHERE x.id = id_ AND x.enabled AND x.next_run_at IS NOT DISTINCT FROM due
       AND x.cron = cron_ AND x.timezone = zone
    RETURNING * INTO s;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF run_at IS NULL THEN
        RETURN '{}';
    END IF;
    RETURN recorder.start(s.streamer_id, CASE WHEN s.streamer_id IS NULL THEN s.source_url END,
                          remaining, title_, s.id);
END
$$;

-- API ------------------------------------------------------------------------------

CREATE TYPE api_internal.schedule_out AS (
    id bigint, name text, streamer_id bigint, streamer api_internal.streamer_ref,
    source_url text, cron text, timezone text, duration_s integer, enabled boolean,
    last_fired_at timestamptz, next_run_at timestamptz, created_at timestamptz,
    updated_at timestamptz);

-- Plain SQL without a SET clause, so that it is inlined (see 002_api.sql).
CREATE FUNCTION api_internal.out_schedule(x public.schedules, login text, display_name text,
                                          admin boolean)
RETURNS api_internal.schedule_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(x.id, x.name, x.streamer_id,
               CASE WHEN x.streamer_id IS NOT NULL
                    THEN ROW(x.streamer_id, login, display_name)::api_internal.streamer_ref END,
               api_internal.mask_url(x.source_url, admin), x.cron, x.timezone, x.duration_s,
               x.enabled, x.last_fired_at,
               CASE WHEN pg_catalog.isfinite(x.next_run_at) THEN x.next_run_at END,
               x.created_at, x.updated_at)::api_internal.schedule_out
$$;

CREATE FUNCTION api_internal.schedule_by_id(id_ bigint, admin boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    r jsonb;
BEGIN
    SELECT to_jsonb(api_internal.out_schedule(x, s.login, s.display_name, admin)) INTO r
      FROM schedules x LEFT JOIN streamers s ON s.id = x.streamer_id
     WHERE x.id = id_;
    IF r IS NULL THEN
        PERFORM api_internal.not_found('schedule ' || id_);
    END IF;
    RETURN r;
END
$$;

-- The module's verdict on cron and timezone: 422 with its explanation
-- (the cron parser's, the zone reader's), else the next runs it computed
-- [{"at", "utc"}], NULL when the request did not give both. A route wired
-- without the module's check fails closed.
CREATE FUNCTION api_internal.schedule_runs(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    e jsonb := p -> 'extra';
BEGIN
    IF e IS NULL OR jsonb_typeof(e) <> 'object' THEN
        RAISE EXCEPTION 'schedules: the module did not check cron and timezone';
    END IF;
    IF e ? 'invalid' THEN
        PERFORM api_internal.invalid(e -> 'invalid' ->> 'field', e -> 'invalid' ->> 'message');
    END IF;
    RETURN e -> 'runs';
END
$$;

-- The fields create and update share, validated; only those present in b.
CREATE FUNCTION api_internal.schedule_fields(b jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    r   jsonb := '{}';
    sid bigint;
BEGIN
    IF b ? 'name' THEN
        r := r || jsonb_build_object('name', api_internal.as_text(b -> 'name', 'name', 1, 200));
    END IF;
    IF b ? 'cron' THEN
        r := r || jsonb_build_object('cron', api_internal.as_text(b -> 'cron', 'cron', 1, 200,
                                                                  NULL, false, true));
    END IF;
    IF b ? 'timezone' THEN
        r := r || jsonb_build_object('timezone',
                                     api_internal.as_text(b -> 'timezone', 'timezone', 1, 64));
    END IF;
    IF b ? 'duration_s' THEN
        r := r || jsonb_build_object('duration_s',
                                     api_internal.as_int(b -> 'duration_s', 'duration_s', 1, 172800));
    END IF;
    IF b ? 'enabled' THEN
        r := r || jsonb_build_object('enabled', api_internal.as_bool(b -> 'enabled', 'enabled'));
    END IF;
    IF b ? 'streamer_id' AND b ? 'source_url' THEN
        PERFORM api_internal.invalid('streamer_id', 'give either streamer_id or source_url');
    END IF;
    IF b ? 'streamer_id' THEN
        sid := api_internal.as_int(b -> 'streamer_id', 'streamer_id', 1, 999999999999999999);
        PERFORM 1 FROM streamers s WHERE s.id = sid;
        IF NOT FOUND THEN
            PERFORM api_internal.invalid('streamer_id', 'no streamer ' || sid);
        END IF;
        r := r || jsonb_build_object('streamer_id', sid);
    END IF;
    IF b ? 'source_url' THEN
        r := r || jsonb_build_object('source_url',
                                     api_internal.as_url(b -> 'source_url', 'source_url',
                                                         '{http,https,rtmp,rtmps,rtmpt,rtmpts,rtsp,rtsps,srt}'));
    END IF;
    RETURN r;
END
$$;

-- Query enabled (true|false), streamer_id, limit, offset -> page sorted by
-- name.
CREATE FUNCTION api.schedules_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid      bigint := api_internal.me(p);
    admin    boolean := api_internal.is_admin(p);
    pg       record := api_internal.page(p);
    enabled_ boolean := api_internal.query_bool(p, 'enabled');
    sid      bigint := api_internal.query_int(p, 'streamer_id', 1, 999999999999999999);
    items    api_internal.schedule_out[];
    total    bigint;
BEGIN
    items := ARRAY(SELECT api_internal.out_schedule(x, s.login, s.display_name, admin)
                     FROM schedules x LEFT JOIN streamers s ON s.id = x.streamer_id
                    WHERE (enabled_ IS NULL OR x.enabled = enabled_)
                      AND (sid IS NULL OR x.streamer_id = sid)
                    ORDER BY lower(x.name), x.id
                    LIMIT pg.lim OFFSET pg.off);
    SELECT count(*) INTO total FROM schedules x
     WHERE (enabled_ IS NULL OR x.enabled = enabled_) AND (sid IS NULL OR x.streamer_id = sid);
    RETURN jsonb_build_object('items', to_jsonb(items), 'total', total, 'limit', pg.lim,
                              'offset', pg.off);
END
$$;

CREATE FUNCTION api.schedules_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid bigint := api_internal.me(p);
BEGIN
    RETURN api_internal.schedule_by_id(api_internal.param_id(p), api_internal.is_admin(p));
END
$$;

-- Query cron, timezone (default UTC), from (seconds since the epoch;
-- default now) -> {"cron", "timezone", "runs": the next 5 [{"at": local
-- time with its offset, "utc"}]}; 422 naming the field and the problem.
CREATE FUNCTION api.schedules_preview(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    uid  bigint := api_internal.me(p);
    runs jsonb := api_internal.schedule_runs(p);
BEGIN
    RETURN jsonb_build_object('cron', p -> 'query' ->> 'cron',
                              'timezone', coalesce(nullif(p -> 'query' ->> 'timezone', ''), 'UTC'),
                              'runs', runs);
END
$$;

-- Admin. body {"name", "cron", "timezone"? (default UTC), "duration_s",
-- "streamer_id" | "source_url", "enabled"? (default true)} -> 201 and the
-- schedule, its next_run_at the first run from now.
CREATE FUNCTION api.schedules_create(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_  bigint := api_internal.require_admin(p);
    b    jsonb := api_internal.body(p, '{name,cron,timezone,duration_s,streamer_id,source_url,enabled}',
                                    '{name,cron,duration_s}');
    f    jsonb := api_internal.schedule_fields(b);
    runs jsonb := api_internal.schedule_runs(p);
    id_  bigint;
BEGIN
    IF NOT (f ? 'streamer_id' OR f ? 'source_url') THEN
        PERFORM api_internal.invalid('streamer_id', 'give either streamer_id or source_url');
    END IF;
    IF jsonb_typeof(runs) IS DISTINCT FROM 'array' OR jsonb_array_length(runs) = 0 THEN
        RAISE EXCEPTION 'schedules_create: no run times from the module';
    END IF;
    INSERT INTO schedules (name, streamer_id, source_url, cron, timezone, duration_s, enabled,
                           next_run_at)
    VALUES (f ->> 'name', (f ->> 'streamer_id')::bigint, f ->> 'source_url', f ->> 'cron',
            coalesce(f ->> 'timezone', 'UTC'), (f ->> 'duration_s')::integer,
            coalesce((f -> 'enabled')::boolean, true), (runs -> 0 ->> 'utc')::timestamptz)
    RETURNING id INTO id_;
    RETURN api_internal.schedule_by_id(id_, true);
END
$$;

-- Admin. body: any of name, cron, timezone, duration_s, streamer_id or
-- source_url (one replaces the other), enabled -> the schedule. With cron
-- and timezone both, next_run_at is the first run from now; with one of
-- them, or enabled again, it is NULL until the worker computes it (a
-- schedule enabled again does not catch up on what it missed).
CREATE FUNCTION api.schedules_update(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_  bigint := api_internal.require_admin(p);
    id_  bigint := api_internal.param_id(p);
    b    jsonb := api_internal.body(p, '{name,cron,timezone,duration_s,streamer_id,source_url,enabled}');
    f    jsonb := api_internal.schedule_fields(b);
    runs jsonb := api_internal.schedule_runs(p);
BEGIN
    PERFORM 1 FROM schedules x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('schedule ' || id_);
    END IF;
    UPDATE schedules x SET
        name        = coalesce(f ->> 'name', x.name),
        cron        = coalesce(f ->> 'cron', x.cron),
        timezone    = coalesce(f ->> 'timezone', x.timezone),
        duration_s  = coalesce((f ->> 'duration_s')::integer, x.duration_s),
        enabled     = coalesce((f -> 'enabled')::boolean, x.enabled),
        streamer_id = CASE WHEN f ? 'streamer_id' THEN (f ->> 'streamer_id')::bigint
                           WHEN f ? 'source_url' THEN NULL ELSE x.streamer_id END,
        source_url  = CASE WHEN f ? 'source_url' THEN f ->> 'source_url'
                           WHEN f ? 'streamer_id' THEN NULL ELSE x.source_url END,
        next_run_at = CASE WHEN jsonb_typeof(runs) = 'array' AND jsonb_array_length(runs) > 0
                           THEN (runs -> 0 ->> 'utc')::timestamptz
                           WHEN f ? 'cron' OR f ? 'timezone' THEN NULL
                           WHEN (f -> 'enabled')::boolean AND NOT x.enabled THEN NULL
                           ELSE x.next_run_at END
     WHERE x.id = id_;
    RETURN api_internal.schedule_by_id(id_, true);
END
$$;

-- Admin -> {"ok": true}; its recordings stay, without schedule.
CREATE FUNCTION api.schedules_delete(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
BEGIN
    PERFORM api_internal.body(p, '{}');
    DELETE FROM schedules x WHERE x.id = id_;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('schedule ' || id_);
    END IF;
    RETURN '{"ok": true}';
END
$$;
