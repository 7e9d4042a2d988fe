-- StreamVault: looking a Twitch user up before adding it as a streamer.
--
-- The web UI shows the avatar and name of a login as it is typed. Helix is
-- the worker's (its app token, rate limits and circuit breaker live in the
-- Twitch service, worker/twitch_service.h), so a lookup is a request the
-- API records here and the leading worker answers within about a second
-- (twitch.lookups_to_do, twitch.lookup_done), announcing it on the event
-- stream ({"type":"twitch_user","login","found"}). Answers are kept an hour;
-- rows older than a day go.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

CREATE TABLE twitch.user_lookups (
    login           text PRIMARY KEY CHECK (login ~ '^[a-z0-9_]{1,25}$'),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    looked_up_at    timestamptz,
    helix_user      jsonb CHECK (helix_user IS NULL OR jsonb_typeof(helix_user) = 'object')
);

-- A lookup as the API answers it: state "pending", "found" (with "user")
-- or "missing"; "streamer_id" when that login is a streamer already.
CREATE FUNCTION twitch.lookup_out(l twitch.user_lookups)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'login', l.login,
        'state', CASE WHEN l.looked_up_at IS NULL THEN 'pending'
                      WHEN l.helix_user IS NULL THEN 'missing' ELSE 'found' END,
        'user', l.helix_user,
        'looked_up_at', l.looked_up_at,
        'streamer_id', (SELECT s.id FROM streamers s
                         WHERE s.platform = 'twitch' AND lower(s.login) = l.login))
$$;

-- POST /api/twitch/lookup {"login"} -> the lookup (see twitch.lookup_out):
-- an answer of the last hour at once, else a new request (pending). 409
-- while the Twitch service is off (no app set up), 429 when 100 requests
-- of the last minute wait already.
CREATE FUNCTION api.twitch_lookup(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    b      jsonb := api_internal.body(p, '{login}', '{login}');
    login_ text := lower(api_internal.as_text(b -> 'login', 'login', 1, 25, '^[A-Za-z0-9_]+$'));
    mode   text := (SELECT st.status ->> 'mode' FROM twitch.state st);
    l      twitch.user_lookups;
BEGIN
    SELECT * INTO l FROM twitch.user_lookups x WHERE x.login = login_;
    IF FOUND AND (l.looked_up_at > now() - interval '1 hour'
                  OR (l.looked_up_at IS NULL AND l.requested_at > now() - interval '1 minute')) THEN
        RETURN twitch.lookup_out(l);
    END IF;
    IF mode IS NULL OR mode = 'off' THEN
        PERFORM api_internal.conflict('Twitch is not set up: the lookup needs the Twitch app '
                                      '(twitch.client_id and twitch.client_secret) and a running worker');
    END IF;
    IF (SELECT count(*) FROM twitch.user_lookups x
         WHERE x.looked_up_at IS NULL AND x.requested_at > now() - interval '1 minute') >= 100 THEN
        PERFORM api_internal.fail(429, 'rate_limited', '100 lookups are waiting for Twitch; try again shortly');
    END IF;
    DELETE FROM twitch.user_lookups x WHERE x.requested_at < now() - interval '1 day';
    INSERT INTO twitch.user_lookups AS x (login) VALUES (login_)
        ON CONFLICT (login) DO UPDATE SET requested_at = now(), looked_up_at = NULL, helix_user = NULL
        RETURNING * INTO l;
    RETURN twitch.lookup_out(l);
END
$$;

-- Up to lim (1..100) logins asked for in the last minute and not looked
-- up yet -> ["login", ...], oldest first.
CREATE FUNCTION twitch.lookups_to_do(lim integer)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(l.login ORDER BY l.requested_at), '[]')
      FROM (SELECT x.login, x.requested_at FROM twitch.user_lookups x
             WHERE x.looked_up_at IS NULL AND x.requested_at > now() - interval '1 minute'
             ORDER BY x.requested_at
             LIMIT least(greatest(coalesce(lim, 100), 1), 100)) l
$$;

-- Helix's answer for login who: its user object, or NULL when there is none.
-- Only what the UI shows is kept, checked as twitch.streamer_resolved
-- checks it.
CREATE FUNCTION twitch.lookup_done(who text, answer jsonb)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    UPDATE twitch.user_lookups x SET
        looked_up_at = now(),
        helix_user = CASE
            WHEN jsonb_typeof(answer) = 'object' AND answer ->> 'id' ~ '^[0-9]{1,20}$'
                 AND lower(answer ->> 'login') = x.login THEN
                jsonb_strip_nulls(jsonb_build_object(
                    'id', answer ->> 'id',
                    'login', answer ->> 'login',
                    'display_name', CASE WHEN jsonb_typeof(answer -> 'display_name') = 'string'
                                         THEN btrim(twitch.clip(answer ->> 'display_name', 200)) END,
                    'description', CASE WHEN jsonb_typeof(answer -> 'description') = 'string'
                                        THEN twitch.clip(answer ->> 'description', 2000) END,
                    'profile_image_url', twitch.image_url(answer -> 'profile_image_url')))
            END
     WHERE x.login = lower(who) AND x.looked_up_at IS NULL
$$;

CREATE FUNCTION twitch.user_lookups_event()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF NEW.looked_up_at IS NOT NULL AND OLD.looked_up_at IS NULL THEN
        PERFORM api_internal.event(jsonb_build_object('type', 'twitch_user', 'login', NEW.login,
                                                      'found', NEW.helix_user IS NOT NULL));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER user_lookups_event AFTER UPDATE ON twitch.user_lookups
    FOR EACH ROW EXECUTE FUNCTION twitch.user_lookups_event();
