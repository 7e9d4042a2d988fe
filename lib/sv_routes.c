/*
 * The REST API: every route, once. Adding an endpoint is a function in a
 * new migration and one line here; the OpenAPI document, the dispatch and
 * the "every route requires auth" test all read this table.
 */

#include "sv_route.h"

#define KB  1024

const struct sv_route  sv_routes[] = {

    /* the module itself */
    { SV_GET,    "/api/health",             SV_ROUTE_HEALTH,  NULL,
      SV_ROLE_PUBLIC, 0, 200, "Liveness and version" },
    { SV_GET,    "/api/openapi.json",       SV_ROUTE_OPENAPI, NULL,
      SV_ROLE_PUBLIC, 0, 200, "This document" },

    /* authentication */
    { SV_POST,   "/api/auth/login",         SV_ROUTE_LOGIN,   "login_begin",
      SV_ROLE_PUBLIC, 4 * KB, 200, "Log in; sets the session cookie" },
    { SV_POST,   "/api/auth/logout",        SV_ROUTE_LOGOUT,  "auth_logout",
      SV_ROLE_VIEWER, 1 * KB, 200, "End this session" },
    { SV_GET,    "/api/auth/me",            SV_ROUTE_SQL,     "auth_me",
      SV_ROLE_VIEWER, 0, 200, "The current user" },
    { SV_POST,   "/api/auth/password",      SV_ROUTE_PASSWORD, "auth_password_begin",
      SV_ROLE_VIEWER, 4 * KB, 200, "Change the current user's password" },

    /* users */
    { SV_GET,    "/api/users",              SV_ROUTE_SQL,     "users_list",
      SV_ROLE_ADMIN, 0, 200, "List users" },
    { SV_POST,   "/api/users",              SV_ROUTE_HASH_PASSWORD, "users_create",
      SV_ROLE_ADMIN, 4 * KB, 201, "Create a user" },
    { SV_GET,    "/api/users/{id:int}",     SV_ROUTE_SQL,     "users_get",
      SV_ROLE_ADMIN, 0, 200, "One user" },
    { SV_PATCH,  "/api/users/{id:int}",     SV_ROUTE_HASH_PASSWORD, "users_update",
      SV_ROLE_ADMIN, 4 * KB, 200, "Change a user's role, state or password" },
    { SV_DELETE, "/api/users/{id:int}",     SV_ROUTE_SQL,     "users_delete",
      SV_ROLE_ADMIN, 0, 200, "Delete a user" },

    /* API tokens */
    { SV_GET,    "/api/tokens",             SV_ROUTE_SQL,     "tokens_list",
      SV_ROLE_VIEWER, 0, 200, "List your API tokens" },
    { SV_POST,   "/api/tokens",             SV_ROUTE_TOKEN_CREATE, "tokens_create",
      SV_ROLE_VIEWER, 4 * KB, 201, "Create an API token; its secret is shown once" },
    { SV_DELETE, "/api/tokens/{id:int}",    SV_ROUTE_SQL,     "tokens_revoke",
      SV_ROLE_VIEWER, 0, 200, "Revoke an API token" },

    /* share links */
    { SV_GET,    "/api/shares",             SV_ROUTE_SQL,     "shares_list",
      SV_ROLE_ADMIN, 0, 200, "List share links" },
    { SV_POST,   "/api/shares",             SV_ROUTE_TOKEN_CREATE, "shares_create",
      SV_ROLE_ADMIN, 4 * KB, 201, "Share a recording or a streamer's recordings; the code is shown once" },
    { SV_DELETE, "/api/shares/{id:int}",    SV_ROUTE_SQL,     "shares_revoke",
      SV_ROLE_ADMIN, 0, 200, "Revoke a share link" },
    { SV_POST,   "/api/shared",             SV_ROUTE_SHARED,  "shared_media",
      SV_ROLE_PUBLIC, 1 * KB, 200, "Signed media URLs of what a share code opens" },

    /* streamers */
    { SV_GET,    "/api/streamers",          SV_ROUTE_SQL,     "streamers_list",
      SV_ROLE_VIEWER, 0, 200, "List streamers (filters: enabled, platform, live, q)" },
    { SV_POST,   "/api/streamers",          SV_ROUTE_STREAMER, "streamers_create",
      SV_ROLE_ADMIN, 16 * KB, 201, "Add a streamer" },
    { SV_POST,   "/api/streamers/bulk",     SV_ROUTE_SQL,     "streamers_bulk",
      SV_ROLE_ADMIN, 64 * KB, 200, "Enable or disable many streamers" },
    { SV_GET,    "/api/streamers/{id:int}", SV_ROUTE_SQL,     "streamers_get",
      SV_ROLE_VIEWER, 0, 200, "One streamer" },
    { SV_GET,    "/api/streamers/{id:int}/media", SV_ROUTE_MEDIA_URLS, "streamers_media",
      SV_ROLE_VIEWER, 0, 200, "Signed URLs of the streamer's show artwork" },
    { SV_PATCH,  "/api/streamers/{id:int}", SV_ROUTE_STREAMER, "streamers_update",
      SV_ROLE_ADMIN, 16 * KB, 200, "Change a streamer's settings" },
    { SV_DELETE, "/api/streamers/{id:int}", SV_ROUTE_SQL,     "streamers_delete",
      SV_ROLE_ADMIN, 0, 200, "Remove a streamer" },

    /* recordings */
    { SV_GET,    "/api/recordings",         SV_ROUTE_SQL,     "recordings_list",
      SV_ROLE_VIEWER, 0, 200, "List recordings (filters: streamer_id, state, from, to, q, category)" },
    { SV_POST,   "/api/recordings",         SV_ROUTE_SQL,     "recordings_start",
      SV_ROLE_ADMIN, 4 * KB, 202, "Record a streamer or a source URL now" },
    { SV_GET,    "/api/recordings/active",  SV_ROUTE_SQL,     "recordings_active",
      SV_ROLE_VIEWER, 0, 200, "Recordings pending or running, with bytes/s" },
    { SV_GET,    "/api/recordings/categories", SV_ROUTE_SQL,  "recordings_categories",
      SV_ROLE_VIEWER, 0, 200, "The categories of the recordings, with counts (filters as for the list)" },
    { SV_GET,    "/api/recordings/{id:int}", SV_ROUTE_SQL,    "recordings_get",
      SV_ROLE_VIEWER, 0, 200, "One recording with its files" },
    { SV_GET,    "/api/recordings/{id:int}/media", SV_ROUTE_MEDIA_URLS, "recordings_media",
      SV_ROLE_VIEWER, 0, 200, "Signed URLs of the recording's video (MP4, HLS) and tracks" },
    { SV_DELETE, "/api/recordings/{id:int}", SV_ROUTE_SQL,    "recordings_delete",
      SV_ROLE_ADMIN, 0, 200, "Delete a recording" },
    { SV_POST,   "/api/recordings/import",  SV_ROUTE_SQL,     "recordings_import",
      SV_ROLE_ADMIN, 4 * KB, 202, "Import a file from the import folder into the library" },
    { SV_POST,   "/api/recordings/upload",  SV_ROUTE_UPLOAD,  "recordings_import",
      SV_ROLE_ADMIN, 1, 202, "Upload a media file (the raw body; query: filename, "
                             "streamer_id, title, date) and import it into the library" },
    { SV_POST,   "/api/recordings/{id:int}/stop", SV_ROUTE_SQL, "recordings_stop",
      SV_ROLE_ADMIN, 1 * KB, 200, "Stop a recording (the segment in flight is kept)" },
    { SV_POST,   "/api/recordings/{id:int}/postprocess", SV_ROUTE_SQL, "recordings_postprocess",
      SV_ROLE_ADMIN, 1 * KB, 202, "Post-process a recording again" },

    /* jobs */
    { SV_GET,    "/api/jobs",               SV_ROUTE_SQL,     "jobs_list",
      SV_ROLE_VIEWER, 0, 200, "List jobs (filters: state, type, recording_id)" },
    { SV_GET,    "/api/jobs/stats",         SV_ROUTE_SQL,     "jobs_stats",
      SV_ROLE_VIEWER, 0, 200, "Job counts by state and type" },
    { SV_POST,   "/api/jobs/{id:uuid}/retry", SV_ROUTE_SQL,   "jobs_retry",
      SV_ROLE_ADMIN, 1 * KB, 200, "Retry a failed, dead or cancelled job" },
    { SV_POST,   "/api/jobs/{id:uuid}/cancel", SV_ROUTE_SQL,  "jobs_cancel",
      SV_ROLE_ADMIN, 1 * KB, 200, "Cancel a waiting or running job" },

    /* recording schedules */
    { SV_GET,    "/api/schedules",          SV_ROUTE_SQL,     "schedules_list",
      SV_ROLE_VIEWER, 0, 200, "List recording schedules (filters: enabled, streamer_id)" },
    { SV_POST,   "/api/schedules",          SV_ROUTE_SCHEDULE, "schedules_create",
      SV_ROLE_ADMIN, 4 * KB, 201, "Add a recording schedule" },
    { SV_GET,    "/api/schedules/preview",  SV_ROUTE_SCHEDULE, "schedules_preview",
      SV_ROLE_VIEWER, 0, 200, "Check a cron expression and time zone; the next 5 runs "
                              "(query: cron, timezone, from)" },
    { SV_GET,    "/api/schedules/{id:int}", SV_ROUTE_SQL,     "schedules_get",
      SV_ROLE_VIEWER, 0, 200, "One recording schedule" },
    { SV_PATCH,  "/api/schedules/{id:int}", SV_ROUTE_SCHEDULE, "schedules_update",
      SV_ROLE_ADMIN, 4 * KB, 200, "Change a recording schedule" },
    { SV_DELETE, "/api/schedules/{id:int}", SV_ROUTE_SQL,     "schedules_delete",
      SV_ROLE_ADMIN, 0, 200, "Remove a recording schedule" },

    /* Twitch */
    { SV_GET,    "/api/twitch/subscriptions", SV_ROUTE_SQL,   "twitch_subscriptions",
      SV_ROLE_ADMIN, 0, 200, "EventSub subscriptions with their status, and the Twitch state" },
    { SV_POST,   "/api/twitch/subscriptions/resubscribe", SV_ROUTE_SQL, "twitch_resubscribe",
      SV_ROLE_ADMIN, 1 * KB, 202, "Delete and create again every EventSub subscription" },
    { SV_POST,   "/api/twitch/lookup",      SV_ROUTE_SQL,     "twitch_lookup",
      SV_ROLE_ADMIN, 1 * KB, 200, "Look a Twitch login up (name, avatar) before adding it" },

    /* settings and the system */
    { SV_GET,    "/api/settings",           SV_ROUTE_SQL,     "settings_get",
      SV_ROLE_ADMIN, 0, 200, "All settings" },
    { SV_PUT,    "/api/settings",           SV_ROUTE_SETTINGS, "settings_put",
      SV_ROLE_ADMIN, 16 * KB, 200, "Change settings" },
    { SV_GET,    "/api/settings/template_preview", SV_ROUTE_TEMPLATE, "settings_template_preview",
      SV_ROLE_ADMIN, 0, 200, "The library path a file name template gives, or why it is "
                             "refused (query: template, streamer_id)" },
    { SV_GET,    "/api/events",             SV_ROUTE_EVENTS,  "events_open",
      SV_ROLE_VIEWER, 0, 200, "Server-Sent Events: jobs, recordings, streamers, notifications" },
    { SV_GET,    "/api/system/status",      SV_ROUTE_STATUS,  "system_status",
      SV_ROLE_VIEWER, 0, 200, "Disk, queue, recordings and versions" },
};

const size_t  sv_routes_count = sizeof(sv_routes) / sizeof(sv_routes[0]);
