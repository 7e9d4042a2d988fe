/*
 * Job JSON validation (worker/job_spec.c) and retry delays
 * (worker/job_backoff.c).
 */

#include <stdlib.h>
#include <string.h>

#include "job_backoff.h"
#include "job_spec.h"
#include "tap.h"

static bool
parses(const char *text, char *err, size_t errlen)
{
    struct sv_job_spec spec;
    bool               ok = sv_job_spec_parse(text, strlen(text), &spec, err,
                                              errlen);

    if (ok) {
        sv_job_spec_free(&spec);
    }
    return ok;
}

static void
refused(const char *text, const char *reason_part, const char *what)
{
    char err[256] = "";

    tap_ok(!parses(text, err, sizeof(err)) && strstr(err, reason_part),
           "%s is refused (%s)", what, err);
}

static void
test_good(void)
{
    struct sv_job_spec spec;
    char               err[256] = "";
    const char        *full = "{\"v\":1,\"type\":\"noop\","
        "\"id\":\"0F0E0D0C-0B0A-4908-8706-050403020100\",\"priority\":0,"
        "\"max_attempts\":20,\"depends_on\":"
        "[\"11111111-2222-4333-8444-555555555555\"],"
        "\"payload\":{\"sleep_ms\":60000,\"fail\":true}}";

    tap_ok(sv_job_spec_parse(full, strlen(full), &spec, err, sizeof(err)),
           "a full job is accepted (%s)", err);
    tap_is_str(spec.id, "0f0e0d0c-0b0a-4908-8706-050403020100",
               "the id is kept, lowercased");
    tap_ok(spec.id_given, "and marked as given");
    tap_is_int(spec.priority, 0, "priority");
    tap_is_int(spec.max_attempts, 20, "max_attempts");
    tap_is_int((long long) spec.ndeps, 1, "one dependency");
    tap_is_str(spec.type->name, "noop", "type");
    sv_job_spec_free(&spec);

    const char *least = "{\"v\":1,\"type\":\"noop\"}";

    tap_ok(sv_job_spec_parse(least, strlen(least), &spec, err, sizeof(err)),
           "the least job is accepted (%s)", err);
    tap_ok(!spec.id_given && spec.id[0] == '\0', "no id: none made up here");
    tap_is_int(spec.priority, 5, "default priority 5");
    tap_is_int(spec.max_attempts, 5, "default max_attempts 5");
    tap_ok(spec.payload != NULL && spec.payload->u.object.len == 0,
           "a missing payload is an empty object");
    sv_job_spec_free(&spec);
}

static void
test_bad(void)
{
    size_t big_len = SV_JOB_SPEC_MAX + 10;
    char  *big = malloc(big_len + 1);
    char   deep[200] = "{\"v\":1,\"type\":\"noop\",\"payload\":{\"x\":";
    char   err[256];

    refused("{\"v\":1,\"type\":", "malformed JSON", "truncated JSON");
    refused("not json", "malformed JSON", "text");
    refused("{\"v\":1,\"type\":\"noop\"} {}", "malformed JSON",
            "two values");
    refused("[1]", "JSON object", "an array");

    memset(big, ' ', big_len);
    memcpy(big, "{\"v\":1,\"type\":\"noop\"}", 21);
    big[big_len] = '\0';
    refused(big, "too big", "65 KiB");
    free(big);

    for (int i = 0; i < 40; i++) {
        strcat(deep, "[");
    }
    refused(deep, "nested deeper", "40 levels of arrays");
    tap_ok(!parses("{\"v\":1,\"type\":\"noop\",\"x\":\"[[[[[[[[[[[[[[[[[[[[["
                   "[[[[[[[[[[[[[[[[[[\"}", err, sizeof(err))
           && strstr(err, "unknown field"),
           "brackets inside strings do not count as nesting (%s)", err);

    refused("{\"v\":1,\"type\":\"noop\",\"x\":\"a.ts\\u0000/../b\"}", "NUL",
            "a \\u0000 escape, which would cut the string short");
    tap_ok(!parses("{\"v\":1,\"type\":\"noop\",\"x\":\"a\\\\u0000\"}", err,
                   sizeof(err))
           && strstr(err, "unknown field"),
           "an escaped backslash before u0000 is no NUL (%s)", err);

    refused("{\"v\":1,\"type\":\"noop\",\"extra\":1}", "unknown field",
            "an unknown field");
    refused("{\"v\":1,\"type\":\"noop\",\"v\":1}", "twice",
            "a repeated field");
    refused("{\"v\":1,\"type\":\"transcode\"}", "unknown job type",
            "an unknown type");
    refused("{\"v\":1,\"type\":7}", "type must be", "a numeric type");
    refused("{\"v\":1}", "missing field \"type\"", "no type");
    refused("{\"type\":\"noop\"}", "missing field \"v\"", "no version");
    refused("{\"v\":2,\"type\":\"noop\"}", "version", "version 2");
    refused("{\"v\":1,\"type\":\"noop\",\"id\":\"not-a-uuid\"}", "UUID",
            "a bad id");
    refused("{\"v\":1,\"type\":\"noop\","
            "\"id\":\"0f0e0d0c-0b0a-4908-8706-0504030201000\"}", "UUID",
            "an id one digit too long");
    refused("{\"v\":1,\"type\":\"noop\",\"priority\":10}", "priority",
            "priority 10");
    refused("{\"v\":1,\"type\":\"noop\",\"priority\":-1}", "priority",
            "priority -1");
    refused("{\"v\":1,\"type\":\"noop\",\"priority\":1.5}", "priority",
            "a fractional priority");
    refused("{\"v\":1,\"type\":\"noop\",\"priority\":\"1\"}", "priority",
            "a priority in quotes");
    refused("{\"v\":1,\"type\":\"noop\",\"priority\":"
            "99999999999999999999999}", "priority", "a huge priority");
    refused("{\"v\":1,\"type\":\"noop\",\"max_attempts\":0}", "max_attempts",
            "max_attempts 0");
    refused("{\"v\":1,\"type\":\"noop\",\"max_attempts\":21}",
            "max_attempts", "max_attempts 21");
    refused("{\"v\":1,\"type\":\"noop\",\"depends_on\":\"x\"}", "depends_on",
            "depends_on a string");
    refused("{\"v\":1,\"type\":\"noop\",\"depends_on\":[\"x\"]}",
            "depends_on[0]", "depends_on with a bad id");
    refused("{\"v\":1,\"type\":\"noop\",\"depends_on\":[1]}",
            "depends_on[0]", "depends_on with a number");
    refused("{\"v\":1,\"type\":\"noop\","
            "\"id\":\"11111111-2222-4333-8444-555555555555\",\"depends_on\":"
            "[\"11111111-2222-4333-8444-555555555555\"]}", "itself",
            "a job depending on itself");
    refused("{\"v\":1,\"type\":\"noop\",\"payload\":[]}", "payload",
            "an array payload");
    refused("{\"v\":1,\"type\":\"noop\",\"payload\":{\"sleep_ms\":60001}}",
            "sleep_ms", "sleep_ms over a minute");
    refused("{\"v\":1,\"type\":\"noop\",\"payload\":{\"fail\":1}}", "fail",
            "fail not a boolean");
    refused("{\"v\":1,\"type\":\"noop\",\"payload\":{\"what\":1}}",
            "unknown field", "an unknown payload field");

    const char with_nul[] = "{\"v\":1,\"type\":\"noop\"}\0x";
    struct sv_job_spec spec;

    tap_ok(!sv_job_spec_parse(with_nul, sizeof(with_nul) - 1, &spec, err,
                              sizeof(err)), "a NUL byte is refused");
    refused("{\"v\":1,\"type\":\"no\xffop\"}", "malformed JSON",
            "invalid UTF-8");
}

static void
test_uuid(void)
{
    char a[SV_UUID_SIZE], b[SV_UUID_SIZE], parsed[SV_UUID_SIZE];

    tap_ok(sv_uuid_generate(a) == 0 && sv_uuid_generate(b) == 0,
           "UUIDs are generated");
    tap_ok(strcmp(a, b) != 0, "two differ");
    tap_ok(sv_uuid_parse(a, parsed) && a[14] == '4', "version 4, parseable");
}

static void
test_backoff(void)
{
    static const uint32_t ceilings[] = {
        1000, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000,
        300000, 300000
    };

    for (unsigned i = 0; i < sizeof(ceilings) / sizeof(ceilings[0]); i++) {
        tap_is_int(sv_job_retry_ceiling_ms(i), ceilings[i],
                   "retry ceiling after %u failures", i);
    }
    tap_is_int(sv_job_retry_ceiling_ms(4000000000u), 300000,
               "no overflow for absurd failure counts");
    tap_is_int(sv_job_retry_delay_ms(1, 0), 500, "at least half the ceiling");
    tap_is_int(sv_job_retry_delay_ms(1, 500), 1000, "at most the ceiling");
    tap_is_int(sv_job_retry_delay_ms(30, UINT32_MAX) <= 300000, 1,
               "never past the cap");

    /* the shortest delay after a failure is the longest after the one
     * before, so the delays between attempts never shrink */
    for (unsigned f = 1; f < 9; f++) {
        tap_ok(sv_job_retry_delay_ms(f + 1, 0)
               >= sv_job_retry_delay_ms(f, sv_job_retry_ceiling_ms(f) / 2),
               "delays after failure %u are no shorter than after %u",
               f + 1, f);
    }
}

int
main(void)
{
    test_good();
    test_bad();
    test_uuid();
    test_backoff();
    return tap_done();
}
