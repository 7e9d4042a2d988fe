-- The library: what the worker's post-processing reads and writes.
--
-- A recording becomes a library item through a chain of jobs (remux ->
-- validate -> {thumbnails, chapters, nfo} -> finish) that the postprocess
-- job plans from library.plan() and the finish job ends with
-- library.finish(). Each job carries the recording's id, so a job that runs
-- out of attempts fails its recording here, and a retry revives it.

CREATE SCHEMA library;

-- An imported file waits here (relative to the media root) until its
-- remux, and is deleted once the video is validated unless import_keep;
-- import_job makes an import idempotent: the same job, one recording.
ALTER TABLE recordings
    ADD COLUMN import_path text CHECK (import_path !~ '(^/|(^|/)\.\.(/|$))'),
    ADD COLUMN import_keep boolean NOT NULL DEFAULT false,
    ADD COLUMN import_job uuid UNIQUE;

-- A text as one line for the jobs: control characters become spaces,
-- at most 256 characters (at most 1024 bytes, what the jobs take), NULL
-- when nothing is left.
CREATE FUNCTION library.one_line(t text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT nullif(btrim(left(regexp_replace(t, '[[:cntrl:]]+', ' ', 'g'), 256)), '')
$$;

-- Season YYYYMM of the month the recording started (UTC), episode numbers
-- counting up within a streamer's season; both kept once given, so a
-- re-run names the files the same. The advisory lock serialises numbering
-- per streamer; the unique (streamer_id, season, episode) stays the proof.
CREATE FUNCTION library.number_episode(rec recordings)
RETURNS recordings
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    season_ integer;
BEGIN
    IF rec.season IS NOT NULL AND rec.episode IS NOT NULL THEN
        RETURN rec;
    END IF;
    season_ := to_char(coalesce(rec.started_at, rec.created_at) AT TIME ZONE 'UTC', 'YYYYMM')::integer;
    PERFORM pg_advisory_xact_lock(hashtext('streamvault.episode'), coalesce(rec.streamer_id, 0)::integer);
    UPDATE recordings r
       SET season = season_,
           episode = 1 + coalesce((SELECT max(o.episode) FROM recordings o
                                    WHERE o.streamer_id IS NOT DISTINCT FROM rec.streamer_id
                                      AND o.season = season_), 0)
     WHERE r.id = rec.id
    RETURNING * INTO rec;
    RETURN rec;
END
$$;

-- Everything the postprocess job needs to plan a recording's jobs, the
-- recording set to 'processing' and numbered:
-- {"id", "title", "started_at", "date": "YYYY-MM-DD", "time": "HHMMSS",
--  "season", "episode", "raw_dir", "import_path", "file_path",
--  "duration_s", "template", "streamer": {"login", "display_name",
--  "description", "twitch_id", "profile_image_url", "offline_image_url"} | null,
--  "category", "events": [{"at_s", "title", "category"}]}.
-- Fails for a recording that is not there, still being recorded or deleted.
CREATE FUNCTION library.plan(id_ bigint)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    rec    recordings;
    s      streamers;
    st     streams;
    t0     timestamptz;
    events jsonb;
BEGIN
    SELECT * INTO rec FROM recordings r WHERE r.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'recording % does not exist', id_;
    END IF;
    IF rec.state IN ('pending', 'recording', 'finalizing', 'deleted') THEN
        RAISE EXCEPTION 'recording % is %, not ready for post-processing', id_, rec.state;
    END IF;
    rec := library.number_episode(rec);
    UPDATE recordings r SET state = 'processing', error = NULL WHERE r.id = id_;
    SELECT * INTO s FROM streamers x WHERE x.id = rec.streamer_id;
    SELECT * INTO st FROM streams x WHERE x.id = rec.stream_id;
    t0 := coalesce(rec.started_at, st.started_at, rec.created_at);

    -- The stream's title and category when the recording began, then every
    -- change: the chapters. As many as fit in 24 KB of JSON, so that the
    -- jobs carrying them stay well within a job's 64 KiB.
    events := coalesce((SELECT jsonb_agg(x.ev ORDER BY x.n) FROM (
                  SELECT y.ev, y.n, sum(octet_length(y.ev::text)) OVER (ORDER BY y.n) AS total
                    FROM (SELECT jsonb_strip_nulls(jsonb_build_object(
                                     'at_s', greatest(0, extract(epoch FROM e.occurred_at - t0))::float8,
                                     'title', library.one_line(e.title),
                                     'category', library.one_line(e.category_name))) AS ev,
                                 row_number() OVER (ORDER BY e.occurred_at, e.id) AS n
                            FROM stream_events e
                           WHERE e.stream_id = rec.stream_id AND e.kind IN ('online', 'update')
                             AND coalesce(library.one_line(e.title), library.one_line(e.category_name))
                                 IS NOT NULL) y) x
                 WHERE x.total <= 24000), '[]');
    IF st.id IS NOT NULL AND (events = '[]' OR (events -> 0 ->> 'at_s')::float8 > 0) THEN
        events := jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                      'at_s', 0, 'title', library.one_line(st.title),
                      'category', library.one_line(st.category_name))))
                  || events;
    END IF;

    RETURN jsonb_strip_nulls(jsonb_build_object(
        'id', rec.id,
        'title', coalesce(library.one_line(rec.title), library.one_line(st.title),
                          to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')),
        'started_at', t0,
        'date', to_char(t0 AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
        'time', to_char(t0 AT TIME ZONE 'UTC', 'HH24MISS'),
        'season', rec.season,
        'episode', rec.episode,
        'raw_dir', rec.raw_dir,
        'import_path', rec.import_path,
        'import_keep', rec.import_keep,
        'file_path', rec.file_path,
        'duration_s', CASE WHEN rec.ended_at IS NOT NULL AND rec.started_at IS NOT NULL
                           THEN extract(epoch FROM rec.ended_at - rec.started_at)::float8 END,
        'template', coalesce(s.filename_template,
                             (SELECT x.value #>> '{}' FROM settings x
                               WHERE x.key = 'storage.filename_template')),
        'streamer', CASE WHEN s.id IS NOT NULL THEN jsonb_build_object(
                        'login', s.login, 'display_name', library.one_line(s.display_name),
                        'description', nullif(s.description, ''), 'twitch_id', s.twitch_id,
                        'profile_image_url', s.profile_image_url,
                        'offline_image_url', s.offline_image_url) END,
        'category', library.one_line(st.category_name),
        'events', events));
END
$$;

-- The finish job's record of a finished item: p = {"video", "bytes",
-- "duration_ms", "assets": [{"kind", "path", "bytes", "mime_type"}]}.
-- The recording becomes 'ready' with exactly these assets; -> {"stale":
-- [paths of assets an earlier run made that this one did not]} for the
-- worker to delete.
CREATE FUNCTION library.finish(id_ bigint, p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    stale jsonb;
BEGIN
    PERFORM 1 FROM recordings r WHERE r.id = id_ AND r.state <> 'deleted' FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'recording % does not exist or was deleted', id_;
    END IF;
    WITH new AS (
        SELECT a.kind, a.path, a.bytes, a.mime_type
          FROM jsonb_to_recordset(p -> 'assets') AS a(kind text, path text, bytes bigint, mime_type text)
    ), gone AS (
        DELETE FROM media_assets m
         WHERE m.recording_id = id_
           AND NOT EXISTS (SELECT 1 FROM new WHERE new.kind = m.kind AND new.path = m.path)
        RETURNING m.path
    ), kept AS (
        INSERT INTO media_assets AS m (recording_id, kind, path, bytes, mime_type)
        SELECT id_, new.kind, new.path, new.bytes, new.mime_type FROM new
        ON CONFLICT (recording_id, kind, path) DO UPDATE
            SET bytes = excluded.bytes, mime_type = excluded.mime_type
        RETURNING m.path
    )
    -- a path another asset still uses (same file, new kind) is not stale
    SELECT coalesce(jsonb_agg(DISTINCT g.path), '[]') INTO stale
      FROM gone g WHERE g.path NOT IN (SELECT k.path FROM kept k);
    UPDATE recordings r
       SET state = 'ready', error = NULL, file_path = p ->> 'video',
           bytes = (p ->> 'bytes')::bigint, duration_ms = (p ->> 'duration_ms')::bigint,
           import_path = NULL
     WHERE r.id = id_;
    RETURN jsonb_build_object('stale', stale);
END
$$;

-- A job of a recording that runs out of attempts fails the recording (its
-- item will not be finished); retried, the recording is processed again.
-- Artwork belongs to the show and carries no recording.
CREATE FUNCTION library.job_state_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
BEGIN
    IF NEW.state = 'dead' THEN
        UPDATE recordings r
           SET state = 'failed',
               error = left(NEW.type || ': ' || coalesce(NEW.last_error, 'failed'), 1000)
         WHERE r.id = NEW.recording_id AND r.state = 'processing';
    ELSIF NEW.state IN ('queued', 'waiting', 'running') THEN
        UPDATE recordings r SET state = 'processing', error = NULL
         WHERE r.id = NEW.recording_id AND r.state = 'failed';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_recording_state
    AFTER INSERT OR UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.recording_id IS NOT NULL)
    EXECUTE FUNCTION library.job_state_changed();

-- The recording of an import job (the same one on every run of the job):
-- the file at path (relative to the media root) as the media, the
-- streamer by login (none: not a streamer's), the title (default: the
-- file's name) and the day it happened (default: today) -> its id.
CREATE FUNCTION library.import_create(job uuid, path text, login text, title text,
                                      day date, keep boolean)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    sid bigint;
    id_ bigint;
BEGIN
    SELECT r.id INTO id_ FROM recordings r WHERE r.import_job = job;
    IF FOUND THEN
        RETURN id_;
    END IF;
    IF login IS NOT NULL THEN
        SELECT s.id INTO sid FROM streamers s WHERE lower(s.login) = lower(import_create.login)
         ORDER BY s.platform = 'twitch' DESC LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no streamer "%"', left(login, 64);
        END IF;
    END IF;
    INSERT INTO recordings (streamer_id, state, title, import_path, import_keep, import_job,
                            started_at)
    VALUES (sid, 'processing',
            left(coalesce(title, regexp_replace(regexp_replace(path, '^.*/', ''), '\.[^.]*$', '')), 1000),
            path, keep, job,
            coalesce(day::timestamptz, now()))
    RETURNING id INTO id_;
    RETURN id_;
END
$$;

-- API ----------------------------------------------------------------------------

-- A job as the API queues it: a row PostgreSQL keeps and the worker, told
-- by pg_notify('streamvault_jobs'), puts on the queue.
CREATE FUNCTION api_internal.queue_job(type_ text, payload_ jsonb, recording bigint)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    j jobs;
BEGIN
    INSERT INTO jobs (id, type, state, priority, payload, recording_id)
    VALUES (gen_random_uuid(), type_, 'queued', 1, payload_, recording)
    RETURNING * INTO j;
    PERFORM pg_notify('streamvault_jobs', j.id::text);
    RETURN to_jsonb(api_internal.out_job(j));
END
$$;

-- Admin: body {"path": "import/...", "streamer_id"?, "title"?, "date"?,
-- "keep"?} -> 202 and the import job.
CREATE FUNCTION api.recordings_import(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_   bigint := api_internal.require_admin(p);
    b     jsonb := api_internal.body(p, '{path,streamer_id,title,date,keep}', '{path}');
    path_ text := api_internal.as_text(b -> 'path', 'path', 8, 1024);
    sid   bigint := api_internal.as_int(b -> 'streamer_id', 'streamer_id', 1, 999999999999999999, true);
    pl    jsonb;
    login_ text;
BEGIN
    IF path_ !~ '^import/' OR path_ ~ '(^|/)\.{0,2}(/|$)' OR path_ ~ '[\x01-\x1f\x7f\\]' THEN
        PERFORM api_internal.invalid('path', 'path must name a file in the import folder ("import/...")');
    END IF;
    pl := jsonb_build_object('path', path_);
    IF sid IS NOT NULL THEN
        SELECT s.login INTO login_ FROM streamers s WHERE s.id = sid;
        IF NOT FOUND THEN
            PERFORM api_internal.invalid('streamer_id', 'no streamer ' || sid);
        END IF;
        pl := pl || jsonb_build_object('streamer', login_);
    END IF;
    IF b ? 'title' THEN
        pl := pl || jsonb_build_object('title', api_internal.as_text(b -> 'title', 'title', 1, 1000));
    END IF;
    IF b ? 'date' THEN
        IF jsonb_typeof(b -> 'date') <> 'string' OR (b ->> 'date') !~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$' THEN
            PERFORM api_internal.invalid('date', 'date must be YYYY-MM-DD');
        END IF;
        pl := pl || jsonb_build_object('date', b ->> 'date');
    END IF;
    IF b ? 'keep' THEN
        pl := pl || jsonb_build_object('keep', api_internal.as_bool(b -> 'keep', 'keep'));
    END IF;
    RETURN api_internal.queue_job('import', pl, NULL);
END
$$;

-- The state of recording id_, its row locked; 404 when there is none.
CREATE FUNCTION api_internal.lock_recording(id_ bigint)
RETURNS text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    st text;
BEGIN
    SELECT x.state INTO st FROM recordings x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('recording ' || id_);
    END IF;
    RETURN st;
END
$$;

-- Admin: post-process a recording again (its sidecars, NFO and record; the
-- remux too while raw segments remain) -> 202 and the postprocess job.
-- 409 while it is recorded, already being processed, or deleted.
CREATE FUNCTION api.recordings_postprocess(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
    st  text;
BEGIN
    PERFORM api_internal.body(p, '{}');
    st := api_internal.lock_recording(id_);
    IF st NOT IN ('ready', 'failed') THEN
        PERFORM api_internal.conflict('the recording is ' || st || '; only ready or failed ones can be processed again');
    END IF;
    RETURN api_internal.queue_job('postprocess', '{}', id_);
END
$$;
