-- StreamVault: the two recording settings take effect.
--
-- recording.quality: the quality a streamer gets when it is added without
-- one. Each streamer keeps its own (the recorder uses only that), so a
-- change applies to streamers added afterwards.
-- recording.rollover_hours: how much media a part of a recording holds
-- before the next part begins, for every worker; while it is not set, each
-- worker's recording_rollover_seconds decides.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

-- The setting k when it holds a value of JSON type t, else NULL.
CREATE FUNCTION api_internal.setting_of(k text, t text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT x.value FROM settings x WHERE x.key = k AND jsonb_typeof(x.value) = t
$$;

-- POST /api/streamers as before (008_twitch.sql), with "quality" from the
-- setting when the body has none.
ALTER FUNCTION api.streamers_create(jsonb) SET SCHEMA api_internal;
ALTER FUNCTION api_internal.streamers_create(jsonb) RENAME TO streamers_create_base;

CREATE FUNCTION api.streamers_create(p jsonb)
RETURNS jsonb
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    SELECT api_internal.streamers_create_base(
        CASE WHEN jsonb_typeof(p -> 'body') = 'object' AND NOT (p -> 'body') ? 'quality'
             THEN jsonb_set(p, '{body,quality}',
                            coalesce(api_internal.setting_of('recording.quality', 'string'), '"best"'))
             ELSE p
        END)
$$;

-- The claim as 015_settings_preview.sql makes it, with "rollover_s" from
-- recording.rollover_hours when that is set.
CREATE OR REPLACE FUNCTION recorder.claim(id_ bigint, worker_ text, stale_s integer)
RETURNS jsonb
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    SELECT CASE WHEN c ? 'raw_dir'
                THEN c || jsonb_strip_nulls(jsonb_build_object(
                    'proxy', CASE WHEN NOT c ? 'proxy'
                                  THEN api_internal.setting_of('recording.proxy_url', 'string') END,
                    'rollover_s', (api_internal.setting_of('recording.rollover_hours', 'number') #>> '{}')::bigint
                                  * 3600))
                ELSE c
           END
      FROM recorder.claim_base(id_, worker_, stale_s) c
$$;
