-- StreamVault: share links (viewing codes).
--
-- A share link lets whoever holds its code watch one recording, or every
-- ready recording of one streamer, until it expires or is revoked. The
-- module makes the code ("sv_<prefix>_<secret>", as for API tokens) and only
-- its SHA-256 is stored. A viewer exchanges the code for signed media URLs
-- (POST /api/shared) that carry the share's id: nginx asks
-- api_internal.share_active when such a URL's playlist is requested, so a
-- revocation stops new playback at once (the segments of a playlist already
-- loaded keep working until their URLs expire, at most the share's expiry).
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

CREATE TABLE share_links (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix          text NOT NULL UNIQUE,
    token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    recording_id    bigint REFERENCES recordings (id) ON DELETE CASCADE,
    streamer_id     bigint REFERENCES streamers (id) ON DELETE CASCADE,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CHECK ((recording_id IS NULL) <> (streamer_id IS NULL))
);

CREATE TYPE api_internal.share_out AS (
    id bigint, name text, prefix text, recording_id bigint, streamer_id bigint,
    created_at timestamptz, expires_at timestamptz, revoked_at timestamptz, active boolean);

CREATE FUNCTION api_internal.out_share(s share_links)
RETURNS api_internal.share_out
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT ROW(s.id, s.name, s.prefix, s.recording_id, s.streamer_id, s.created_at, s.expires_at,
               s.revoked_at, s.revoked_at IS NULL AND s.expires_at > now())::api_internal.share_out
$$;

-- Whether share id_ still lets its holder watch: nginx's check when a
-- playlist of a URL made for it is requested.
CREATE FUNCTION api_internal.share_active(id_ bigint)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT coalesce((SELECT s.revoked_at IS NULL AND s.expires_at > now()
                       FROM share_links s WHERE s.id = id_), false)
$$;

-- Admin: {"recording_id" | "streamer_id", "name"?, "expires_in_hours"?
-- (1..8760, default 168)} with the module's token, token_prefix and
-- token_hash -> the share with "token" (shown once).
CREATE FUNCTION api.shares_create(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    uid    bigint := api_internal.require_admin(p);
    b      jsonb := api_internal.body(p, '{recording_id,streamer_id,name,expires_in_hours,token_prefix,token_hash,token}',
                                      '{token_prefix,token_hash,token}');
    rec    bigint := api_internal.as_int(b -> 'recording_id', 'recording_id', 1, 9007199254740991, true);
    str    bigint := api_internal.as_int(b -> 'streamer_id', 'streamer_id', 1, 9007199254740991, true);
    hours  bigint := coalesce(api_internal.as_int(b -> 'expires_in_hours', 'expires_in_hours', 1, 8760, true), 168);
    name_  text := api_internal.as_text(b -> 'name', 'name', 1, 100, NULL, true);
    pfx    text := api_internal.as_text(b -> 'token_prefix', 'token_prefix', 8, 16, '^[A-Za-z0-9]+$');
    hex    text := api_internal.as_text(b -> 'token_hash', 'token_hash', 64, 64, '^[0-9a-f]+$');
    token  text := api_internal.as_text(b -> 'token', 'token', 1, 256, '^[!-~]+$');
    s      share_links;
BEGIN
    IF (rec IS NULL) = (str IS NULL) THEN
        PERFORM api_internal.invalid('recording_id', 'give exactly one of recording_id and streamer_id');
    END IF;
    IF left(token, length(pfx) + 4) <> ('sv_' || pfx || '_')
       OR sha256(convert_to(token, 'UTF8')) <> decode(hex, 'hex') THEN
        PERFORM api_internal.invalid('token', 'token must be sv_<token_prefix>_<secret> of token_hash');
    END IF;
    IF rec IS NOT NULL AND NOT EXISTS (SELECT 1 FROM recordings x WHERE x.id = rec AND x.state <> 'deleted') THEN
        PERFORM api_internal.not_found('recording ' || rec);
    END IF;
    IF str IS NOT NULL AND NOT EXISTS (SELECT 1 FROM streamers x WHERE x.id = str) THEN
        PERFORM api_internal.not_found('streamer ' || str);
    END IF;
    IF EXISTS (SELECT 1 FROM share_links x WHERE x.prefix = pfx OR x.token_hash = decode(hex, 'hex')) THEN
        PERFORM api_internal.conflict('token prefix already in use');
    END IF;
    INSERT INTO share_links (prefix, token_hash, name, recording_id, streamer_id, created_by, expires_at)
    VALUES (pfx, decode(hex, 'hex'),
            coalesce(name_, CASE WHEN rec IS NOT NULL THEN 'recording ' || rec ELSE 'streamer ' || str END),
            rec, str, uid, now() + make_interval(hours => hours::integer))
    RETURNING * INTO s;
    RETURN to_jsonb(api_internal.out_share(s)) || jsonb_build_object('token', token);
END
$$;

-- Admin: every share link, newest first.
CREATE FUNCTION api.shares_list(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM api_internal.require_admin(p);
    RETURN coalesce((SELECT jsonb_agg(to_jsonb(api_internal.out_share(s)) ORDER BY s.id DESC)
                       FROM share_links s), '[]');
END
$$;

-- Admin: revokes share {id} (again: no change) -> the share.
CREATE FUNCTION api.shares_revoke(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    id_ bigint := api_internal.param_id(p);
    s   share_links;
BEGIN
    PERFORM api_internal.require_admin(p);
    PERFORM api_internal.body(p, '{}');
    UPDATE share_links x SET revoked_at = coalesce(x.revoked_at, now()) WHERE x.id = id_
    RETURNING * INTO s;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('share ' || id_);
    END IF;
    RETURN to_jsonb(api_internal.out_share(s));
END
$$;

-- Anyone with a code: {"token_hash"} (the module hashes the "token" it is
-- given) -> {"share", "expires_at" (Unix seconds), "name", "recordings":
-- [{"id", "title", "streamer", "started_at", "duration_ms", "files"}]}:
-- the ready recordings in its scope, newest first (at most 500), "files" as
-- api.recordings_media names them, for the module to sign with the share.
-- 404 for an unknown, expired or revoked code alike.
CREATE FUNCTION api.shared_media(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    b    jsonb := api_internal.body(p, '{token_hash}', '{token_hash}');
    hex  text := api_internal.as_text(b -> 'token_hash', 'token_hash', 64, 64, '^[0-9a-f]+$');
    s    share_links;
BEGIN
    SELECT * INTO s FROM share_links x
     WHERE x.token_hash = decode(hex, 'hex') AND x.revoked_at IS NULL AND x.expires_at > now();
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('share link');
    END IF;
    RETURN jsonb_build_object(
        'share', s.id,
        'name', s.name,
        'expires_at', floor(extract(epoch FROM s.expires_at))::bigint,
        'recordings', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                       'id', r.id, 'title', r.title, 'streamer', st.display_name,
                       'started_at', r.started_at, 'duration_ms', r.duration_ms,
                       'files', api_internal.media_files(r))
                   ORDER BY r.started_at DESC NULLS LAST, r.id DESC)
              FROM (SELECT * FROM recordings x
                     WHERE x.state = 'ready' AND x.file_path IS NOT NULL
                       AND (x.id = s.recording_id OR x.streamer_id = s.streamer_id)
                     ORDER BY x.started_at DESC NULLS LAST, x.id DESC LIMIT 500) r
              LEFT JOIN streamers st ON st.id = r.streamer_id), '[]'));
END
$$;
