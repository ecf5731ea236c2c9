-- engine 003: named semaphores — a pool of N permits that runs hold across steps and parks.
--
-- A permit belongs to a run, not to a worker: it stays held while the run is parked or changes hands after
-- a crash, and it is released by the run (ferry.release_permits) or, whatever happens, when the run
-- finishes (the trigger below). A run that finds no free permit waits in line and is woken, due now, in
-- arrival order as permits are released: waiting holds no thread and needs no polling.
--
-- `in_use` is the number of holder rows; only the functions below change either, under the semaphore's
-- row lock, so two runs can never both take the last permit.
--
-- Whenever permits may have become free for someone in line (a release, a semaphore grown, a run leaving
-- the line), the runs first in line are woken; a run refused while still running (it cannot be woken
-- then) is parked due now by the engine if a permit is free for it by the time it parks.

-- Set on a run once it asks for a permit: only such runs have permits or places in line to give back, so the
-- triggers that give them back fire for them alone.
ALTER TABLE ferry.runs ADD COLUMN uses_semaphores boolean NOT NULL DEFAULT false;

CREATE TABLE ferry.semaphores (
    name        text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    permits     integer NOT NULL CHECK (permits > 0),
    in_use      integer NOT NULL DEFAULT 0 CHECK (in_use >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ferry.semaphore_holders (
    semaphore    text NOT NULL REFERENCES ferry.semaphores (name),
    run_id       uuid NOT NULL REFERENCES ferry.runs (id),
    step_name    text NOT NULL,
    acquired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (semaphore, run_id)
);

CREATE INDEX semaphore_holders_run ON ferry.semaphore_holders (run_id);

CREATE TABLE ferry.semaphore_waiters (
    semaphore  text NOT NULL REFERENCES ferry.semaphores (name),
    run_id     uuid NOT NULL REFERENCES ferry.runs (id),
    since      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (semaphore, run_id)
);

CREATE INDEX semaphore_waiters_run ON ferry.semaphore_waiters (run_id);

-- Wakes, due now, the waiting runs first in line for each of `p_semaphores`: as many per semaphore as it has
-- permits free. Those already due or running are left as they are (a running one finds the free permit
-- when it parks; see RunStore.park).
CREATE FUNCTION ferry.wake_semaphore_waiters(p_semaphores text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_semaphores) = 0 THEN
        RETURN;
    END IF;
    UPDATE ferry.runs r SET next_wake_at = now()
    FROM (
        SELECT first.run_id FROM ferry.semaphores s
        CROSS JOIN LATERAL (
            SELECT w.run_id FROM ferry.semaphore_waiters w
            WHERE w.semaphore = s.name
            ORDER BY w.since LIMIT greatest(s.permits - s.in_use, 0)
        ) first
        WHERE s.name = ANY (p_semaphores)
    ) first_in_line
    WHERE r.id = first_in_line.run_id AND r.status = 'waiting' AND r.next_wake_at > now();
END $$;

-- Takes a permit of `p_semaphore` (created with `p_permits`, resized to it when it differs) for the run, if
-- the run is still running under lease `p_epoch`. Idempotent: a run that holds a permit holds it again.
-- First come, first served: a free permit goes to a run only when fewer runs than there are free permits
-- queued before it. No row when the lease was lost.
--
-- The run's row is locked (and marked as using semaphores) from the lease check on: the run cannot finish (and its permits be given
-- back by the trigger below) between the check and the grant, which would leave a permit held for ever.
CREATE FUNCTION ferry.acquire_permit(p_semaphore text, p_permits integer, p_run uuid, p_epoch bigint, p_step text)
RETURNS TABLE (acquired boolean, in_use integer, permits integer) LANGUAGE plpgsql AS $$
DECLARE
    sem ferry.semaphores;
    queued_before integer;
    my_since timestamptz;
    resized integer;
BEGIN
    UPDATE ferry.runs r SET uses_semaphores = true
    WHERE r.id = p_run AND r.lease_epoch = p_epoch AND r.status = 'running' AND r.lease_expires_at > now();
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO ferry.semaphores AS s (name, permits) VALUES (p_semaphore, p_permits)
    ON CONFLICT (name) DO UPDATE SET permits = excluded.permits, updated_at = now() WHERE s.permits <> excluded.permits;
    GET DIAGNOSTICS resized = ROW_COUNT;
    SELECT * INTO sem FROM ferry.semaphores s WHERE s.name = p_semaphore FOR UPDATE;
    IF resized > 0 THEN
        -- Created, or resized: a semaphore that grew has permits free for the runs already in line.
        PERFORM ferry.wake_semaphore_waiters(ARRAY[p_semaphore]);
    END IF;
    IF EXISTS (SELECT 1 FROM ferry.semaphore_holders h WHERE h.semaphore = p_semaphore AND h.run_id = p_run) THEN
        RETURN QUERY SELECT true, sem.in_use, sem.permits;
        RETURN;
    END IF;
    SELECT w.since INTO my_since FROM ferry.semaphore_waiters w WHERE w.semaphore = p_semaphore AND w.run_id = p_run;
    SELECT count(*) INTO queued_before FROM ferry.semaphore_waiters w
    WHERE w.semaphore = p_semaphore AND w.run_id <> p_run AND (my_since IS NULL OR w.since < my_since);
    IF sem.in_use + queued_before < sem.permits THEN
        INSERT INTO ferry.semaphore_holders (semaphore, run_id, step_name) VALUES (p_semaphore, p_run, p_step);
        UPDATE ferry.semaphores s SET in_use = s.in_use + 1 WHERE s.name = p_semaphore;
        DELETE FROM ferry.semaphore_waiters w WHERE w.semaphore = p_semaphore AND w.run_id = p_run;
        RETURN QUERY SELECT true, sem.in_use + 1, sem.permits;
    ELSE
        INSERT INTO ferry.semaphore_waiters (semaphore, run_id) VALUES (p_semaphore, p_run) ON CONFLICT DO NOTHING;
        RETURN QUERY SELECT false, sem.in_use, sem.permits;
    END IF;
END $$;

-- Releases the run's permits (of one semaphore, or all with NULL), and wakes as many waiting runs, oldest
-- first, as permits became free. Returns the number of permits released. Idempotent.
CREATE FUNCTION ferry.release_permits(p_run uuid, p_semaphore text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    released record;
    freed text[] := '{}';
BEGIN
    FOR released IN
        DELETE FROM ferry.semaphore_holders h
        WHERE h.run_id = p_run AND (p_semaphore IS NULL OR h.semaphore = p_semaphore)
        RETURNING h.semaphore
    LOOP
        UPDATE ferry.semaphores s SET in_use = s.in_use - 1, updated_at = now() WHERE s.name = released.semaphore;
        freed := freed || released.semaphore;
    END LOOP;
    PERFORM ferry.wake_semaphore_waiters(freed);
    RETURN cardinality(freed);
END $$;

-- Takes the run out of every line it waits in. A run ahead of others that leaves (woken, perhaps, for a
-- permit it will now never take) passes its turn on: the runs now first in line are woken.
CREATE FUNCTION ferry.leave_semaphore_lines(p_run uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    left_lines text[];
BEGIN
    WITH removed AS (DELETE FROM ferry.semaphore_waiters w WHERE w.run_id = p_run RETURNING w.semaphore)
    SELECT coalesce(array_agg(removed.semaphore), '{}') INTO left_lines FROM removed;
    PERFORM ferry.wake_semaphore_waiters(left_lines);
END $$;

-- A run that finishes in any way (succeeded, failed, cancelled) gives back its permits and its places in line.
CREATE FUNCTION ferry.release_permits_of_finished_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ferry.leave_semaphore_lines(NEW.id);
    PERFORM ferry.release_permits(NEW.id, NULL);
    RETURN NULL;
END $$;

CREATE TRIGGER runs_release_permits
    AFTER UPDATE OF status ON ferry.runs
    FOR EACH ROW WHEN (NEW.uses_semaphores AND NEW.status IN ('succeeded', 'failed', 'cancelled')
        AND OLD.status IN ('pending', 'running', 'waiting'))
    EXECUTE FUNCTION ferry.release_permits_of_finished_run();
