-- engine 006: roles — the owner migrates, workers and the CLI write only what the engine writes, auditors read.
--
-- Until now workers ran as the role that ran the migrations, which owns every table: it could disable or
-- drop the trigger that keeps ferry.events append-only, replace its function, drop the tables, and rewrite
-- the checkpoints and effects the audit views read. From this migration on:
--
--   * the owner (whoever runs `ferry migrate`) owns the schema and runs DDL; nothing else should log in as it;
--   * `ferry_worker` (NOLOGIN; grant it to the login role of workers and the CLI) may read the schema and
--     write only as the engine does: INSERT on the audit log (events), step checkpoints and the effects
--     ledger (whose one UPDATE is the confirmation, confirmed_at), the engine's columns of runs, and the
--     working tables. It owns nothing, so it can create, alter, drop, disable or replace nothing;
--   * `ferry_auditor` (NOLOGIN) reads the audit views and the history, and writes nothing.
--
-- Roles belong to the cluster, not the database: they are created only if missing (a database administrator
-- may create them beforehand, for an owner without CREATEROLE), and two databases migrated at once may race
-- to create them. The grants belong to this database.
--
-- Trigger functions (permits given back here; the DR layer's failed-run alert and catalog) run
-- as the role whose statement fires them, not as their owner (no SECURITY DEFINER): every table they write
-- is one the worker writes anyway (it delivers alerts, takes permits, rebuilds the catalog), so they need
-- no more rights than the caller has, and no function lends the owner's rights to anyone.
--
-- A later migration that adds a table or function grants on it in the same migration.

DO $$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY['ferry_worker', 'ferry_auditor'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = wanted) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created at the same moment by the migration of another database in the cluster
            END;
        END IF;
    END LOOP;
END $$;

GRANT USAGE ON SCHEMA ferry TO ferry_worker, ferry_auditor;

-- Functions run as their caller; only the worker calls them (the semaphore functions, and those that the
-- triggers its statements fire call in turn).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ferry FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ferry TO ferry_worker;

-- The worker and the CLI. Identity columns need no grant on their sequences.
GRANT SELECT ON ferry.schema_migrations TO ferry_worker;
GRANT SELECT, INSERT ON ferry.workflow_definitions, ferry.events, ferry.step_checkpoints, ferry.step_effects TO ferry_worker;
GRANT UPDATE (confirmed_at) ON ferry.step_effects TO ferry_worker;
-- Runs: created, claimed, advanced, parked, cancelled and resumed; what a run is (its workflow, definition,
-- input, keys, schedule, author) is never changed after it is created.
GRANT SELECT, INSERT ON ferry.runs TO ferry_worker;
GRANT UPDATE (status, step_index, step_attempt, step_polls, step_started_at, last_error, next_wake_at,
    lease_owner, lease_expires_at, lease_epoch, cancel_requested_at, cancel_requested_by, started_at,
    finished_at, uses_semaphores, stopped_at_step, ends_as, stop_reason, compensated_at) ON ferry.runs TO ferry_worker;
GRANT SELECT, INSERT, UPDATE ON ferry.workers, ferry.schedules, ferry.semaphores TO ferry_worker;
GRANT SELECT, INSERT, DELETE ON ferry.semaphore_holders, ferry.semaphore_waiters TO ferry_worker;

-- Auditors: the history (the DR layer adds its audit views).
GRANT SELECT ON ferry.schema_migrations, ferry.workflow_definitions, ferry.runs, ferry.step_checkpoints, ferry.events,
    ferry.step_effects, ferry.schedules TO ferry_auditor;
