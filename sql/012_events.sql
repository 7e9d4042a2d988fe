-- StreamVault: what the event stream (GET /api/events) hears from the
-- database.
--
-- Recording states and streamer changes are made by the worker, the API and
-- plain SQL alike; triggers here announce each one with pg_notify on the
-- channel streamvault_events (sent at commit, and only then). Every worker
-- LISTENs and relays them to the Redis channel streamvault:events, where a
-- Redis key made from the whole payload lets only the first relay through
-- (worker/event_relay.c): "tx", the transaction's id, makes a payload one
-- change of one row. Notifications for people (a recording ready or failed,
-- a streamer live) travel the same way.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

-- GET /api/events: the module streams once this allows the caller.
CREATE FUNCTION api.events_open(p jsonb)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_build_object('user', p -> 'user')
$$;

CREATE FUNCTION api_internal.event(e jsonb)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    SELECT pg_notify('streamvault_events',
                     (e || jsonb_build_object('tx', txid_current()::text))::text)
$$;

CREATE FUNCTION api_internal.notify(level text, message text, extra jsonb)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    SELECT api_internal.event(jsonb_build_object('type', 'notification', 'level', level,
                                                 'message', left(message, 500)) || extra)
$$;

CREATE FUNCTION api_internal.recordings_event()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    who text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.state IS NOT DISTINCT FROM OLD.state THEN
        RETURN NULL;
    END IF;
    PERFORM api_internal.event(jsonb_build_object('type', 'recording', 'id', NEW.id,
                                                  'streamer_id', NEW.streamer_id,
                                                  'state', NEW.state));
    IF NEW.state IN ('ready', 'failed') THEN
        SELECT coalesce(nullif(s.display_name, ''), s.login) INTO who
          FROM streamers s WHERE s.id = NEW.streamer_id;
        who := coalesce(who || ': ', '') || coalesce(nullif(left(NEW.title, 200), ''),
                                                      'recording ' || NEW.id);
        IF NEW.state = 'ready' THEN
            PERFORM api_internal.notify('info', who || ' is in the library',
                                        jsonb_build_object('recording_id', NEW.id));
        ELSE
            PERFORM api_internal.notify('error', who || ' failed'
                                        || coalesce(': ' || left(NEW.error, 200), ''),
                                        jsonb_build_object('recording_id', NEW.id));
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recordings_event AFTER INSERT OR UPDATE OF state ON recordings
    FOR EACH ROW EXECUTE FUNCTION api_internal.recordings_event();

-- What the UI shows of a streamer: a change to any of it is announced.
CREATE FUNCTION api_internal.streamers_event()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM api_internal.event(jsonb_build_object('type', 'streamer', 'id', OLD.id,
                                                      'deleted', true));
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.is_live, NEW.enabled, NEW.display_name, NEW.profile_image_url,
            NEW.twitch_id, NEW.twitch_error)
           IS NOT DISTINCT FROM
           (OLD.is_live, OLD.enabled, OLD.display_name, OLD.profile_image_url,
            OLD.twitch_id, OLD.twitch_error) THEN
        RETURN NULL;
    END IF;
    PERFORM api_internal.event(jsonb_build_object('type', 'streamer', 'id', NEW.id,
                                                  'live', NEW.is_live,
                                                  'enabled', NEW.enabled));
    IF NEW.is_live AND (TG_OP = 'INSERT' OR NOT OLD.is_live) THEN
        PERFORM api_internal.notify('info', coalesce(nullif(NEW.display_name, ''), NEW.login)
                                            || ' is live',
                                    jsonb_build_object('streamer_id', NEW.id));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER streamers_event AFTER INSERT OR UPDATE OR DELETE ON streamers
    FOR EACH ROW EXECUTE FUNCTION api_internal.streamers_event();
