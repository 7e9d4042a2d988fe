-- StreamVault: a show's artwork for players and the web UI.
--
-- Post-processing plans the artwork job (the streamer's profile and offline
-- images into the show's folder) and records where the images go on the
-- streamer; the API hands out their signed URLs (the module signs them,
-- lib/sv_media_url.h). An image whose download failed answers 404 until a
-- retry of the artwork job saves it.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

ALTER TABLE streamers
    ADD COLUMN artwork jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(artwork) = 'object');

-- Recording rec's streamer keeps images {"poster": path, "fanart": path}
-- (paths relative to the media root, as the artwork job saves them); other
-- keys and unsafe paths are left out.
CREATE FUNCTION library.artwork_put(rec bigint, images jsonb)
RETURNS void
LANGUAGE sql
SET search_path = public, pg_temp
AS $$
    UPDATE streamers s
       SET artwork = coalesce((SELECT jsonb_object_agg(i.key, i.value)
                                 FROM jsonb_each(images) i
                                WHERE i.key IN ('poster', 'fanart', 'banner')
                                  AND jsonb_typeof(i.value) = 'string'
                                  AND length(i.value #>> '{}') <= 1024
                                  AND i.value #>> '{}' ~ '^library/[^\x01-\x1f\\]*$'
                                  AND i.value #>> '{}' !~ '(^|/)\.\.?(/|$)|//'), '{}')
      FROM recordings r
     WHERE r.id = rec AND s.id = r.streamer_id
$$;

-- -> {"id", "files": {"poster", "fanart"}}: the streamer's show artwork, as
-- post-processing last placed it ({} before its first recording). 404 when
-- there is no such streamer.
CREATE FUNCTION api.streamers_media(p jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp
AS $$
DECLARE
    id_ bigint := api_internal.param_id(p);
    art jsonb;
BEGIN
    PERFORM api_internal.me(p);
    SELECT s.artwork INTO art FROM streamers s WHERE s.id = id_;
    IF NOT FOUND THEN
        PERFORM api_internal.not_found('streamer ' || id_);
    END IF;
    RETURN jsonb_build_object('id', id_, 'files', art);
END
$$;
