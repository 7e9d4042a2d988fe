/*
 * Which files of the migration directory are migrations, and their order.
 * Pure: works on the list of names, so the rules are unit-tested.
 *
 * A migration is named NNN_name.sql: three digits (its version), '_', then
 * lower-case letters, digits and '_'. Any other *.sql name is an error
 * rather than silently skipped, as is a version used twice; files not
 * ending in .sql (README, editor backups) are ignored.
 */

#ifndef SV_MIGRATE_PLAN_H
#define SV_MIGRATE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#define SV_MIGRATION_NAME_MAX  255

struct sv_migration_file {
    unsigned  version;
    char      name[SV_MIGRATION_NAME_MAX + 1];
};

/* True if name is a migration name; sets *version. */
bool sv_migration_name_parse(const char *name, unsigned *version);

/*
 * Picks the migrations among names[0..n) into out (room for n entries) in
 * version order, setting *count. 0, or -1 with the reason in err.
 */
int sv_migration_plan(const char *const *names, size_t n,
                      struct sv_migration_file *out, size_t *count,
                      char *err, size_t errlen);

#endif /* SV_MIGRATE_PLAN_H */
