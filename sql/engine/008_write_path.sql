-- engine 008: less server work per write of a run: its rules checked by one function, fewer index entries per run.
--
-- The rules of a run, checked by one function instead of seventeen CHECK constraints. PostgreSQL keeps a
-- table's CHECK constraints as stored expression trees, and reads and plans each one again for every statement
-- that writes a row: nothing is kept from one statement to the next. The engine writes a run at every claim and
-- every step checkpoint, and reading runs' seventeen rules was a third of the server's work per step. The rules
-- are unchanged; one CHECK now calls ferry.check_run, whose expression PL/pgSQL plans once per session. A
-- broken rule is reported under its own name as before: SQLSTATE 23514 (check_violation), the rule's name in
-- the error's CONSTRAINT field and in its message. As PostgreSQL does with constraints, the rules are tried
-- in the order of their names and the first broken one is reported; a rule whose value is NULL holds.

ALTER TABLE ferry.runs
    DROP CONSTRAINT runs_cancel_request_has_actor,
    DROP CONSTRAINT runs_compensated_when_finished,
    DROP CONSTRAINT runs_compensation_complete,
    DROP CONSTRAINT runs_due_iff_unfinished,
    DROP CONSTRAINT runs_ends_as_check,
    DROP CONSTRAINT runs_failed_with_error,
    DROP CONSTRAINT runs_finished_at_iff_finished,
    DROP CONSTRAINT runs_input_check,
    DROP CONSTRAINT runs_lease_iff_running,
    DROP CONSTRAINT runs_running_due_at_lease_expiry,
    DROP CONSTRAINT runs_step_attempt_check,
    DROP CONSTRAINT runs_step_count_check,
    DROP CONSTRAINT runs_step_in_range,
    DROP CONSTRAINT runs_step_index_check,
    DROP CONSTRAINT runs_step_polls_check,
    DROP CONSTRAINT runs_stopped_at_step_check,
    DROP CONSTRAINT runs_succeeded_after_last_step;

CREATE FUNCTION ferry.check_run(r ferry.runs) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    broken text := CASE
        WHEN NOT coalesce((r.cancel_requested_at IS NULL) = (r.cancel_requested_by IS NULL), true)
            THEN 'runs_cancel_request_has_actor'
        WHEN NOT coalesce(r.compensated_at IS NULL OR (r.stopped_at_step IS NOT NULL AND r.status = r.ends_as), true)
            THEN 'runs_compensated_when_finished'
        WHEN NOT coalesce((r.stopped_at_step IS NULL) = (r.ends_as IS NULL) AND (r.stopped_at_step IS NULL) = (r.stop_reason IS NULL), true)
            THEN 'runs_compensation_complete'
        WHEN NOT coalesce((r.status IN ('succeeded', 'failed', 'cancelled')) = (r.next_wake_at IS NULL), true)
            THEN 'runs_due_iff_unfinished'
        WHEN NOT coalesce(r.ends_as IN ('failed', 'cancelled'), true)
            THEN 'runs_ends_as_check'
        WHEN NOT coalesce(r.status <> 'failed' OR r.last_error IS NOT NULL, true)
            THEN 'runs_failed_with_error'
        WHEN NOT coalesce((r.status IN ('succeeded', 'failed', 'cancelled')) = (r.finished_at IS NOT NULL), true)
            THEN 'runs_finished_at_iff_finished'
        WHEN NOT coalesce(jsonb_typeof(r.input) = 'object', true)
            THEN 'runs_input_check'
        WHEN NOT coalesce((r.status = 'running') = (r.lease_owner IS NOT NULL AND r.lease_expires_at IS NOT NULL), true)
            THEN 'runs_lease_iff_running'
        WHEN NOT coalesce(r.status <> 'running' OR r.next_wake_at = r.lease_expires_at, true)
            THEN 'runs_running_due_at_lease_expiry'
        WHEN NOT coalesce(r.step_attempt >= 0, true) THEN 'runs_step_attempt_check'
        WHEN NOT coalesce(r.step_count > 0, true) THEN 'runs_step_count_check'
        WHEN NOT coalesce(r.step_index <= r.step_count OR r.stopped_at_step IS NOT NULL, true)
            THEN 'runs_step_in_range'
        WHEN NOT coalesce(r.step_index >= 0, true) THEN 'runs_step_index_check'
        WHEN NOT coalesce(r.step_polls >= 0, true) THEN 'runs_step_polls_check'
        WHEN NOT coalesce(r.stopped_at_step >= 0, true) THEN 'runs_stopped_at_step_check'
        WHEN NOT coalesce(r.status <> 'succeeded' OR r.step_index = r.step_count, true)
            THEN 'runs_succeeded_after_last_step'
    END;
BEGIN
    IF broken IS NOT NULL THEN
        RAISE EXCEPTION 'new row for relation "runs" violates check constraint "%"', broken
            USING ERRCODE = 'check_violation', CONSTRAINT = broken, SCHEMA = 'ferry', TABLE = 'runs';
    END IF;
    RETURN true;
END $$;

ALTER TABLE ferry.runs ADD CONSTRAINT runs_rules CHECK (ferry.check_run(runs));

-- As engine 006 (roles) says of every function: it runs as its caller, and only the worker writes runs.
REVOKE EXECUTE ON FUNCTION ferry.check_run(ferry.runs) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ferry.check_run(ferry.runs) TO ferry_worker;

-- Index entries that every run paid for: a claim and a finish move a run's row (they change next_wake_at,
-- so they cannot be HOT updates), and each such update adds an entry to every index of runs. The unique
-- index of idempotency keys held one for every run, although only runs started with a key have one; and
-- the audit log's time index a B-tree entry for every event, although events are appended in time order,
-- which a BRIN index answers range queries on at the cost of a summary per range of pages.
ALTER TABLE ferry.runs DROP CONSTRAINT runs_idempotency_key_key;
CREATE UNIQUE INDEX runs_idempotency_key ON ferry.runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
DROP INDEX ferry.events_occurred_at;
CREATE INDEX events_occurred_at ON ferry.events USING brin (occurred_at) WITH (autosummarize = on);
