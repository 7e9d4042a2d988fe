-- StreamVault: Twitch (EventSub, Helix) in the database.
--
-- nginx verifies EventSub requests and queues an `eventsub` job; the worker
-- (worker/job_eventsub.c) turns each into one call of stream_online,
-- stream_offline, channel_update or subscription_revoked here. The worker's
-- Twitch service (one worker at a time) resolves streamers added by login,
-- keeps the EventSub subscriptions of twitch.wanted_subscriptions() (the
-- mirror twitch.subscriptions holds what Helix answered), polls when no
-- public URL is configured, and reports its state with twitch.status_put.
--
-- twitch.state counts the requests for work: reconcile_seq grows with every
-- change that may change the wanted subscriptions (triggers below, and
-- revocations), resubscribe_seq with every "resubscribe all" of the API; the
-- worker compares them with what it handled (reconcile_done).
--
-- Secrets are stored sealed ("sv1:...", lib/sv_secretbox.h): the module
-- seals what the API is given, the worker seals the EventSub secret it
-- makes; the plaintext never reaches this database.
--
-- Schema "twitch" holds what the worker calls. Ids of Twitch (users,
-- streams) are digit strings; Twitch's texts are cut to what the columns
-- take, never refused for their length: an event is never lost to a title.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

CREATE SCHEMA twitch;

-- Streamers ------------------------------------------------------------------

-- A Twitch streamer may be added by login alone: the worker resolves its id
-- (twitch_resolved_at: when it last tried; twitch_error: why it failed).
ALTER TABLE streamers
    DROP CONSTRAINT streamers_source,
    ADD CONSTRAINT streamers_source CHECK (
        platform = 'twitch' OR (platform = 'url' AND source_url IS NOT NULL)),
    ADD COLUMN twitch_resolved_at timestamptz,
    ADD COLUMN twitch_error text CHECK (length(twitch_error) <= 1000);

CREATE INDEX streamers_unresolved_idx ON streamers (id)
    WHERE platform = 'twitch' AND twitch_id IS NULL;

-- When a stream's title and category were filled (at its start, by polling
-- or by the worker's Helix lookup); NULL: never, the worker looks them up.
ALTER TABLE streams ADD COLUMN info_at timestamptz;

CREATE INDEX streams_open_idx ON streams (streamer_id) WHERE ended_at IS NULL;

-- Every streamer the API shows says why its Twitch id is still unknown.
ALTER TYPE api_internal.streamer_out ADD ATTRIBUTE twitch_error text;

CREATE OR REPLACE FUNCTION api_internal.out_streamer(s public.streamers, admin boolean)
RETURNS api_internal.streamer_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(s.id, s.platform, s.twitch_id, s.login, s.display_name, s.description,
               s.profile_image_url, s.offline_image_url, api_internal.mask_url(s.source_url, admin),
               s.enabled, s.is_live, s.quality, s.filename_template, s.retention, s.chat_archive,
               api_internal.mask_url(s.proxy_url, admin), s.created_at, s.updated_at,
               s.twitch_error)::api_internal.streamer_out
$$;

-- The mirror and the state ----------------------------------------------------

-- The EventSub subscriptions as Helix last answered them.
CREATE TABLE twitch.subscriptions (
    id                  text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    type                text NOT NULL CHECK (type ~ '^[a-z0-9_.]{1,64}$'),
    version             text NOT NULL CHECK (version ~ '^[A-Za-z0-9_.]{1,16}$'),
    broadcaster_user_id text CHECK (broadcaster_user_id ~ '^[0-9]{1,20}$'),
    status              text NOT NULL CHECK (status ~ '^[a-z0-9_]{1,64}$'),
    callback            text CHECK (length(callback) <= 2048),
    created_at          timestamptz,
    revoked_at          timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_broadcaster_idx ON twitch.subscriptions (broadcaster_user_id, type);

-- One row: what is requested (the seqs), what the worker handled, and the
-- state its Twitch service last reported.
CREATE TABLE twitch.state (
    one                 boolean PRIMARY KEY DEFAULT true CHECK (one),
    reconcile_seq       bigint NOT NULL DEFAULT 1,
    resubscribe_seq     bigint NOT NULL DEFAULT 0,
    reconciled_seq      bigint NOT NULL DEFAULT 0,
    resubscribed_seq    bigint NOT NULL DEFAULT 0,
    reconciled_at       timestamptz,
    status              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(status) = 'object'),
    status_at           timestamptz
);
INSERT INTO twitch.state DEFAULT VALUES;

-- The API reads both (see 003_changes.sql).
CREATE TRIGGER subscriptions_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON twitch.subscriptions FOR EACH STATEMENT EXECUTE FUNCTION api_internal.announce_change();
CREATE TRIGGER state_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON twitch.state FOR EACH STATEMENT EXECUTE FUNCTION api_internal.announce_change();

-- A reconcile is due: a streamer or a setting the subscriptions depend on
-- changed.
CREATE FUNCTION twitch.request_reconcile() RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE twitch.state SET reconcile_seq = reconcile_seq + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER streamers_twitch_insert AFTER INSERT ON streamers
    FOR EACH ROW WHEN (NEW.platform = 'twitch')
    EXECUTE FUNCTION twitch.request_reconcile();
CREATE TRIGGER streamers_twitch_delete AFTER DELETE ON streamers
    FOR EACH ROW WHEN (OLD.platform = 'twitch')
    EXECUTE FUNCTION twitch.request_reconcile();
CREATE TRIGGER streamers_twitch_update AFTER UPDATE OF enabled, twitch_id ON streamers
    FOR EACH ROW WHEN (NEW.platform = 'twitch' AND (OLD.enabled IS DISTINCT FROM NEW.enabled
                                                    OR OLD.twitch_id IS DISTINCT FROM NEW.twitch_id))
    EXECUTE FUNCTION twitch.request_reconcile();
CREATE TRIGGER settings_twitch_insert AFTER INSERT ON settings
    FOR EACH ROW WHEN (NEW.key IN ('twitch.client_id', 'twitch.client_secret', 'public_base_url'))
    EXECUTE FUNCTION twitch.request_reconcile();
CREATE TRIGGER settings_twitch_delete AFTER DELETE ON settings
    FOR EACH ROW WHEN (OLD.key IN ('twitch.client_id', 'twitch.client_secret', 'public_base_url'))
    EXECUTE FUNCTION twitch.request_reconcile();
CREATE TRIGGER settings_twitch_update AFTER UPDATE ON settings
    FOR EACH ROW WHEN (NEW.key IN ('twitch.client_id', 'twitch.client_secret', 'public_base_url')
                       AND OLD.value IS DISTINCT FROM NEW.value)
    EXECUTE FUNCTION twitch.request_reconcile();

-- Small helpers ------------------------------------------------------------------

-- A text of Twitch as one line of at most n characters (control characters
-- become spaces); NULL stays NULL.
CREATE FUNCTION twitch.clip(t text, n integer)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT left(regexp_replace(t, '[[:cntrl:]]', ' ', 'g'), n)
$$;

-- A sealed secret ("sv1:" and 20 to 4096 characters of base64url,
-- lib/sv_secretbox.h), else NULL.
CREATE FUNCTION twitch.sealed(v text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN length(v) BETWEEN 24 AND 4100 AND v ~ '^sv1:[A-Za-z0-9_-]+$' THEN v END
$$;

-- The streamer of a Twitch user id, its row locked.
CREATE FUNCTION twitch.streamer_by_id(broadcaster_id text)
RETURNS streamers
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s streamers;
BEGIN
    IF broadcaster_id IS NULL OR broadcaster_id !~ '^[0-9]{1,20}$' THEN
        RAISE EXCEPTION 'a broadcaster id is 1 to 20 digits';
    END IF;
    SELECT * INTO s FROM streamers x
     WHERE x.platform = 'twitch' AND x.twitch_id = broadcaster_id FOR UPDATE;
    RETURN s;
END
$$;

-- Configuration and state ----------------------------------------------------------

-- What the worker's Twitch service runs on -> {"client_id",
-- "client_secret" (sealed) | null, "user_token" (sealed) | null,
-- "public_base_url", "eventsub_secret" (sealed) | null, "reconcile_seq",
-- "resubscribe_seq", "resubscribed_seq" (the last one a worker handled)};
-- absent settings are null.
CREATE FUNCTION twitch.config()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'client_id', max(x.value #>> '{}') FILTER (WHERE x.key = 'twitch.client_id'),
        'client_secret', twitch.sealed(max(x.value #>> '{}') FILTER (WHERE x.key = 'twitch.client_secret')),
        'user_token', twitch.sealed(max(x.value #>> '{}') FILTER (WHERE x.key = 'twitch.user_token')),
        'public_base_url', max(x.value #>> '{}') FILTER (WHERE x.key = 'public_base_url'),
        'eventsub_secret', twitch.sealed(max(x.value #>> '{}') FILTER (WHERE x.key = 'twitch.eventsub_secret')),
        'reconcile_seq', (SELECT st.reconcile_seq FROM twitch.state st),
        'resubscribe_seq', (SELECT st.resubscribe_seq FROM twitch.state st),
        'resubscribed_seq', (SELECT st.resubscribed_seq FROM twitch.state st))
      FROM settings x
     WHERE x.key IN ('twitch.client_id', 'twitch.client_secret', 'twitch.user_token',
                     'public_base_url', 'twitch.eventsub_secret')
$$;

-- The EventSub secret, sealed by the worker: stored when none is yet (the
-- first of several workers wins) -> the one stored.
CREATE FUNCTION twitch.eventsub_secret_init(sealed text)
RETURNS text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    r text;
BEGIN
    IF twitch.sealed(sealed) IS NULL THEN
        RAISE EXCEPTION 'the EventSub secret must be sealed (sv1:...)';
    END IF;
    INSERT INTO settings (key, value) VALUES ('twitch.eventsub_secret', to_jsonb(sealed))
    ON CONFLICT (key) DO NOTHING;
    SELECT x.value #>> '{}' INTO r FROM settings x WHERE x.key = 'twitch.eventsub_secret';
    RETURN r;
END
$$;

-- The worker handled the requests up to these seqs (its reconcile ran).
CREATE FUNCTION twitch.reconcile_done(reconcile_seq bigint, resubscribe_seq bigint)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    UPDATE twitch.state st
       SET reconciled_seq = greatest(st.reconciled_seq, reconcile_done.reconcile_seq),
           resubscribed_seq = greatest(st.resubscribed_seq, reconcile_done.resubscribe_seq),
           reconciled_at = now()
$$;

-- The Twitch service's state (an object of at most 16 KB, see README
-- "Twitch"). Written when it changed or once a minute, so that a worker
-- reporting every pass does not drop nginx's API cache every pass.
CREATE FUNCTION twitch.status_put(s jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF s IS NULL OR jsonb_typeof(s) <> 'object' OR octet_length(s::text) > 16384 THEN
        RAISE EXCEPTION 'the Twitch status is an object of at most 16 KB';
    END IF;
    UPDATE twitch.state st SET status = s, status_at = now()
     WHERE st.status - 'updated_at' IS DISTINCT FROM s - 'updated_at'
        OR st.status_at IS NULL OR st.status_at < now() - interval '1 minute';
END
$$;

-- The Twitch state as the API shows it: the service's status, the
-- subscriptions counted by status, the seqs requested and handled.
CREATE FUNCTION twitch.status()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT st.status || jsonb_build_object(
               'subscriptions', coalesce((SELECT jsonb_object_agg(c.status, c.n)
                                            FROM (SELECT x.status, count(*) AS n
                                                    FROM twitch.subscriptions x
                                                   GROUP BY x.status) c), '{}'),
               'reconcile_seq', st.reconcile_seq, 'reconciled_seq', st.reconciled_seq,
               'resubscribe_seq', st.resubscribe_seq, 'resubscribed_seq', st.resubscribed_seq,
               'reconciled_at', st.reconciled_at, 'status_at', st.status_at)
      FROM twitch.state st
$$;

-- Resolving streamers added by login ----------------------------------------------

-- Up to lim (1..100) logins of Twitch streamers without an id that did not
-- fail in the last hour -> ["login", ...], oldest first.
CREATE FUNCTION twitch.streamers_to_resolve(lim integer)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(s.login ORDER BY s.id), '[]')
      FROM (SELECT x.id, x.login FROM streamers x
             WHERE x.platform = 'twitch' AND x.twitch_id IS NULL
               AND (x.twitch_error IS NULL OR x.twitch_resolved_at < now() - interval '1 hour')
             ORDER BY x.id
             LIMIT least(greatest(coalesce(lim, 100), 1), 100)) s
$$;

-- An image URL of Helix (http or https, one line, at most 2048), else NULL.
CREATE FUNCTION twitch.image_url(u jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN jsonb_typeof(u) = 'string' AND length(u #>> '{}') <= 2048
                     AND (u #>> '{}') ~ '^https?://[^[:space:][:cntrl:]\\]+$'
                THEN u #>> '{}' END
$$;

-- The Helix user object of login: its id, and display_name (only when the
-- streamer has none), description and images. A user whose id is malformed
-- or another streamer's is recorded as an error instead.
CREATE FUNCTION twitch.streamer_resolved(login text, helix_user jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s   streamers;
    tid text := CASE WHEN jsonb_typeof(helix_user) = 'object' THEN helix_user ->> 'id' END;
    err text;
BEGIN
    SELECT * INTO s FROM streamers x
     WHERE x.platform = 'twitch' AND lower(x.login) = lower(streamer_resolved.login) FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF tid IS NULL OR tid !~ '^[0-9]{1,20}$' THEN
        err := 'Twitch answered a user without a valid id';
    ELSIF jsonb_typeof(helix_user -> 'login') = 'string'
          AND lower(helix_user ->> 'login') <> lower(s.login) THEN
        err := 'Twitch answered another user';
    ELSIF EXISTS (SELECT 1 FROM streamers x WHERE x.twitch_id = tid AND x.id <> s.id) THEN
        err := 'another streamer has the Twitch id ' || tid;
    END IF;
    IF err IS NOT NULL THEN
        PERFORM twitch.streamer_unresolved(s.login, err);
        RETURN;
    END IF;
    UPDATE streamers x SET
        twitch_id = tid,
        display_name = CASE WHEN x.display_name = '' AND jsonb_typeof(helix_user -> 'display_name') = 'string'
                            THEN btrim(twitch.clip(helix_user ->> 'display_name', 200))
                            ELSE x.display_name END,
        description = CASE WHEN jsonb_typeof(helix_user -> 'description') = 'string'
                           THEN left(regexp_replace(helix_user ->> 'description',
                                                    E'[\\u0001-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]',
                                                    '', 'g'), 2000)
                           ELSE x.description END,
        profile_image_url = coalesce(twitch.image_url(helix_user -> 'profile_image_url'),
                                     x.profile_image_url),
        offline_image_url = coalesce(twitch.image_url(helix_user -> 'offline_image_url'),
                                     x.offline_image_url),
        twitch_resolved_at = now(),
        twitch_error = NULL
     WHERE x.id = s.id;
END
$$;

-- Resolving login failed (no such user, a Helix error): error kept (one
-- line, at most 1000 characters), tried again in an hour.
CREATE FUNCTION twitch.streamer_unresolved(login text, error text)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    UPDATE streamers x
       SET twitch_error = coalesce(nullif(btrim(twitch.clip(streamer_unresolved.error, 1000)), ''),
                                   'unknown error'),
           twitch_resolved_at = now()
     WHERE x.platform = 'twitch' AND lower(x.login) = lower(streamer_unresolved.login)
       AND x.twitch_id IS NULL
$$;

-- Subscriptions -----------------------------------------------------------------------

-- The subscriptions there should be -> [{"type", "version",
-- "broadcaster_user_id"}]: stream.online/1, stream.offline/1 and
-- channel.update/2 of every enabled Twitch streamer with an id.
CREATE FUNCTION twitch.wanted_subscriptions()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('type', t.type, 'version', t.version,
                                                 'broadcaster_user_id', s.twitch_id)
                              ORDER BY s.twitch_id, t.type), '[]')
      FROM streamers s
     CROSS JOIN (VALUES ('stream.online', '1'), ('stream.offline', '1'),
                        ('channel.update', '2')) t (type, version)
     WHERE s.platform = 'twitch' AND s.enabled AND s.twitch_id IS NOT NULL
$$;

-- A Helix subscription object as a mirror row; NULL when it is malformed
-- (such a one cannot be mirrored, nor deleted by its id).
CREATE FUNCTION twitch.subscription_row(sub jsonb)
RETURNS twitch.subscriptions
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    r twitch.subscriptions;
    b text;
BEGIN
    IF sub IS NULL OR jsonb_typeof(sub) <> 'object'
       OR coalesce(sub ->> 'id', '') !~ '^[A-Za-z0-9_-]{1,64}$'
       OR coalesce(sub ->> 'type', '') !~ '^[a-z0-9_.]{1,64}$'
       OR coalesce(sub ->> 'version', '') !~ '^[A-Za-z0-9_.]{1,16}$'
       OR coalesce(sub ->> 'status', '') !~ '^[a-z0-9_]{1,64}$' THEN
        RETURN NULL;
    END IF;
    b := CASE WHEN jsonb_typeof(sub -> 'condition') = 'object'
              THEN sub -> 'condition' ->> 'broadcaster_user_id' END;
    r.id := sub ->> 'id';
    r.type := sub ->> 'type';
    r.version := sub ->> 'version';
    r.status := sub ->> 'status';
    r.broadcaster_user_id := CASE WHEN b ~ '^[0-9]{1,20}$' THEN b END;
    r.callback := CASE WHEN jsonb_typeof(sub -> 'transport') = 'object'
                       THEN twitch.clip(sub -> 'transport' ->> 'callback', 2048) END;
    BEGIN
        r.created_at := (sub ->> 'created_at')::timestamptz;
    EXCEPTION WHEN data_exception THEN
        r.created_at := NULL;
    END;
    r.updated_at := now();
    RETURN r;
END
$$;

-- One subscription as Helix answered it (created, or listed), upserted; a
-- status back to enabled clears revoked_at.
CREATE FUNCTION twitch.subscription_put(sub jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    r twitch.subscriptions := twitch.subscription_row(sub);
BEGIN
    IF r.id IS NULL THEN
        RAISE EXCEPTION 'not a Helix subscription object';
    END IF;
    INSERT INTO twitch.subscriptions AS x
           (id, type, version, broadcaster_user_id, status, callback, created_at, updated_at)
    VALUES (r.id, r.type, r.version, r.broadcaster_user_id, r.status, r.callback, r.created_at, now())
    ON CONFLICT (id) DO UPDATE
       SET type = excluded.type, version = excluded.version,
           broadcaster_user_id = excluded.broadcaster_user_id, status = excluded.status,
           callback = excluded.callback, created_at = excluded.created_at,
           revoked_at = CASE WHEN excluded.status = 'enabled' THEN NULL ELSE x.revoked_at END,
           updated_at = now();
END
$$;

-- The mirror becomes exactly subs (a JSON array of Helix subscription
-- objects, the whole list Helix answered); malformed ones are left out.
CREATE FUNCTION twitch.subscriptions_sync(subs jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    ids text[];
    e   jsonb;
BEGIN
    IF jsonb_typeof(subs) <> 'array' THEN
        RAISE EXCEPTION 'the subscriptions are a JSON array';
    END IF;
    ids := ARRAY(SELECT (twitch.subscription_row(x)).id FROM jsonb_array_elements(subs) x);
    DELETE FROM twitch.subscriptions x WHERE x.id <> ALL (array_remove(ids, NULL));
    FOR e IN SELECT x FROM jsonb_array_elements(subs) x LOOP
        IF (twitch.subscription_row(e)).id IS NOT NULL THEN
            PERFORM twitch.subscription_put(e);
        END IF;
    END LOOP;
END
$$;

-- The subscription was deleted at Twitch.
CREATE FUNCTION twitch.subscription_gone(id text)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    DELETE FROM twitch.subscriptions x WHERE x.id = subscription_gone.id
$$;

-- Twitch revoked the subscription: its status (a malformed one is kept as
-- "revoked") and when are kept, and a reconcile is requested (it creates it
-- again where that can work).
CREATE FUNCTION twitch.subscription_revoked(id text, status text, at timestamptz)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    UPDATE twitch.subscriptions x
       SET status = CASE WHEN subscription_revoked.status ~ '^[a-z0-9_]{1,64}$'
                         THEN subscription_revoked.status ELSE 'revoked' END,
           revoked_at = coalesce(subscription_revoked.at, now()), updated_at = now()
     WHERE x.id = subscription_revoked.id;
    UPDATE twitch.state SET reconcile_seq = reconcile_seq + 1;
$$;

-- Polling ---------------------------------------------------------------------------

-- The broadcasters to poll -> [{"broadcaster_id", "live"}]: every enabled
-- Twitch streamer with an id, live as the database believes.
CREATE FUNCTION twitch.poll_targets()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('broadcaster_id', s.twitch_id, 'live', s.is_live)
                              ORDER BY s.twitch_id), '[]')
      FROM streamers s
     WHERE s.platform = 'twitch' AND s.enabled AND s.twitch_id IS NOT NULL
$$;

-- Stream events ----------------------------------------------------------------------

-- The broadcaster went live with stream twitch_stream_id (stream.online,
-- or a poll that saw it; a poll gives title and category, EventSub not) ->
-- {"ignored": why} for an unknown broadcaster or a disabled streamer, else
-- {"streamer_id", "stream_id", "new_stream", "recording_id", "already"}.
-- A new stream closes the streamer's other open ones, gets its 'online'
-- event, and its recording starts (recorder.start: a `record` job). Twitch
-- re-sends the event: a stream already known starts nothing (its recording
-- is answered, "already": true), even when it ended or its recording did.
CREATE FUNCTION twitch.stream_online(broadcaster_id text, twitch_stream_id text,
                                     started_at timestamptz, title text, category_id text,
                                     category_name text)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s     streamers := twitch.streamer_by_id(broadcaster_id);
    st    streams;
    t0    timestamptz := coalesce(started_at, now());
    ttl   text := twitch.clip(title, 1000);
    cid   text := twitch.clip(category_id, 32);
    cname text := twitch.clip(category_name, 200);
    rec   jsonb;
BEGIN
    IF twitch_stream_id IS NULL OR twitch_stream_id !~ '^[0-9]{1,20}$' THEN
        RAISE EXCEPTION 'a stream id is 1 to 20 digits';
    END IF;
    IF s.id IS NULL THEN
        RETURN '{"ignored": "unknown broadcaster"}';
    END IF;
    IF NOT s.enabled THEN
        RETURN '{"ignored": "streamer disabled"}';
    END IF;
    SELECT * INTO st FROM streams x WHERE x.twitch_stream_id = stream_online.twitch_stream_id FOR UPDATE;
    IF FOUND THEN
        IF st.streamer_id <> s.id THEN
            RETURN '{"ignored": "the stream is another streamer''s"}';
        END IF;
        RETURN jsonb_build_object('streamer_id', s.id, 'stream_id', st.id, 'new_stream', false,
                                  'recording_id', (SELECT max(r.id) FROM recordings r WHERE r.stream_id = st.id),
                                  'already', true);
    END IF;

    UPDATE streams x SET ended_at = greatest(x.started_at, t0)
     WHERE x.streamer_id = s.id AND x.ended_at IS NULL;
    INSERT INTO streams (streamer_id, twitch_stream_id, title, category_id, category_name, started_at,
                         info_at)
    VALUES (s.id, stream_online.twitch_stream_id, coalesce(ttl, ''), cid, cname, t0,
            CASE WHEN ttl IS NOT NULL THEN now() END)
    RETURNING * INTO st;
    INSERT INTO stream_events (stream_id, kind, title, category_id, category_name, occurred_at)
    VALUES (st.id, 'online', ttl, cid, cname, t0);
    UPDATE streamers x SET is_live = true WHERE x.id = s.id AND NOT x.is_live;

    rec := recorder.start(s.id, NULL, NULL, NULL, NULL);
    RETURN jsonb_build_object('streamer_id', s.id, 'stream_id', st.id, 'new_stream', true,
                              'recording_id', rec -> 'recording_id', 'already', rec -> 'already');
END
$$;

-- The broadcaster went offline at at (stream.offline; default now) ->
-- {"ignored"} for an unknown broadcaster, else {"streamer_id", "stopped":
-- [ids]}: its open streams end (an 'offline' event each), it is no longer
-- live, and its Twitch recordings pending or running are asked to stop.
CREATE FUNCTION twitch.stream_offline(broadcaster_id text, at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s       streamers := twitch.streamer_by_id(broadcaster_id);
    t1      timestamptz := coalesce(at, now());
    stopped bigint[];
BEGIN
    IF s.id IS NULL THEN
        RETURN '{"ignored": "unknown broadcaster"}';
    END IF;
    WITH closed AS (
        UPDATE streams x SET ended_at = greatest(x.started_at, t1)
         WHERE x.streamer_id = s.id AND x.ended_at IS NULL
        RETURNING x.id, x.ended_at
    )
    INSERT INTO stream_events (stream_id, kind, occurred_at)
    SELECT c.id, 'offline', c.ended_at FROM closed c;
    UPDATE streamers x SET is_live = false WHERE x.id = s.id AND x.is_live;
    WITH stop AS (
        UPDATE recordings r SET stop_requested = true
         WHERE r.streamer_id = s.id AND r.source_url IS NULL
           AND r.state IN ('pending', 'recording') AND NOT r.stop_requested
        RETURNING r.id
    )
    SELECT coalesce(array_agg(stop.id ORDER BY stop.id), '{}') INTO stopped FROM stop;
    RETURN jsonb_build_object('streamer_id', s.id, 'stopped', to_jsonb(stopped));
END
$$;

-- The broadcaster changed title or category at at (channel.update v2) ->
-- {"ignored"} for an unknown broadcaster, else {"streamer_id", "stream_id"}:
-- an 'update' event of its open stream (a chapter of its recordings);
-- stream_id null when it is not live.
CREATE FUNCTION twitch.channel_update(broadcaster_id text, title text, category_id text,
                                      category_name text, at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s   streamers := twitch.streamer_by_id(broadcaster_id);
    sid bigint;
BEGIN
    IF s.id IS NULL THEN
        RETURN '{"ignored": "unknown broadcaster"}';
    END IF;
    SELECT x.id INTO sid FROM streams x
     WHERE x.streamer_id = s.id AND x.ended_at IS NULL
     ORDER BY x.started_at DESC, x.id DESC LIMIT 1;
    IF sid IS NOT NULL THEN
        INSERT INTO stream_events (stream_id, kind, title, category_id, category_name, occurred_at)
        VALUES (sid, 'update', twitch.clip(title, 1000), twitch.clip(category_id, 32),
                twitch.clip(category_name, 200), coalesce(at, now()));
    END IF;
    RETURN jsonb_build_object('streamer_id', s.id, 'stream_id', sid);
END
$$;

-- Up to lim (1..100) open streams whose title and category were never
-- filled -> [{"stream_id", "broadcaster_id"}], oldest first.
CREATE FUNCTION twitch.streams_without_info(lim integer)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('stream_id', y.id, 'broadcaster_id', y.twitch_id)
                              ORDER BY y.id), '[]')
      FROM (SELECT x.id, s.twitch_id FROM streams x JOIN streamers s ON s.id = x.streamer_id
             WHERE x.ended_at IS NULL AND x.info_at IS NULL AND s.twitch_id IS NOT NULL
             ORDER BY x.id
             LIMIT least(greatest(coalesce(lim, 100), 1), 100)) y
$$;

-- The title and category of stream id_ (Helix channels, looked up soon
-- after its start): the stream and its 'online' event get them.
CREATE FUNCTION twitch.stream_info(stream_id bigint, title text, category_id text,
                                   category_name text)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    UPDATE streams x
       SET title = coalesce(twitch.clip(stream_info.title, 1000), ''),
           category_id = twitch.clip(stream_info.category_id, 32),
           category_name = twitch.clip(stream_info.category_name, 200),
           info_at = now()
     WHERE x.id = stream_info.stream_id;
    UPDATE stream_events e
       SET title = twitch.clip(stream_info.title, 1000),
           category_id = twitch.clip(stream_info.category_id, 32),
           category_name = twitch.clip(stream_info.category_name, 200)
     WHERE e.stream_id = stream_info.stream_id AND e.kind = 'online';
$$;

-- API ------------------------------------------------------------------------------------

-- Admin. As before (002_api.sql), but a Twitch streamer may come with its
-- login alone: twitch_id is optional, the worker resolves it.
CREATE OR REPLACE FUNCTION api.streamers_create(p jsonb)
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
        tid := api_internal.as_text(b -> 'twitch_id', 'twitch_id', 1, 20, '^[0-9]+$', true);
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
        "recording.rollover_hours": 24
    }'::jsonb
$$;

-- A secret setting as the module sealed it (lib/sv_secretbox.h), or null.
-- A plaintext that reached the function without the module is refused and
-- never stored.
CREATE FUNCTION api_internal.as_sealed(v jsonb, field text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    s text := api_internal.as_text(v, field, 1, 4100, NULL, true);
BEGIN
    IF s IS NOT NULL AND twitch.sealed(s) IS NULL THEN
        PERFORM api_internal.invalid(field, field || ' must be sealed: send it through PUT '
                                            || '/api/settings, the module seals it');
    END IF;
    RETURN s;
END
$$;

-- -> {key: value} for every known setting, defaults filled in; the
-- secrets twitch.client_secret, twitch.user_token and
-- twitch.eventsub_secret show only {"set": bool}.
CREATE OR REPLACE FUNCTION api.settings_get(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    d   jsonb := api_internal.setting_defaults();
    r   jsonb;
    k   text;
BEGIN
    r := d || coalesce((SELECT jsonb_object_agg(s.key, s.value) FROM settings s WHERE d ? s.key), '{}')
           || jsonb_build_object('twitch.eventsub_secret',
                                 (SELECT s.value FROM settings s WHERE s.key = 'twitch.eventsub_secret'));
    FOREACH k IN ARRAY '{twitch.client_secret,twitch.user_token,twitch.eventsub_secret}'::text[] LOOP
        r := jsonb_set(r, ARRAY[k], jsonb_build_object('set', coalesce(jsonb_typeof(r -> k), 'null') <> 'null'));
    END LOOP;
    RETURN r;
END
$$;

-- body {key: value, ...} of known keys only, each validated; null resets a
-- key to its default -> the settings as settings_get answers them. The
-- secrets twitch.client_secret and twitch.user_token are accepted sealed
-- only (the module seals what PUT /api/settings carries).
CREATE OR REPLACE FUNCTION api.settings_put(p jsonb)
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

CREATE TYPE api_internal.subscription_out AS (
    id text, type text, version text, broadcaster_user_id text, streamer api_internal.streamer_ref,
    status text, callback text, created_at timestamptz, revoked_at timestamptz,
    updated_at timestamptz);

-- Plain SQL without a SET clause, so that it is inlined (see 002_api.sql).
CREATE FUNCTION api_internal.out_subscription(x twitch.subscriptions, streamer_id bigint,
                                              login text, display_name text)
RETURNS api_internal.subscription_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(x.id, x.type, x.version, x.broadcaster_user_id,
               CASE WHEN streamer_id IS NOT NULL
                    THEN ROW(streamer_id, login, display_name)::api_internal.streamer_ref END,
               x.status, x.callback, x.created_at, x.revoked_at,
               x.updated_at)::api_internal.subscription_out
$$;

-- Admin -> {"items": [every subscription of the mirror, with its streamer
-- {"id", "login", "display_name"} or null, by broadcaster and type],
-- "status": the Twitch state (the worker's service: mode, reason, breaker,
-- token, ... see README "Twitch"; "subscriptions": {status: count}; the
-- seqs requested and handled)}.
CREATE FUNCTION api.twitch_subscriptions(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
BEGIN
    RETURN jsonb_build_object(
        'items', to_jsonb(ARRAY(
            SELECT api_internal.out_subscription(x, s.id, s.login, s.display_name)
              FROM twitch.subscriptions x
              LEFT JOIN streamers s ON s.twitch_id = x.broadcaster_user_id
             ORDER BY x.broadcaster_user_id, x.type, x.id)),
        'status', twitch.status());
END
$$;

-- Admin, body {} or none: delete and create every subscription again (the
-- worker does it at its next pass) -> {"resubscribe_seq": n}.
CREATE FUNCTION api.twitch_resubscribe(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    n   bigint;
BEGIN
    PERFORM api_internal.body(p, '{}');
    UPDATE twitch.state st SET resubscribe_seq = st.resubscribe_seq + 1
    RETURNING st.resubscribe_seq INTO n;
    RETURN jsonb_build_object('resubscribe_seq', n);
END
$$;

-- The status 002_api.sql answers, kept (in api_internal: no route) for
-- api.system_status to extend.
ALTER FUNCTION api.system_status(jsonb) SET SCHEMA api_internal;
ALTER FUNCTION api_internal.system_status(jsonb) RENAME TO system_status_base;

-- As before (002_api.sql), with "twitch": the Twitch state as
-- twitch_subscriptions answers it.
CREATE FUNCTION api.system_status(p jsonb)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT api_internal.system_status_base(p) || jsonb_build_object('twitch', twitch.status())
$$;
