-- engine 004: compensation — a run that fails or is cancelled undoes what it made before it finishes.
--
-- A workflow names compensation steps, each for a range of its steps. A run that stops (fails, or is
-- cancelled) at a step some compensation covers does not finish at once: it goes on under the same lease,
-- or is parked due now, at step index step_count, and performs its compensation steps like any other
-- steps (checkpointed, retried, polled, crash-safe). When the last one completes, the run ends as it
-- would have (`ends_as`), with the original reason as its error; `compensated_at` records that its
-- effects were undone, and such a run cannot be resumed.
--
-- `compensated_stops` is fixed when the run starts, from its definition: the step indexes at which a stop
-- is compensated, so that cancels decided in SQL (operator cancels, cancels honoured at step boundaries)
-- know whether to finish at once or to compensate.

ALTER TABLE ferry.runs
    ADD COLUMN compensated_stops integer[] NOT NULL DEFAULT '{}',
    ADD COLUMN stopped_at_step integer CHECK (stopped_at_step >= 0),
    ADD COLUMN ends_as ferry.run_status CHECK (ends_as IN ('failed', 'cancelled')),
    ADD COLUMN stop_reason text,
    ADD COLUMN compensated_at timestamptz,
    DROP CONSTRAINT runs_step_in_range,
    ADD CONSTRAINT runs_step_in_range CHECK (step_index <= step_count OR stopped_at_step IS NOT NULL),
    ADD CONSTRAINT runs_compensation_complete CHECK (
        (stopped_at_step IS NULL) = (ends_as IS NULL) AND (stopped_at_step IS NULL) = (stop_reason IS NULL)),
    ADD CONSTRAINT runs_compensated_when_finished CHECK (
        compensated_at IS NULL OR (stopped_at_step IS NOT NULL AND status = ends_as));

-- A run that stops no longer wants the permits it was queued for: it leaves every line at once, so that it
-- does not hold back the runs queued behind it while it undoes what it made, and passes its turn on (it
-- may have been woken for a free permit it will now never take). The permits it holds it keeps until it
-- finishes: what they protect may be in use until its compensation is done.
CREATE FUNCTION ferry.leave_semaphore_queues() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ferry.leave_semaphore_lines(NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER runs_stopped_leave_semaphore_queues
    AFTER UPDATE OF stopped_at_step ON ferry.runs
    FOR EACH ROW WHEN (NEW.uses_semaphores AND OLD.stopped_at_step IS NULL AND NEW.stopped_at_step IS NOT NULL)
    EXECUTE FUNCTION ferry.leave_semaphore_queues();
