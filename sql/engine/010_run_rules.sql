-- engine 010: a run's rules checked by the writes that can break them, not by every write.
--
-- Engine 008 checked all seventeen rules of a run in one CHECK calling ferry.check_run. PostgreSQL evaluates
-- every CHECK of a table at every write of a row, and a PL/pgSQL call from a CHECK sets its function up again
-- each time: measured with ferry-bench (--alter), checking the rules that way cost about 60 µs of the
-- server's CPU per step, the most expensive thing a step checkpoint did. Yet a checkpoint that moves a run to
-- its next step sets only step_index, step_attempt, step_polls, step_started_at and last_error, and most
-- rules read none of these. So the rules are now in two places, each rule in one of them:
--
--   * The six rules that read a column a step checkpoint sets are plain CHECK constraints, checked at every
--     write as before (small expressions, which PostgreSQL prepares cheaply).
--   * The other eleven are checked by the trigger runs_rules, which fires on INSERT and on an UPDATE that
--     sets any column those rules read (its column list), and so not on a step checkpoint. A rule whose
--     columns an UPDATE does not set holds after it as it held before.
--
-- Every rule still refuses a row under its own name: SQLSTATE 23514 (check_violation), the rule's name in
-- the error's CONSTRAINT field and in its message. Whoever adds a rule that reads a column not in the
-- trigger's list adds the column to the list (a test compares the two), or makes the rule a CHECK.

ALTER TABLE ferry.runs DROP CONSTRAINT runs_rules;
DROP FUNCTION ferry.check_run(ferry.runs);

ALTER TABLE ferry.runs
    ADD CONSTRAINT runs_failed_with_error CHECK (status <> 'failed' OR last_error IS NOT NULL),
    ADD CONSTRAINT runs_step_attempt_check CHECK (step_attempt >= 0),
    ADD CONSTRAINT runs_step_in_range CHECK (step_index <= step_count OR stopped_at_step IS NOT NULL),
    ADD CONSTRAINT runs_step_index_check CHECK (step_index >= 0),
    ADD CONSTRAINT runs_step_polls_check CHECK (step_polls >= 0),
    ADD CONSTRAINT runs_succeeded_after_last_step CHECK (status <> 'succeeded' OR step_index = step_count);

-- As in engine 008, the trigger tries its rules in the order of their names and reports the first broken one
-- (before PostgreSQL checks the CHECKs); a rule whose value is NULL holds.
CREATE FUNCTION ferry.check_run_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken text := CASE
        WHEN NOT coalesce((NEW.cancel_requested_at IS NULL) = (NEW.cancel_requested_by IS NULL), true)
            THEN 'runs_cancel_request_has_actor'
        WHEN NOT coalesce(NEW.compensated_at IS NULL OR (NEW.stopped_at_step IS NOT NULL AND NEW.status = NEW.ends_as), true)
            THEN 'runs_compensated_when_finished'
        WHEN NOT coalesce((NEW.stopped_at_step IS NULL) = (NEW.ends_as IS NULL) AND (NEW.stopped_at_step IS NULL) = (NEW.stop_reason IS NULL), true)
            THEN 'runs_compensation_complete'
        WHEN NOT coalesce((NEW.status IN ('succeeded', 'failed', 'cancelled')) = (NEW.next_wake_at IS NULL), true)
            THEN 'runs_due_iff_unfinished'
        WHEN NOT coalesce(NEW.ends_as IN ('failed', 'cancelled'), true)
            THEN 'runs_ends_as_check'
        WHEN NOT coalesce((NEW.status IN ('succeeded', 'failed', 'cancelled')) = (NEW.finished_at IS NOT NULL), true)
            THEN 'runs_finished_at_iff_finished'
        WHEN NOT coalesce(jsonb_typeof(NEW.input) = 'object', true)
            THEN 'runs_input_check'
        WHEN NOT coalesce((NEW.status = 'running') = (NEW.lease_owner IS NOT NULL AND NEW.lease_expires_at IS NOT NULL), true)
            THEN 'runs_lease_iff_running'
        WHEN NOT coalesce(NEW.status <> 'running' OR NEW.next_wake_at = NEW.lease_expires_at, true)
            THEN 'runs_running_due_at_lease_expiry'
        WHEN NOT coalesce(NEW.step_count > 0, true) THEN 'runs_step_count_check'
        WHEN NOT coalesce(NEW.stopped_at_step >= 0, true) THEN 'runs_stopped_at_step_check'
    END;
BEGIN
    IF broken IS NOT NULL THEN
        RAISE EXCEPTION 'new row for relation "runs" violates check constraint "%"', broken
            USING ERRCODE = 'check_violation', CONSTRAINT = broken, SCHEMA = 'ferry', TABLE = 'runs';
    END IF;
    RETURN NEW;
END $$;

-- The columns the rules above read: an UPDATE that sets none of them cannot break one.
CREATE TRIGGER runs_rules
    BEFORE INSERT OR UPDATE OF cancel_requested_at, cancel_requested_by, compensated_at, ends_as, finished_at, input,
        lease_expires_at, lease_owner, next_wake_at, status, step_count, stop_reason, stopped_at_step
    ON ferry.runs FOR EACH ROW EXECUTE FUNCTION ferry.check_run_rules();

-- As engine 006 (roles) says of every function: it runs as its caller, and only the worker writes runs.
REVOKE EXECUTE ON FUNCTION ferry.check_run_rules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ferry.check_run_rules() TO ferry_worker;
