/*
 * Reading payload objects against a table (worker/payload_check.c): what
 * is stored, what is refused and how the reason names the member.
 */

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "payload_check.h"
#include "tap.h"

struct sample {
    const char *video, *title, *date, *action;
    yajl_val    inputs, inner, raw;
    long long   count;
    double      ratio;
    bool        flag;
    const char *inner_name;
};

static bool
raw_ok(const char *what, yajl_val v, char *err, size_t errlen)
{
    if (!YAJL_IS_NULL(v)) {
        snprintf(err, errlen, "payload.%s must be null", what);
        return false;
    }
    return true;
}

#define FIELD(name, req, read, member, arg)                                   \
    { name, req, read, offsetof(struct sample, member), arg }

static const struct sv_payload_field fields[] = {
    FIELD("video", true, sv_payload_path, video, ".mp4"),
    FIELD("inputs", false, sv_payload_paths, inputs, sv_payload_range(1, 2)),
    FIELD("title", false, sv_payload_text, title,
          (&(const struct sv_payload_text) { 0, 8, true })),
    FIELD("date", false, sv_payload_date, date, NULL),
    FIELD("action", false, sv_payload_choice, action,
          ((const char *const []) { "go", "stop", NULL })),
    FIELD("count", false, sv_payload_integer, count, sv_payload_range(1, 9)),
    FIELD("ratio", false, sv_payload_number, ratio,
          (&(const struct sv_payload_number) { 0, 2.5, true })),
    FIELD("flag", false, sv_payload_bool, flag, NULL),
    FIELD("inner", false, sv_payload_object, inner, NULL),
    FIELD("raw", false, sv_payload_value, raw, sv_payload_check(raw_ok)),
};

static const struct sv_payload_field inner_fields[] = {
    FIELD("name", true, sv_payload_text, inner_name,
          (&(const struct sv_payload_text) { 1, 4, false })),
};

/* Reads json into s; the reason ("" when read), the tree kept in *tree. */
static const char *
read_json(const char *json, struct sample *s, yajl_val *tree)
{
    static char err[256];

    *s = (struct sample) { .count = -1, .ratio = -1 };
    err[0] = '\0';
    *tree = yajl_tree_parse(json, NULL, 0);
    if (*tree == NULL) {
        return "(not JSON)";
    }
    if (sv_payload_read(*tree, "", fields, sv_payload_nfields(fields), s,
                        err, sizeof(err))
        && s->inner != NULL) {
        sv_payload_read(s->inner, "inner", inner_fields,
                        sv_payload_nfields(inner_fields), s, err,
                        sizeof(err));
    }
    return err;
}

static void
refused(const char *json, const char *reason)
{
    struct sample s;
    yajl_val      tree;

    tap_is_str(read_json(json, &s, &tree), reason, "%s", json);
    yajl_tree_free(tree);
}

static void
reading(void)
{
    struct sample s;
    yajl_val      tree;

    tap_is_str(read_json("{\"video\":\"a/b.mp4\",\"inputs\":[\"x\",\"y\"],"
                         "\"title\":\"T\",\"date\":\"2026-11-21\","
                         "\"action\":\"stop\",\"count\":9,\"ratio\":2.5,"
                         "\"flag\":true,\"inner\":{\"name\":\"n\"},"
                         "\"raw\":null}", &s, &tree), "",
               "every member read");
    tap_is_str(s.video, "a/b.mp4", "a path stored");
    tap_is_int((long long) s.inputs->u.array.len, 2, "the paths stored");
    tap_is_str(s.title, "T", "a text stored");
    tap_is_str(s.date, "2026-11-21", "a date stored");
    tap_is_str(s.action, "stop", "a choice stored");
    tap_is_int(s.count, 9, "an integer stored, its maximum allowed");
    tap_ok(s.ratio == 2.5, "a number stored, its maximum allowed");
    tap_ok(s.flag, "a bool stored");
    tap_is_str(s.inner_name, "n", "a nested object read");
    tap_ok(YAJL_IS_NULL(s.raw), "a raw value stored");
    yajl_tree_free(tree);

    tap_is_str(read_json("{\"video\":\"v.mp4\",\"ratio\":1}", &s, &tree), "",
               "optional members may be absent");
    tap_ok(s.count == -1 && s.title == NULL && !s.flag,
           "absent members keep their defaults");
    tap_ok(s.ratio == 1.0, "an integer is a number");
    yajl_tree_free(tree);
}

static void
refusing(void)
{
    refused("{}", "payload.video is required");
    refused("[]", "payload must be an object");
    refused("{\"video\":\"v.mp4\",\"what\":1}",
            "payload: unknown field \"what\"");
    refused("{\"what\":1,\"video\":5}", "payload: unknown field \"what\"");
    refused("{\"video\":5}", "payload.video must be a string");
    refused("{\"video\":\"../v.mp4\"}",
            "payload.video: has an empty, '.' or '..' component");
    refused("{\"video\":\"v.mkv\"}", "payload.video must end in .mp4");
    refused("{\"video\":\"v.mp4\",\"inputs\":[]}",
            "payload.inputs must be an array of 1..2 paths");
    refused("{\"video\":\"v.mp4\",\"inputs\":\"x\"}",
            "payload.inputs must be an array of 1..2 paths");
    refused("{\"video\":\"v.mp4\",\"inputs\":[\"x\",\"/y\"]}",
            "payload.inputs[1]: must be relative (no leading '/')");
    refused("{\"video\":\"v.mp4\",\"title\":\"123456789\"}",
            "payload.title must be a string of at most 8 bytes");
    refused("{\"video\":\"v.mp4\",\"title\":\"a\\u0001\"}",
            "payload.title has a control character");
    refused("{\"video\":\"v.mp4\",\"date\":\"2026-13-01\"}",
            "payload.date must be YYYY-MM-DD");
    refused("{\"video\":\"v.mp4\",\"date\":\"2026-1-011\"}",
            "payload.date must be YYYY-MM-DD");
    refused("{\"video\":\"v.mp4\",\"action\":\"run\"}",
            "payload.action must be one of go, stop");
    refused("{\"video\":\"v.mp4\",\"action\":1}",
            "payload.action must be one of go, stop");
    refused("{\"video\":\"v.mp4\",\"count\":0}",
            "payload.count must be an integer in 1..9");
    refused("{\"video\":\"v.mp4\",\"count\":1.5}",
            "payload.count must be an integer in 1..9");
    refused("{\"video\":\"v.mp4\",\"count\":\"3\"}",
            "payload.count must be an integer in 1..9");
    refused("{\"video\":\"v.mp4\",\"ratio\":0}",
            "payload.ratio must be a number 0 < d <= 2.5");
    refused("{\"video\":\"v.mp4\",\"ratio\":2.51}",
            "payload.ratio must be a number 0 < d <= 2.5");
    refused("{\"video\":\"v.mp4\",\"ratio\":\"1\"}",
            "payload.ratio must be a number 0 < d <= 2.5");
    refused("{\"video\":\"v.mp4\",\"flag\":1}",
            "payload.flag must be true or false");
    refused("{\"video\":\"v.mp4\",\"inner\":[]}",
            "payload.inner must be an object");
    refused("{\"video\":\"v.mp4\",\"inner\":{}}",
            "payload.inner.name is required");
    refused("{\"video\":\"v.mp4\",\"inner\":{\"name\":\"\"}}",
            "payload.inner.name must be a string of 1..4 bytes");
    refused("{\"video\":\"v.mp4\",\"inner\":{\"name\":\"n\",\"x\":1}}",
            "payload: unknown field \"inner.x\"");
    refused("{\"video\":\"v.mp4\",\"raw\":1}", "payload.raw must be null");
}

int
main(void)
{
    reading();
    refusing();
    return tap_done();
}
