-- Retention: which library items go, for the worker's retention job
-- (worker/job_retention.c), and the API's delete handing the files to it.
--
-- Policy: the global settings retention.max_age_days, retention.max_bytes,
-- retention.max_count, each key overridden by the same key of a streamer's
-- own streamers.retention; 0 (or no value anywhere) is no limit, so a
-- streamer can opt out of a global limit with 0. Recordings without a
-- streamer form one group under the global policy.
--
-- Only 'ready' recordings (post-processed and validated) are candidates;
-- those the API marked 'deleted' are always purged.

-- A limit as a positive bigint; 0, null or anything else: no limit (NULL).
CREATE FUNCTION library.retention_limit(v jsonb)
RETURNS bigint
LANGUAGE sql IMMUTABLE
SET search_path = public, pg_temp
AS $$
    SELECT CASE WHEN jsonb_typeof(v) = 'number' AND (v #>> '{}')::numeric >= 1
                THEN least(trunc((v #>> '{}')::numeric), 9223372036854775807)::bigint END
$$;

-- A recording's size: its video (recordings.bytes) plus its other
-- assets, each path once.
CREATE FUNCTION library.recording_bytes(r recordings)
RETURNS bigint
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT CASE WHEN r.file_path IS NOT NULL THEN r.bytes ELSE 0 END
           + coalesce((SELECT sum(a.bytes) FROM (
                  SELECT DISTINCT ON (m.path) m.bytes FROM media_assets m
                   WHERE m.recording_id = r.id AND m.path IS DISTINCT FROM r.file_path
                   ORDER BY m.path, m.bytes DESC) a), 0)::bigint
$$;

-- The recordings to delete now:
--   [{"id", "why": "age"|"count"|"bytes"|"deleted", "streamer_id",
--     "bytes", "paths": [files, relative to the media root], "raw_dir"}]
-- ordered by id; bytes as library.recording_bytes. The paths leave out any
-- file (and raw_dir any folder) a recording that stays still names: a
-- show's poster, say.
--
-- Unless dry_run, the listed recordings are locked (FOR UPDATE SKIP LOCKED:
-- one that another transaction holds is left for the next run) until the
-- caller's transaction ends, so none changes state while its files go;
-- the caller ends it with library.retention_done.
CREATE FUNCTION library.retention_plan(dry_run boolean)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    g      jsonb;
    c_ids  bigint[];
    c_why  text[];
    ids    bigint[];
BEGIN
    SELECT coalesce(jsonb_object_agg(substr(s.key, length('retention.') + 1), s.value), '{}')
      INTO g FROM settings s
     WHERE s.key IN ('retention.max_age_days', 'retention.max_bytes', 'retention.max_count');

    WITH sized AS (
        SELECT r.id, r.streamer_id,
               coalesce(r.ended_at, r.started_at, r.created_at) AS t,
               library.recording_bytes(r) AS size,
               -- each key: the streamer's own if it has one, else the global
               library.retention_limit(CASE WHEN jsonb_typeof(s.retention -> 'max_age_days') = 'number'
                   THEN s.retention -> 'max_age_days' ELSE g -> 'max_age_days' END) AS max_age_days,
               library.retention_limit(CASE WHEN jsonb_typeof(s.retention -> 'max_bytes') = 'number'
                   THEN s.retention -> 'max_bytes' ELSE g -> 'max_bytes' END) AS max_bytes,
               library.retention_limit(CASE WHEN jsonb_typeof(s.retention -> 'max_count') = 'number'
                   THEN s.retention -> 'max_count' ELSE g -> 'max_count' END) AS max_count
          FROM recordings r LEFT JOIN streamers s ON s.id = r.streamer_id
         WHERE r.state = 'ready'
    ), ranked AS (
        -- newest first: what a limit keeps
        SELECT x.*, row_number() OVER w AS n, sum(x.size) OVER w AS cum
          FROM sized x
        WINDOW w AS (PARTITION BY x.streamer_id ORDER BY x.t DESC, x.id DESC
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ), judged AS (
        SELECT x.id,
               CASE WHEN x.max_age_days IS NOT NULL
                         AND x.t < now() - make_interval(days => least(x.max_age_days, 1000000)::integer)
                    THEN 'age'
                    WHEN x.n > x.max_count THEN 'count'
                    WHEN x.cum > x.max_bytes THEN 'bytes' END AS why
          FROM ranked x
        UNION ALL
        SELECT r.id, 'deleted' FROM recordings r WHERE r.state = 'deleted'
    )
    SELECT coalesce(array_agg(j.id ORDER BY j.id), '{}'), coalesce(array_agg(j.why ORDER BY j.id), '{}')
      INTO c_ids, c_why
      FROM judged j WHERE j.why IS NOT NULL;

    IF dry_run THEN
        ids := c_ids;
    ELSE
        -- the state checked again on the row as it is once locked
        SELECT coalesce(array_agg(l.id), '{}') INTO ids
          FROM (SELECT r.id FROM recordings r
                 WHERE r.id = ANY (c_ids) AND r.state IN ('ready', 'deleted')
                   FOR UPDATE SKIP LOCKED) l;
    END IF;

    RETURN coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'id', r.id, 'why', c.why, 'streamer_id', r.streamer_id,
                   'bytes', library.recording_bytes(r),
                   'paths', coalesce((
                       SELECT jsonb_agg(p.path ORDER BY p.path) FROM (
                           SELECT r.file_path AS path WHERE r.file_path IS NOT NULL
                           UNION
                           SELECT m.path FROM media_assets m WHERE m.recording_id = r.id) p
                        WHERE NOT EXISTS (SELECT 1 FROM recordings o
                                           WHERE o.file_path = p.path AND o.id <> ALL (ids))
                          AND NOT EXISTS (SELECT 1 FROM media_assets o
                                           WHERE o.path = p.path AND o.recording_id <> ALL (ids))), '[]'),
                   'raw_dir', CASE WHEN NOT EXISTS (SELECT 1 FROM recordings o
                                                     WHERE o.raw_dir = r.raw_dir AND o.id <> ALL (ids))
                                   THEN r.raw_dir END)
                   ORDER BY r.id)
          FROM unnest(c_ids, c_why) AS c(id, why)
          JOIN recordings r ON r.id = c.id
         WHERE c.id = ANY (ids)), '[]');
END
$$;

-- Deletes the recordings of ids whose files are gone (their assets and jobs
-- cascade), those still 'ready' or 'deleted' only -> the ids deleted.
CREATE FUNCTION library.retention_done(ids bigint[])
RETURNS bigint[]
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM recordings r
         WHERE r.id = ANY (ids) AND r.state IN ('ready', 'deleted')
        RETURNING r.id
    )
    SELECT coalesce(array_agg(gone.id ORDER BY gone.id), '{}') FROM gone
$$;

-- As before (002_api.sql), and the files follow: a retention job is queued
-- (one while none waits) that purges every 'deleted' recording, and the
-- worker told (NOTIFY streamvault_jobs, as the API's retry does).
CREATE OR REPLACE FUNCTION api.recordings_delete(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = public, pg_temp
AS $$
DECLARE
    me_ bigint := api_internal.require_admin(p);
    id_ bigint := api_internal.param_id(p);
    st  text;
    jid uuid;
BEGIN
    PERFORM api_internal.body(p, '{}');
    st := api_internal.lock_recording(id_);
    IF st IN ('recording', 'finalizing') THEN
        PERFORM api_internal.conflict('the recording is still running');
    END IF;
    IF st <> 'deleted' THEN
        UPDATE recordings x SET state = 'deleted' WHERE x.id = id_;
        PERFORM pg_notify('streamvault_recordings', jsonb_build_object('id', id_, 'op', 'delete')::text);
        -- A queued one will see this recording: its row is locked, so the
        -- worker cannot mark it running (and plan) before this commits.
        SELECT j.id INTO jid FROM jobs j
         WHERE j.type = 'retention' AND j.state = 'queued' AND j.payload = '{}'
         LIMIT 1 FOR UPDATE;
        IF NOT FOUND THEN
            jid := gen_random_uuid();
            INSERT INTO jobs (id, type, state, priority, payload)
                VALUES (jid, 'retention', 'queued', 5, '{}');
            PERFORM pg_notify('streamvault_jobs', jid::text);
        END IF;
    END IF;
    RETURN api_internal.recording_by_id(id_, true);
END
$$;
