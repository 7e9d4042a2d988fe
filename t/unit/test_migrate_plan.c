/*
 * Which files are migrations and in what order (worker/migrate_plan.c).
 */

#include <string.h>

#include "migrate_plan.h"
#include "tap.h"

#define NAMES(...)  (const char *const[]) { __VA_ARGS__ }
#define COUNT(...)  (sizeof(NAMES(__VA_ARGS__)) / sizeof(const char *))

static struct sv_migration_file  plan[16];
static size_t                    planned;
static char                      err[1024];

static int
make_plan(const char *const *names, size_t n)
{
    err[0] = '\0';
    planned = 0;
    return sv_migration_plan(names, n, plan, &planned, err, sizeof(err));
}

#define PLAN(...)  make_plan(NAMES(__VA_ARGS__), COUNT(__VA_ARGS__))

static void
test_names(void)
{
    static const char *const good[] = {
        "001_initial.sql", "000_zero.sql", "999_last.sql", "010_a_b_2.sql",
        "002__.sql",
    };
    static const char *const bad[] = {
        "1_x.sql", "01_x.sql", "0001_x.sql", "001-x.sql", "001_.sql",
        "001_Initial.sql", "001_x-y.sql", "001_x y.sql", "abc_x.sql",
        ".sql", "001_x.sql.bak", "001_x.SQL", "001_\xc3\xa9.sql",
    };
    unsigned version = 12345;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        tap_ok(sv_migration_name_parse(good[i], &version), "%s is a "
               "migration name", good[i]);
    }
    sv_migration_name_parse("042_x.sql", &version);
    tap_is_int(version, 42, "its number is the version");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tap_ok(!sv_migration_name_parse(bad[i], &version), "'%s' is not",
               bad[i]);
    }
}

static void
test_order(void)
{
    int rc = PLAN("010_c.sql", "README.md", "002_b.sql", ".001_a.sql.swp",
                  "001_a.sql", "notes.txt", "100_d.sql");

    tap_is_int(rc, 0, "a directory with migrations and other files");
    tap_is_int((long long) planned, 4, "other files are ignored");
    tap_ok(planned == 4 && strcmp(plan[0].name, "001_a.sql") == 0
           && strcmp(plan[1].name, "002_b.sql") == 0
           && strcmp(plan[2].name, "010_c.sql") == 0
           && strcmp(plan[3].name, "100_d.sql") == 0,
           "ordered by number, not by listing order");
    tap_ok(plan[2].version == 10 && plan[3].version == 100,
           "with versions");

    tap_is_int(make_plan(NULL, 0), 0, "an empty directory is fine");
    tap_is_int((long long) planned, 0, "with nothing to apply");
}

static void
test_refusals(void)
{
    tap_is_int(PLAN("001_a.sql", "002 b.sql"), -1,
               "a *.sql file with a bad name is an error");
    tap_is_str(err, "unexpected file '002 b.sql' among the migrations: "
               "names must look like 001_name.sql (three digits, '_', then "
               "a-z, 0-9, '_'); rename or remove it", "naming it");

    tap_is_int(PLAN("002_b.sql", "001_x.sql", "002_a.sql"), -1,
               "a number used twice is an error");
    tap_is_str(err, "migrations 002_a.sql and 002_b.sql have the same "
               "number; each number must be used once", "naming both");

    tap_is_int(PLAN("001_\x1b[31m.sql"), -1, "a name with escape codes");
    tap_is_str(err, "unexpected file '001_?[31m.sql' among the migrations: "
               "names must look like 001_name.sql (three digits, '_', then "
               "a-z, 0-9, '_'); rename or remove it",
               "is shown harmless");
}

int
main(void)
{
    test_names();
    test_order();
    test_refusals();
    return tap_done();
}
