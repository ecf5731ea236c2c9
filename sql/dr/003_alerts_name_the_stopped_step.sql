-- dr 003: the failed-run alert of a compensated run (engine 004) names the step at which it stopped.

-- The alert of a compensated run names the step at which it stopped, not its last compensation step (nor,
-- when no event names that step, as after an operator's cancel, the position of a compensation step).
CREATE OR REPLACE FUNCTION ferry.alert_run_failed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    database text := NEW.input->>'database';
    step text;
BEGIN
    SELECT e.step_name INTO step FROM ferry.events e
    WHERE e.run_id = NEW.id AND e.step_name IS NOT NULL AND (NEW.stopped_at_step IS NULL OR e.kind = 'run.compensating')
    ORDER BY e.id DESC LIMIT 1;
    step := coalesce(step, format('%s of %s', coalesce(NEW.stopped_at_step, NEW.step_index) + 1, NEW.step_count));
    INSERT INTO ferry.alerts (kind, subject, message, dedupe_key, run_id, database)
    VALUES (
        'run_failed',
        left(format('Ferry %s failed%s', NEW.workflow, coalesce(': ' || database, '')), 100),
        format('Ferry %s%s failed at step %s: %s%s — run %s (ferry runs show %s)',
               NEW.workflow, coalesce(' of ' || database, ''), step, NEW.last_error,
               CASE WHEN NEW.compensated_at IS NOT NULL THEN ' (what it had made was undone)' ELSE '' END,
               NEW.id, NEW.id),
        format('run_failed:%s:%s', NEW.id, extract(epoch FROM NEW.finished_at)),
        NEW.id, database)
    ON CONFLICT (dedupe_key) DO NOTHING;
    RETURN NULL;
END $$;
