-- StreamVault schema, first migration.
--
-- Migrations are applied by streamvault-worker in order, each inside one
-- transaction that the runner opens: no BEGIN/COMMIT in these files. An
-- applied migration is never edited; changes come as a new NNN_name.sql.
--
-- Tables hold the source of truth; the REST API reads and writes them only
-- through functions in schema "api" (added by later migrations).

CREATE SCHEMA api;

CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- People who log in to the web UI or own API tokens.
CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL,
    password_hash   text NOT NULL,
    role            text NOT NULL DEFAULT 'viewer' CHECK (role IN ('admin', 'viewer')),
    disabled        boolean NOT NULL DEFAULT false,
    failed_logins   integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    timestamptz,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_format CHECK (username ~ '^[A-Za-z0-9._-]{1,64}$'),
    -- crypt(3) strings of slow hashes only: yescrypt, argon2 or bcrypt.
    CONSTRAINT users_password_hash_slow CHECK (password_hash ~ '^\$(y|gy|7|argon2id|2b)\$')
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE TRIGGER users_touch BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Browser sessions. The cookie carries a random token; only its SHA-256 is
-- stored, so a leaked table grants no session.
CREATE TABLE sessions (
    token_hash      bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    client_ip       inet,
    user_agent      text CHECK (length(user_agent) <= 512)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Tokens for scripts: "Authorization: Bearer <prefix>_<secret>". The prefix
-- finds the row, the hash proves the secret.
CREATE TABLE api_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix          text NOT NULL UNIQUE CHECK (prefix ~ '^[A-Za-z0-9]{8,16}$'),
    token_hash      bytea NOT NULL CHECK (length(token_hash) = 32),
    scopes          text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    expires_at      timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Channels we watch. Twitch ones carry twitch_id/login; any other source
-- (HLS, RTMP, RTSP, SRT, HTTP, Icecast) is a source_url.
CREATE TABLE streamers (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform            text NOT NULL DEFAULT 'twitch' CHECK (platform IN ('twitch', 'url')),
    twitch_id           text UNIQUE CHECK (twitch_id ~ '^[0-9]{1,20}$'),
    login               text NOT NULL CHECK (login ~ '^[A-Za-z0-9_.-]{1,64}$'),
    display_name        text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    profile_image_url   text CHECK (length(profile_image_url) <= 2048),
    offline_image_url   text CHECK (length(offline_image_url) <= 2048),
    source_url          text CHECK (length(source_url) <= 2048),
    enabled             boolean NOT NULL DEFAULT true,
    quality             text NOT NULL DEFAULT 'best' CHECK (length(quality) BETWEEN 1 AND 32),
    filename_template   text CHECK (length(filename_template) <= 512),
    retention           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(retention) = 'object'),
    chat_archive        boolean NOT NULL DEFAULT false,
    proxy_url           text CHECK (length(proxy_url) <= 2048),
    is_live             boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT streamers_source CHECK (
        (platform = 'twitch' AND twitch_id IS NOT NULL) OR
        (platform = 'url' AND source_url IS NOT NULL))
);
CREATE UNIQUE INDEX streamers_login_key ON streamers (platform, lower(login));
CREATE TRIGGER streamers_touch BEFORE UPDATE ON streamers
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- One row per broadcast. Twitch re-sends stream.online with new message ids;
-- the unique Twitch stream id is what makes one broadcast one stream.
CREATE TABLE streams (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    streamer_id         bigint NOT NULL REFERENCES streamers (id) ON DELETE CASCADE,
    twitch_stream_id    text UNIQUE CHECK (twitch_stream_id ~ '^[0-9]{1,20}$'),
    title               text NOT NULL DEFAULT '' CHECK (length(title) <= 1000),
    category_id         text CHECK (length(category_id) <= 32),
    category_name       text CHECK (length(category_name) <= 200),
    started_at          timestamptz NOT NULL DEFAULT now(),
    ended_at            timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX streams_streamer_idx ON streams (streamer_id, started_at DESC);

-- Title and category changes during a broadcast (channel.update): the
-- chapters of its recordings.
CREATE TABLE stream_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id       bigint NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('online', 'offline', 'update')),
    title           text CHECK (length(title) <= 1000),
    category_id     text CHECK (length(category_id) <= 32),
    category_name   text CHECK (length(category_name) <= 200),
    occurred_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stream_events_stream_idx ON stream_events (stream_id, occurred_at);

-- A recording: raw segments while it runs, one library item when processed.
-- Paths are relative to the media root and never leave it.
CREATE TABLE recordings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    streamer_id     bigint REFERENCES streamers (id) ON DELETE SET NULL,
    stream_id       bigint REFERENCES streams (id) ON DELETE SET NULL,
    source_url      text CHECK (length(source_url) <= 2048),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN
                        ('pending', 'recording', 'finalizing', 'processing',
                         'ready', 'failed', 'deleted')),
    title           text NOT NULL DEFAULT '' CHECK (length(title) <= 1000),
    raw_dir         text CHECK (raw_dir !~ '(^/|(^|/)\.\.(/|$))'),
    file_path       text CHECK (file_path !~ '(^/|(^|/)\.\.(/|$))'),
    bytes           bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    duration_ms     bigint CHECK (duration_ms >= 0),
    season          integer CHECK (season > 0),
    episode         integer CHECK (episode > 0),
    worker_id       text,
    error           text,
    started_at      timestamptz,
    ended_at        timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (streamer_id, season, episode)
);
CREATE INDEX recordings_state_idx ON recordings (state);
CREATE INDEX recordings_streamer_idx ON recordings (streamer_id, created_at DESC);
CREATE TRIGGER recordings_touch BEFORE UPDATE ON recordings
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Files that belong to a recording besides the video.
CREATE TABLE media_assets (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recording_id    bigint NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN
                        ('video', 'fragment_index', 'thumbnail', 'sprite', 'sprite_vtt',
                         'chapters_vtt', 'chapters_xml', 'nfo', 'poster', 'fanart',
                         'banner', 'chat')),
    path            text NOT NULL CHECK (path !~ '(^/|(^|/)\.\.(/|$))'),
    bytes           bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    mime_type       text NOT NULL CHECK (length(mime_type) <= 100),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (recording_id, kind, path)
);

-- The mirror of the Redis queue that the API and the UI read. Redis moves
-- the jobs; this table remembers them.
CREATE TABLE jobs (
    id              uuid PRIMARY KEY,
    type            text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_.]{0,63}$'),
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN
                        ('waiting', 'queued', 'running', 'succeeded', 'failed',
                         'dead', 'cancelled', 'rejected')),
    priority        smallint NOT NULL DEFAULT 0,
    payload         jsonb NOT NULL DEFAULT '{}',
    recording_id    bigint REFERENCES recordings (id) ON DELETE CASCADE,
    depends_on      uuid[] NOT NULL DEFAULT '{}',
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts    integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    progress        real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    last_error      text,
    worker_id       text,
    run_after       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX jobs_state_idx ON jobs (state, type);
CREATE INDEX jobs_recording_idx ON jobs (recording_id);
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Recordings on a cron schedule, of a streamer or of any source URL.
CREATE TABLE schedules (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    streamer_id     bigint REFERENCES streamers (id) ON DELETE CASCADE,
    source_url      text CHECK (length(source_url) <= 2048),
    cron            text NOT NULL CHECK (length(cron) <= 200),
    timezone        text NOT NULL DEFAULT 'UTC',
    duration_s      integer NOT NULL CHECK (duration_s BETWEEN 1 AND 172800),
    enabled         boolean NOT NULL DEFAULT true,
    last_fired_at   timestamptz,
    next_run_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (streamer_id IS NOT NULL OR source_url IS NOT NULL)
);
CREATE TRIGGER schedules_touch BEFORE UPDATE ON schedules
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Global settings, one JSON value per key; validated by the api functions.
CREATE TABLE settings (
    key             text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,63}$'),
    value           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER settings_touch BEFORE UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
