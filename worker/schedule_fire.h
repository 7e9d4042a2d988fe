/*
 * Recording schedules fired (sql/007_schedules.sql, README "Schedules").
 * A due schedule starts a recording through schedule.fire(), which
 * advances the schedule's next_run_at in the same statement, guarded by
 * the next_run_at it was due at: of several workers, exactly one fires a
 * run time. Run times come from the schedule's cron expression in its
 * time zone (lib/sv_cron.c); a schedule whose next_run_at is NULL gets its
 * next run from now.
 *
 * Missed runs (the worker was down at a run time): the latest missed run
 * whose duration has not passed yet starts at once, for the time that is
 * left of it; every older one is skipped, and logged once. So a schedule
 * never catches up more than one run.
 */

#ifndef SV_SCHEDULE_FIRE_H
#define SV_SCHEDULE_FIRE_H

#include <libpq-fe.h>

#define SV_SCHEDULE_POLL_S   5          /* PostgreSQL is asked this often */
#define SV_SCHEDULE_BATCH    50         /* due schedules per look */

/* Called every pass of the job loop; cheap when nothing is due: it asks
 * PostgreSQL every SV_SCHEDULE_POLL_S, or once the earliest next run it
 * saw is due. Failures are logged and tried again at the next look. */
void sv_schedule_fire(PGconn *pg);

#endif /* SV_SCHEDULE_FIRE_H */
