-- StreamVault: media delivery.
--
-- The API names a recording's files; nginx signs them into /media/ URLs
-- (lib/sv_media_url.h) and serves them with no query per request. Only
-- what a player or a browser uses is named: the video (progressive MP4 and
-- its HLS playlist, made by nginx from the fragment index), the poster
-- frame, the thumbnail and chapter tracks, the chat archive; while it is
-- recorded, its live playlist (made by nginx from the segment log).
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

-- The files of ready recording r a player uses: {"mp4", "hls", "poster",
-- "sprite_vtt", "chapters_vtt", "chat"}, those it has.
CREATE FUNCTION api_internal.media_files(r recordings)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = public, pg_temp
AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
               'mp4', r.file_path,
               'hls', CASE WHEN EXISTS (SELECT 1 FROM media_assets m
                                         WHERE m.recording_id = r.id AND m.kind = 'fragment_index')
                           THEN regexp_replace(r.file_path, '\.mp4$', '.m3u8') END))
           || coalesce((SELECT jsonb_object_agg(CASE m.kind WHEN 'thumbnail' THEN 'poster' ELSE m.kind END,
                                                m.path)
                          FROM media_assets m
                         WHERE m.recording_id = r.id
                           AND m.kind IN ('thumbnail', 'sprite_vtt', 'chapters_vtt', 'chat')),
                       '{}')
$$;

-- -> {"id", "files": {...}} of a recording in the library (as
-- api_internal.media_files), or {"id", "files": {"live"}} of one being
-- recorded (its live playlist, which ends when the recording does); paths
-- relative to the media root. 404 when there is no such recording, 409 when
-- it is neither (pending, processing, failed, deleted).
CREATE FUNCTION api.recordings_media(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    id_ bigint := api_internal.param_id(p);
    r   recordings;
BEGIN
    PERFORM api_internal.me(p);
    SELECT * INTO r FROM recordings x WHERE x.id = id_;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('recording ' || id_);
    END IF;
    IF r.state = 'recording' AND r.raw_dir IS NOT NULL THEN
        RETURN jsonb_build_object('id', r.id, 'files', jsonb_build_object('live', r.raw_dir || '/live.m3u8'));
    END IF;
    IF r.state <> 'ready' OR r.file_path IS NULL THEN
        PERFORM api_internal.conflict('the recording is neither recording nor in the library (it is '
                                      || r.state || ')');
    END IF;
    RETURN jsonb_build_object('id', r.id, 'files', api_internal.media_files(r));
END
$$;
