-- Every change to what the API reads is announced on "streamvault_changes"
-- (the table's name as payload), once per statement. nginx keeps a cache of
-- API reads per worker and drops it when it hears this (see
-- ngx_streamvault_module/ngx_http_streamvault_cache.c), so a table that
-- the API reads must have this trigger.

CREATE FUNCTION api_internal.announce_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('streamvault_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'sessions', 'api_tokens', 'streamers', 'streams',
                             'stream_events', 'recordings', 'media_assets', 'jobs',
                             'schedules', 'settings']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION api_internal.announce_change()',
                       t || '_announce', t);
    END LOOP;
END
$$;
