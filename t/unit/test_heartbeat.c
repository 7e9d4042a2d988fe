/*
 * The heartbeat key and value (worker/heartbeat.c) and the SHA-256 helper
 * (worker/sha256.c): the fixed-format strings other programs read.
 */

#include <string.h>

#include "heartbeat.h"
#include "sha256.h"
#include "tap.h"

static void
test_heartbeat(void)
{
    char                 key[SV_HEARTBEAT_KEY_SIZE];
    char                 json[SV_HEARTBEAT_JSON_SIZE];
    size_t               len;
    struct sv_heartbeat  hb = {
        .worker_id = "rec-1", .pid = 77, .host = "box \"7\"",
        .started_at = "2026-11-21T10:00:00.000Z",
        .beat_at = "2026-11-21T10:29:00.123Z",
    };

    tap_is_int(sv_heartbeat_key("rec-1", key, sizeof(key)), 0, "key fits");
    tap_is_str(key, "streamvault:worker:rec-1", "key under streamvault:");
    tap_is_int(sv_heartbeat_key("rec-1", key, 10), -1,
               "a key that does not fit is an error");

    len = sv_heartbeat_json(&hb, json, sizeof(json) - 1);
    json[len] = '\0';
    tap_is_str(json, "{\"worker_id\":\"rec-1\",\"pid\":77,\"version\":"
               "\"0.1.0\",\"host\":\"box \\\"7\\\"\",\"started_at\":"
               "\"2026-11-21T10:00:00.000Z\",\"beat_at\":"
               "\"2026-11-21T10:29:00.123Z\"}", "value, host escaped");
    tap_is_int((long long) sv_heartbeat_json(&hb, json, 40), 0,
               "a value that does not fit is an error, not a cut");
}

static void
test_sha256(void)
{
    char hex[SV_SHA256_HEX_SIZE];

    sv_sha256_hex("", 0, hex);
    tap_is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4959"
               "91b7852b855", "SHA-256 of nothing");
    sv_sha256_hex("abc", 3, hex);
    tap_is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
               "61f20015ad", "SHA-256 of abc (FIPS 180-2 vector)");
}

int
main(void)
{
    test_heartbeat();
    test_sha256();
    return tap_done();
}
