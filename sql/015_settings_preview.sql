-- Settings: the path a file name template gives, previewed with the C code
-- that names the files, and a proxy for every recording.
--
-- GET /api/settings/template_preview: the module checks the template with
-- lib/sv_template.c (its verdict is the request's "extra", judged after
-- authorization), api.settings_template_preview gives the values a
-- recording is named with, and the module renders the path the worker
-- would write (ngx_http_streamvault_template.c).
--
-- recording.proxy_url: the proxy of the recordings whose streamer has none
-- (recorder.claim), shown without its user and password. The settings'
-- validation and display become one function each, per key (setting_in
-- takes over the rules 008_twitch.sql's settings_put held inline), so that
-- the next setting changes those and not settings_put and settings_get.

-- Every known setting with its default; the worker may read this too.
-- twitch.eventsub_secret is no setting of the API: the worker makes it.
CREATE OR REPLACE FUNCTION api_internal.setting_defaults()
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT '{
        "twitch.client_id": null,
        "twitch.client_secret": null,
        "twitch.user_token": null,
        "public_base_url": null,
        "storage.filename_template": null,
        "retention.max_age_days": null,
        "retention.max_bytes": null,
        "retention.max_count": null,
        "recording.quality": "best",
        "recording.rollover_hours": 24,
        "recording.proxy_url": null
    }'::jsonb
$$;

-- A proxy URL as a streamer's proxy_url takes it; "***" as its user and
-- password (what settings_get shows of them) stands for the stored ones.
CREATE FUNCTION api_internal.as_proxy(v jsonb, field text, old text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s    text := api_internal.as_url(v, field, '{http,https,socks5,socks5h}', true);
    cred text := substring(old FROM '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#@]*)@');
    at   integer := strpos(s, '://***@');
BEGIN
    IF cred IS NOT NULL AND s ~ '^[A-Za-z][A-Za-z0-9+.-]*://[*]{3}@' THEN
        s := api_internal.as_url(to_jsonb(left(s, at + 2) || cred || '@' || substr(s, at + 7)),
                                 field, '{http,https,socks5,socks5h}');
    END IF;
    RETURN s;
END
$$;

-- Setting k's new value from a PUT body's v, validated; NULL: back to the
-- default. old is the value stored.
CREATE FUNCTION api_internal.setting_in(k text, v jsonb, old jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    nv jsonb;
BEGIN
    nv := CASE k
        WHEN 'twitch.client_id' THEN to_jsonb(api_internal.as_text(v, k, 1, 256, '^[!-~]+$', true))
        WHEN 'twitch.client_secret' THEN to_jsonb(api_internal.as_sealed(v, k))
        WHEN 'twitch.user_token' THEN to_jsonb(api_internal.as_sealed(v, k))
        WHEN 'public_base_url' THEN to_jsonb(api_internal.as_url(v, k, '{https}', true))
        WHEN 'storage.filename_template' THEN to_jsonb(api_internal.as_template(v, k, true))
        WHEN 'retention.max_age_days' THEN to_jsonb(api_internal.as_int(v, k, 0, 36500, true))
        WHEN 'retention.max_bytes' THEN to_jsonb(api_internal.as_int(v, k, 0, 9223372036854775807, true))
        WHEN 'retention.max_count' THEN to_jsonb(api_internal.as_int(v, k, 0, 1000000000, true))
        WHEN 'recording.quality' THEN to_jsonb(api_internal.as_text(v, k, 1, 32,
                                               '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$', true))
        WHEN 'recording.rollover_hours' THEN to_jsonb(api_internal.as_int(v, k, 1, 168, true))
        WHEN 'recording.proxy_url' THEN to_jsonb(api_internal.as_proxy(v, k, old #>> '{}'))
    END;
    IF k = 'public_base_url' AND (nv #>> '{}') ~ '[?#]' THEN
        PERFORM api_internal.invalid(k, k || ' must not have a query or a fragment');
    END IF;
    -- a key of setting_defaults without a rule here is never stored blindly
    IF nv IS NULL AND v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
        RAISE EXCEPTION 'settings: no rule for %', k;
    END IF;
    RETURN nv;
END
$$;

-- Setting k as the API shows it: a secret as {"set": bool}, the proxy
-- without its user and password.
CREATE FUNCTION api_internal.setting_out(k text, v jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT CASE
        WHEN k IN ('twitch.client_secret', 'twitch.user_token', 'twitch.eventsub_secret')
            THEN jsonb_build_object('set', coalesce(jsonb_typeof(v), 'null') <> 'null')
        WHEN k = 'recording.proxy_url' AND jsonb_typeof(v) = 'string'
            THEN to_jsonb(api_internal.mask_url(v #>> '{}', false))
        ELSE v
    END
$$;

-- -> {key: value} for every known setting (and the worker's
-- twitch.eventsub_secret), defaults filled in, as setting_out shows them.
CREATE OR REPLACE FUNCTION api.settings_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    r   jsonb := api_internal.setting_defaults() || '{"twitch.eventsub_secret": null}';
BEGIN
    r := r || coalesce((SELECT jsonb_object_agg(s.key, s.value) FROM settings s WHERE r ? s.key), '{}');
    RETURN (SELECT jsonb_object_agg(e.key, api_internal.setting_out(e.key, e.value))
              FROM jsonb_each(r) e);
END
$$;

-- body {key: value, ...} of known keys only, each validated by setting_in;
-- null resets a key to its default -> the settings as settings_get answers
-- them. The secrets are accepted sealed only (the module seals what PUT
-- /api/settings carries, and checks storage.filename_template's syntax).
CREATE OR REPLACE FUNCTION api.settings_put(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    b   jsonb;
BEGIN
    b := api_internal.body(p, ARRAY(SELECT jsonb_object_keys(api_internal.setting_defaults())));
    WITH nv AS (
        SELECT e.key, api_internal.setting_in(e.key, e.value, s.value) AS value
          FROM jsonb_each(b) e LEFT JOIN settings s ON s.key = e.key
    ), reset AS (
        DELETE FROM settings s USING nv WHERE s.key = nv.key AND nv.value IS NULL
    )
    INSERT INTO settings AS s (key, value)
    SELECT nv.key, nv.value FROM nv WHERE nv.value IS NOT NULL
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    IF b <> '{}' THEN
        PERFORM pg_notify('streamvault_settings', array_to_json(ARRAY(SELECT jsonb_object_keys(b)))::text);
    END IF;
    RETURN api.settings_get(p);
END
$$;

-- What a template's placeholders are filled with, from a recording's
-- start (UTC) as library.plan (004_library.sql) gives it to the worker.
CREATE FUNCTION api_internal.template_values(streamer text, title text, id text, t0 timestamptz,
                                             episode integer)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'streamer', streamer, 'title', title, 'id', id,
        'date', to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
        'time', to_char(t0 AT TIME ZONE 'UTC', 'HH24MISS'),
        'season', to_char(t0 AT TIME ZONE 'UTC', 'YYYYMM'),
        'episode', episode)
$$;

-- Admin, query template (empty or absent: the one that applies without it,
-- the storage.filename_template setting for a streamer, else the default)
-- and streamer_id (optional) -> {"template": the one previewed, null for
-- the default, "values": {"streamer", "title", "id", "date", "time",
-- "season", "episode"}, "recording_id", "sample"}: what the worker names
-- the newest recording (of the streamer) with, as library.plan gives it,
-- its episode numbered as it would be; a sample when there is none. The
-- module's verdict on the template comes first (extra); it adds "path".
CREATE FUNCTION api.settings_template_preview(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_  bigint := api_internal.require_admin(p);
    e    jsonb := p -> 'extra';
    t    text;
    sid  bigint;
    s    streamers;
    rec  recordings;
    st   streams;
    t0   timestamptz;
    ep   integer;
BEGIN
    IF e IS NULL OR jsonb_typeof(e) <> 'object' THEN
        RAISE EXCEPTION 'settings_template_preview: the module did not check the template';
    END IF;
    IF e ? 'invalid' THEN
        PERFORM api_internal.invalid('template', e -> 'invalid' ->> 'message');
    END IF;
    -- what PUT /api/settings refuses besides the syntax, refused alike
    t := api_internal.as_template(to_jsonb(nullif(p -> 'query' ->> 'template', '')), 'template');
    sid := api_internal.query_int(p, 'streamer_id', 1, 9007199254740991);
    IF sid IS NOT NULL THEN
        SELECT * INTO s FROM streamers x WHERE x.id = sid;
        IF NOT FOUND THEN
            PERFORM api_internal.not_found('streamer ' || sid);
        END IF;
        t := coalesce(t, (SELECT x.value #>> '{}' FROM settings x
                           WHERE x.key = 'storage.filename_template'));
    END IF;
    SELECT * INTO rec FROM recordings r
     WHERE r.state <> 'deleted' AND (sid IS NULL OR r.streamer_id = sid)
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('template', t, 'recording_id', NULL, 'sample', true,
                                  'values', api_internal.template_values(
                                      coalesce(library.one_line(s.display_name), s.login, 'Example Streamer'),
                                      'Example stream title', '123', now(), 1));
    END IF;
    IF sid IS NULL THEN
        SELECT * INTO s FROM streamers x WHERE x.id = rec.streamer_id;
    END IF;
    SELECT * INTO st FROM streams x WHERE x.id = rec.stream_id;
    t0 := coalesce(rec.started_at, st.started_at, rec.created_at);
    -- numbered once by library.number_episode: the next of its season
    ep := coalesce(rec.episode,
                   1 + coalesce((SELECT max(o.episode) FROM recordings o
                                  WHERE o.streamer_id IS NOT DISTINCT FROM rec.streamer_id
                                    AND o.season = to_char(coalesce(rec.started_at, rec.created_at)
                                                           AT TIME ZONE 'UTC', 'YYYYMM')::integer), 0));
    RETURN jsonb_build_object('template', t, 'recording_id', rec.id, 'sample', false,
                              'values', api_internal.template_values(
                                  coalesce(library.one_line(s.display_name), s.login, 'Recordings'),
                                  coalesce(library.one_line(rec.title), library.one_line(st.title),
                                           to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')),
                                  rec.id::text, t0, ep));
END
$$;

-- The claim as 006_recorder.sql makes it, with "proxy" the
-- recording.proxy_url setting when the streamer has none of its own (or
-- the recording has no streamer).
ALTER FUNCTION recorder.claim(bigint, text, integer) RENAME TO claim_base;

CREATE FUNCTION recorder.claim(id_ bigint, worker_ text, stale_s integer)
RETURNS jsonb
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    SELECT CASE WHEN c ? 'raw_dir' AND NOT c ? 'proxy'
                THEN c || coalesce((SELECT jsonb_build_object('proxy', x.value) FROM settings x
                                     WHERE x.key = 'recording.proxy_url'
                                       AND jsonb_typeof(x.value) = 'string'), '{}')
                ELSE c
           END
      FROM recorder.claim_base(id_, worker_, stale_s) c
$$;
