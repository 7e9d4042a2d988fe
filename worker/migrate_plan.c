/*
 * Migration file names and ordering (see migrate_plan.h).
 */

#include "migrate_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define SQL_SUFFIX  ".sql"

static bool
ends_with_sql(const char *name, size_t len)
{
    size_t suffix_len = sizeof(SQL_SUFFIX) - 1;

    return len >= suffix_len
           && strcmp(name + len - suffix_len, SQL_SUFFIX) == 0;
}

bool
sv_migration_name_parse(const char *name, unsigned *version)
{
    size_t len = strlen(name);
    size_t stem_end = len - (sizeof(SQL_SUFFIX) - 1);

    /* "NNN_" + at least one character + ".sql" */
    if (len > SV_MIGRATION_NAME_MAX || !ends_with_sql(name, len)
        || stem_end < 5 || name[3] != '_') {
        return false;
    }

    for (size_t i = 0; i < 3; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return false;
        }
    }

    for (size_t i = 4; i < stem_end; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }

    *version = (unsigned) ((name[0] - '0') * 100 + (name[1] - '0') * 10
                           + (name[2] - '0'));
    return true;
}

/* By version; by name among equal versions, so errors read the same on
 * every run. */
static int
by_version(const void *a, const void *b)
{
    const struct sv_migration_file *ma = a, *mb = b;

    if (ma->version != mb->version) {
        return ma->version < mb->version ? -1 : 1;
    }
    return strcmp(ma->name, mb->name);
}

int
sv_migration_plan(const char *const *names, size_t n,
                  struct sv_migration_file *out, size_t *count, char *err,
                  size_t errlen)
{
    size_t  used = 0;
    char    shown[80];

    for (size_t i = 0; i < n; i++) {
        unsigned version;

        if (!ends_with_sql(names[i], strlen(names[i]))) {
            continue;
        }

        if (!sv_migration_name_parse(names[i], &version)) {
            sv_printable(names[i], shown, sizeof(shown));
            snprintf(err, errlen, "unexpected file '%s' among the migrations: "
                     "names must look like 001_name.sql (three digits, '_', "
                     "then a-z, 0-9, '_'); rename or remove it", shown);
            return -1;
        }

        out[used].version = version;
        memcpy(out[used].name, names[i], strlen(names[i]) + 1);
        used++;
    }

    qsort(out, used, sizeof(out[0]), by_version);

    for (size_t i = 1; i < used; i++) {
        if (out[i].version == out[i - 1].version) {
            snprintf(err, errlen, "migrations %s and %s have the same number; "
                     "each number must be used once", out[i - 1].name,
                     out[i].name);
            return -1;
        }
    }

    *count = used;
    return 0;
}
