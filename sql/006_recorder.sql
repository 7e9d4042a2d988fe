-- StreamVault: recordings while they are recorded.
--
-- A recording starts 'pending' with a queued `record` job (from the API, a
-- schedule, an injected job, EventSub); the worker that takes the job claims
-- it ('recording', its worker_id, raw_dir) and records into raw_dir until the
-- stream ends, the duration is reached, it is stopped or it fails. Its
-- worker reports bytes and media time every few seconds (progress_at), so a
-- recording whose worker is gone is noticed (a ghost) and finalized by any
-- other worker. On its end the recording goes to 'processing' and its
-- `postprocess` job is queued; a recording that got nothing is 'failed'.
-- Long recordings roll over: the part ends like any recording and the next
-- part (part + 1) starts at once on the same worker.
--
-- Schema "recorder" holds what the worker calls.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

CREATE SCHEMA recorder;

ALTER TABLE recordings
    ADD COLUMN stop_requested boolean NOT NULL DEFAULT false,
    ADD COLUMN bytes_per_s bigint NOT NULL DEFAULT 0 CHECK (bytes_per_s >= 0),
    ADD COLUMN progress_at timestamptz,
    ADD COLUMN duration_limit_s integer CHECK (duration_limit_s BETWEEN 1 AND 172800),
    ADD COLUMN part integer NOT NULL DEFAULT 1 CHECK (part BETWEEN 1 AND 10000),
    ADD COLUMN schedule_id bigint REFERENCES schedules (id) ON DELETE SET NULL,
    ADD COLUMN end_reason text CHECK (end_reason IN
                   ('ended', 'duration', 'size', 'stopped', 'stalled', 'failed', 'disk',
                    'ghost', 'rollover'));

-- Every recording the API shows says why it ended and which part it is.
ALTER TYPE api_internal.recording_out ADD ATTRIBUTE end_reason text, ADD ATTRIBUTE part integer;

CREATE OR REPLACE FUNCTION api_internal.out_recording(r public.recordings, login text,
                                                      display_name text, admin boolean)
RETURNS api_internal.recording_out
LANGUAGE sql IMMUTABLE
AS $$
    SELECT ROW(r.id, r.streamer_id,
               CASE WHEN r.streamer_id IS NOT NULL
                    THEN ROW(r.streamer_id, login, display_name)::api_internal.streamer_ref END,
               r.stream_id, api_internal.mask_url(r.source_url, admin), r.state, r.title, r.file_path,
               r.bytes, r.duration_ms, r.season, r.episode, r.error, r.started_at, r.ended_at,
               r.created_at, r.updated_at, r.end_reason, r.part)::api_internal.recording_out
$$;

-- The running ones, looked up by worker and for ghosts.
CREATE INDEX recordings_running_idx ON recordings (worker_id, progress_at)
    WHERE state = 'recording';

-- A new pending recording of a streamer (by id) or of a source URL, with a
-- duration limit (NULL: until the stream ends) -> {"recording_id",
-- "already"}. One broadcast is one recording: when the streamer has one
-- pending or running already, that one is answered with "already": true.
CREATE FUNCTION recorder.create(streamer bigint, source text, duration_s integer, title_ text,
                                schedule bigint)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    s    streamers;
    id_  bigint;
    sid  bigint;
BEGIN
    IF (streamer IS NULL) = (source IS NULL) THEN
        RAISE EXCEPTION 'a recording is of a streamer or of a source URL';
    END IF;
    IF streamer IS NOT NULL THEN
        SELECT * INTO s FROM streamers x WHERE x.id = streamer FOR UPDATE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no streamer %', streamer;
        END IF;
        SELECT r.id INTO id_ FROM recordings r
         WHERE r.streamer_id = streamer AND r.state IN ('pending', 'recording')
         ORDER BY r.id LIMIT 1;
        IF FOUND THEN
            RETURN jsonb_build_object('recording_id', id_, 'already', true);
        END IF;
        SELECT x.id INTO sid FROM streams x
         WHERE x.streamer_id = streamer AND x.ended_at IS NULL
         ORDER BY x.started_at DESC LIMIT 1;
    END IF;
    INSERT INTO recordings (streamer_id, stream_id, source_url, state, title, duration_limit_s,
                            schedule_id)
    VALUES (streamer, sid, source, 'pending', left(coalesce(title_, ''), 1000), duration_s,
            schedule)
    RETURNING id INTO id_;
    RETURN jsonb_build_object('recording_id', id_, 'already', false);
END
$$;

-- The streamer an injected job names by login (a Twitch one first).
CREATE FUNCTION recorder.streamer_id(login_ text)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    id_ bigint;
BEGIN
    SELECT s.id INTO id_ FROM streamers s WHERE lower(s.login) = lower(login_)
     ORDER BY s.platform = 'twitch' DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no streamer "%"', left(login_, 64);
    END IF;
    RETURN id_;
END
$$;

-- recorder.create and, for a new recording, its `record` job ->
-- {"recording_id", "already", "job": the job or null}.
CREATE FUNCTION recorder.start(streamer bigint, source text, duration_s integer, title_ text,
                               schedule bigint)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    r jsonb := recorder.create(streamer, source, duration_s, title_, schedule);
BEGIN
    IF (r ->> 'already')::boolean THEN
        RETURN r || '{"job": null}';
    END IF;
    RETURN r || jsonb_build_object('job', api_internal.queue_job('record', '{}',
                                                                 (r ->> 'recording_id')::bigint));
END
$$;

-- What worker_ needs to record recording id_, taking it when pending (or
-- when its worker is gone: no progress for stale_s) -> {"id", "raw_dir",
-- "twitch_login", "quality", "proxy", "source_url", "duration_left_s",
-- "bytes", "media_ms", "resume", "chat" (archive the channel's chat),
-- "started_at_ms"}; null when there is nothing to record (it
-- ended, failed, was stopped or deleted meanwhile); {"busy": worker} while
-- another live worker records it.
CREATE FUNCTION recorder.claim(id_ bigint, worker_ text, stale_s integer)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    r      recordings;
    s      streamers;
    resume boolean;
BEGIN
    SELECT * INTO r FROM recordings x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND OR r.state NOT IN ('pending', 'recording') THEN
        RETURN NULL;
    END IF;
    IF r.state = 'pending' AND r.stop_requested THEN
        UPDATE recordings x SET state = 'failed', error = 'stopped before it started',
                                end_reason = 'stopped'
         WHERE x.id = id_;
        RETURN NULL;
    END IF;
    IF r.state = 'recording' AND r.worker_id IS DISTINCT FROM worker_
       AND r.progress_at > now() - make_interval(secs => stale_s) THEN
        RETURN jsonb_build_object('busy', r.worker_id);
    END IF;
    resume := r.state = 'recording';
    UPDATE recordings x
       SET state = 'recording', worker_id = worker_, progress_at = now(),
           started_at = coalesce(x.started_at, now()),
           raw_dir = coalesce(x.raw_dir, 'raw/' || x.id)
     WHERE x.id = id_
    RETURNING * INTO r;
    SELECT * INTO s FROM streamers x WHERE x.id = r.streamer_id;
    RETURN jsonb_strip_nulls(jsonb_build_object(
        'id', r.id,
        'raw_dir', r.raw_dir,
        'twitch_login', CASE WHEN r.source_url IS NULL AND s.platform = 'twitch' THEN s.login END,
        'quality', CASE WHEN r.source_url IS NULL THEN s.quality END,
        'proxy', s.proxy_url,
        'source_url', coalesce(r.source_url, CASE WHEN s.platform = 'url' THEN s.source_url END),
        'duration_left_s', CASE WHEN r.duration_limit_s IS NOT NULL
                                THEN greatest(r.duration_limit_s - coalesce(r.duration_ms, 0) / 1000.0,
                                              0)::float8 END,
        'bytes', r.bytes,
        'media_ms', coalesce(r.duration_ms, 0),
        'resume', resume,
        'chat', r.source_url IS NULL AND s.platform = 'twitch' AND s.chat_archive,
        'started_at_ms', (extract(epoch FROM r.started_at) * 1000)::bigint));
END
$$;

-- The recordings worker_ was recording when it stopped: its to resume.
CREATE FUNCTION recorder.resumable(worker_ text)
RETURNS SETOF bigint
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT r.id FROM recordings r
     WHERE r.state = 'recording' AND r.worker_id = worker_
     ORDER BY r.id
$$;

-- worker_'s progress report, [{"id", "bytes", "media_ms", "bytes_per_s"}]
-- -> the ids among them to stop: stop requested, no longer the worker's
-- to record (finalized elsewhere, deleted).
CREATE FUNCTION recorder.progress(worker_ text, report jsonb)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    stop bigint[];
BEGIN
    WITH rep AS (
        SELECT * FROM jsonb_to_recordset(report)
                      AS x(id bigint, bytes bigint, media_ms bigint, bytes_per_s bigint)
    ), upd AS (
        UPDATE recordings r
           SET bytes = greatest(rep.bytes, 0), duration_ms = greatest(rep.media_ms, 0),
               bytes_per_s = greatest(rep.bytes_per_s, 0), progress_at = now()
          FROM rep
         WHERE r.id = rep.id AND r.state = 'recording' AND r.worker_id = worker_
        RETURNING r.id, r.stop_requested
    )
    SELECT coalesce(array_agg(rep.id ORDER BY rep.id), '{}') INTO stop
      FROM rep LEFT JOIN upd ON upd.id = rep.id
     WHERE upd.id IS NULL OR upd.stop_requested;
    RETURN stop;
END
$$;

-- The end of a recording: with media, 'processing' and its postprocess job
-- queued; without, 'failed' with the reason as its error. why is the
-- recorder's reason (ended, duration, size, stopped, stalled, failed, disk,
-- ghost, rollover), kept as end_reason, with error_ what went wrong if
-- anything (in the log; post-processing clears a recording's error). -> "processing", "failed", or "gone" when it was not
-- worker_'s (NULL worker_: any worker's, for ghosts).
CREATE FUNCTION recorder.finish(id_ bigint, worker_ text, why text, error_ text, bytes_ bigint,
                                media_ms bigint)
RETURNS text
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    r recordings;
BEGIN
    SELECT * INTO r FROM recordings x WHERE x.id = id_ FOR UPDATE;
    IF NOT FOUND OR r.state <> 'recording'
       OR (worker_ IS NOT NULL AND r.worker_id IS DISTINCT FROM worker_) THEN
        RETURN 'gone';
    END IF;
    IF coalesce(bytes_, r.bytes) > 0 THEN
        UPDATE recordings x
           SET state = 'processing', ended_at = now(), bytes_per_s = 0, end_reason = why,
               bytes = coalesce(bytes_, x.bytes), duration_ms = coalesce(media_ms, x.duration_ms)
         WHERE x.id = id_;
        PERFORM api_internal.queue_job('postprocess', '{}', id_);
        RETURN 'processing';
    END IF;
    UPDATE recordings x
       SET state = 'failed', ended_at = now(), bytes_per_s = 0, end_reason = why,
           error = left(CASE WHEN why = 'stopped' THEN 'stopped before anything was recorded'
                             WHEN error_ IS NOT NULL AND error_ <> '' THEN why || ': ' || error_
                             ELSE why || ': nothing was recorded' END, 1000)
     WHERE x.id = id_;
    RETURN 'failed';
END
$$;

-- The next part of a recording that rolled over: id_ ends as by
-- recorder.finish (why 'rollover') and the next part, same streamer, stream,
-- source and schedule, with what is left of the duration, is claimed by
-- worker_ -> its id, or NULL when id_ was not worker_'s or nothing is left.
CREATE FUNCTION recorder.rollover(id_ bigint, worker_ text, bytes_ bigint, media_ms bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    r       recordings;
    left_   integer;
    part_id bigint;
BEGIN
    SELECT * INTO r FROM recordings x WHERE x.id = id_ FOR UPDATE;
    IF recorder.finish(id_, worker_, 'rollover', NULL, bytes_, media_ms) = 'gone'
       OR r.stop_requested THEN
        RETURN NULL;
    END IF;
    IF r.duration_limit_s IS NOT NULL THEN
        left_ := r.duration_limit_s - (coalesce(media_ms, 0) / 1000)::integer;
        IF left_ < 1 THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO recordings (streamer_id, stream_id, source_url, state, title, duration_limit_s,
                            schedule_id, part, worker_id, started_at, progress_at)
    VALUES (r.streamer_id, r.stream_id, r.source_url, 'pending', r.title, left_,
            r.schedule_id, r.part + 1, worker_, now(), now())
    RETURNING id INTO part_id;
    RETURN part_id;
END
$$;

-- Recordings whose worker stopped reporting for stale_s are finalized (as
-- recorder.finish, why 'ghost'), so none blocks its streamer's next
-- broadcast -> their ids.
CREATE FUNCTION recorder.finalize_ghosts(stale_s integer)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    ids bigint[];
    id_ bigint;
BEGIN
    ids := ARRAY(SELECT r.id FROM recordings r
                  WHERE r.state = 'recording'
                    AND coalesce(r.progress_at, r.updated_at) < now() - make_interval(secs => stale_s)
                  ORDER BY r.id
                  FOR UPDATE SKIP LOCKED);
    FOREACH id_ IN ARRAY ids LOOP
        PERFORM recorder.finish(id_, NULL, 'ghost', 'its worker stopped reporting', NULL, NULL);
    END LOOP;
    RETURN ids;
END
$$;

-- API ------------------------------------------------------------------------------

-- Admin: body {"streamer_id"} or {"source_url"}, with "duration_s"? and
-- "title"? -> 202 {"recording_id", "already", "job"}: a pending recording and
-- its record job; "already" when that streamer is being recorded (no job).
CREATE FUNCTION api.recordings_start(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_  bigint := api_internal.require_admin(p);
    b    jsonb := api_internal.body(p, '{streamer_id,source_url,duration_s,title}');
    sid  bigint := api_internal.as_int(b -> 'streamer_id', 'streamer_id', 1, 999999999999999999, true);
    url  text := api_internal.as_text(b -> 'source_url', 'source_url', 8, 2048,
                     '^(https?|rtmpt?s?|rtsps?|srt)://[^[:space:]/?#]+([/?#][^[:space:]]*)?$', true);
    dur  integer := api_internal.as_int(b -> 'duration_s', 'duration_s', 1, 172800, true);
    ttl  text := api_internal.as_text(b -> 'title', 'title', 1, 1000, NULL, true);
BEGIN
    IF (sid IS NULL) = (url IS NULL) THEN
        PERFORM api_internal.invalid('streamer_id', 'give either streamer_id or source_url');
    END IF;
    IF sid IS NOT NULL THEN
        PERFORM 1 FROM streamers s WHERE s.id = sid;
        IF NOT FOUND THEN
            PERFORM api_internal.invalid('streamer_id', 'no streamer ' || sid);
        END IF;
    END IF;
    RETURN recorder.start(sid, url, dur, ttl, NULL);
END
$$;

-- Admin: stop recording id (the worker ends it within a few seconds, the
-- segment in flight finished) -> the recording. A pending one fails at once.
-- 409 when it is not pending or recording.
CREATE FUNCTION api.recordings_stop(p jsonb)
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
    IF st NOT IN ('pending', 'recording') THEN
        PERFORM api_internal.conflict('the recording is ' || st || ', not recording');
    END IF;
    UPDATE recordings r
       SET stop_requested = true,
           state = CASE WHEN st = 'pending' THEN 'failed' ELSE r.state END,
           error = CASE WHEN st = 'pending' THEN 'stopped before it started' ELSE r.error END,
           end_reason = CASE WHEN st = 'pending' THEN 'stopped' END
     WHERE r.id = id_;
    RETURN api_internal.recording_by_id(id_, true);
END
$$;

-- The recordings pending or running, oldest first, each with "bytes_per_s",
-- "progress_at", "worker_id", "part" and "stop_requested" -> {"items"}.
CREATE FUNCTION api.recordings_active(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    admin boolean := api_internal.is_admin(p);
BEGIN
    PERFORM api_internal.me(p);
    RETURN jsonb_build_object('items', coalesce((
        SELECT jsonb_agg(to_jsonb(api_internal.out_recording(r, s.login, s.display_name, admin))
                         || jsonb_build_object('bytes_per_s', r.bytes_per_s,
                                               'progress_at', r.progress_at,
                                               'worker_id', r.worker_id, 'part', r.part,
                                               'stop_requested', r.stop_requested)
                         ORDER BY r.id)
          FROM recordings r LEFT JOIN streamers s ON s.id = r.streamer_id
         WHERE r.state IN ('pending', 'recording')), '[]'));
END
$$;
