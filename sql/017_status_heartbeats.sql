-- StreamVault: the workers' heartbeats in the system status are parsed one by
-- one, as the log lines are.
--
-- The module passes p.extra.workers as strings now, for the reason it passes
-- log lines so (014_library_filters.sql): a heartbeat PostgreSQL refuses (a
-- lone surrogate escape, a number out of range), left in the request
-- document, would fail the whole answer.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

-- 014's parser of a log line parses any such string.
ALTER FUNCTION api_internal.log_line(text) RENAME TO json_object;

-- The JSON objects among the strings of a JSON array, in order; anything
-- else is left out (not an array: none).
CREATE FUNCTION api_internal.json_objects(list jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(o.v ORDER BY e.i), '[]')
      FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(list) = 'array' THEN list ELSE '[]' END)
               WITH ORDINALITY e (t, i),
           api_internal.json_object(e.t) o (v)
     WHERE o.v IS NOT NULL
$$;

-- As 014 answers it, with "workers" and "logs" parsed from their strings.
CREATE OR REPLACE FUNCTION api.system_status(p jsonb)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT api_internal.system_status_without_logs(p)
           || jsonb_build_object('workers', api_internal.json_objects(p #> '{extra,workers}'),
                                 'logs', api_internal.json_objects(p #> '{extra,logs}'))
$$;
