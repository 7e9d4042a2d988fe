-- StreamVault: the jobs table keeps the newest report of each job.
--
-- Workers write a job's state after the Redis script that changed it, so
-- the reports of two workers can arrive in either order: the injecting
-- worker's "queued" after the "running" of the worker that took the job,
-- or even after its "succeeded". Each report now carries its revision
-- (Redis' clock in microseconds, rising per job: worker/queue.h), and an
-- older one changes nothing. Rows the API or SQL inserts start at 0.
--
-- Applied in one transaction by the worker: no BEGIN/COMMIT here.

ALTER TABLE jobs ADD COLUMN queue_rev bigint NOT NULL DEFAULT 0
    CHECK (queue_rev >= 0);
