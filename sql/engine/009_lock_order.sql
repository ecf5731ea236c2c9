-- engine 009: one lock order, so that the engine's statements cannot deadlock one another.
--
-- A fleet cycle failed a run with SQLSTATE 40P01 (deadlock detected). Three statements of one worker had
-- closed a cycle: a slot asking for a copy permit held its run's row and waited for the pool's semaphore row;
-- another slot parking its run held that semaphore row share-locked (to see a permit freed meanwhile) and
-- waited for its run's row; the heartbeat held that run's row, extending its lease, and waited for the first
-- slot's run. The rule every statement now keeps:
--
--   1. A statement waits for the row of one run at most: the run it writes, locked before anything else.
--   2. Then semaphore rows, in the order of their names.
--   3. Any other run's row is taken with SKIP LOCKED, never waited for: the heartbeat skips a run whose slot
--      is writing it (RunStore.heartbeat), a claim skips a run another worker claims, and a release wakes
--      the runs in line whose rows are free (below).
--
-- Every wait is then for a run's row by a statement that holds nothing yet, or for a semaphore row by a
-- statement that holds only its own run and semaphores named before it: no wait can close a cycle.
-- RunStore.park keeps rule 1 (it locks its run before share-locking its semaphores); acquire_permit and the
-- triggers that give permits back already did.

-- Rule 3: a run in line whose row is locked is being claimed (its step asks for the permit again, and gets
-- it if it is still free), cancelled (it leaves the line and passes its turn on) or resumed (made due now)
-- by that statement; none of these needs the wake-up, and waiting for one could close a cycle with a
-- statement that holds the run and asks for this semaphore.
CREATE OR REPLACE FUNCTION ferry.wake_semaphore_waiters(p_semaphores text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(p_semaphores) = 0 THEN
        RETURN;
    END IF;
    UPDATE ferry.runs r SET next_wake_at = now()
    WHERE r.id IN (
        SELECT w.id FROM ferry.runs w
        WHERE w.id IN (
            SELECT first.run_id FROM ferry.semaphores s
            CROSS JOIN LATERAL (
                SELECT q.run_id FROM ferry.semaphore_waiters q
                WHERE q.semaphore = s.name
                ORDER BY q.since LIMIT greatest(s.permits - s.in_use, 0)
            ) first
            WHERE s.name = ANY (p_semaphores)
        ) AND w.status = 'waiting' AND w.next_wake_at > now()
        FOR UPDATE SKIP LOCKED
    );
END $$;

-- Rule 2: a run that holds permits of several semaphores gives them back in the order of their names.
CREATE OR REPLACE FUNCTION ferry.release_permits(p_run uuid, p_semaphore text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    freed text[];
BEGIN
    SELECT coalesce(array_agg(locked.name), '{}') INTO freed FROM (
        SELECT s.name FROM ferry.semaphores s
        WHERE s.name IN (
            SELECT h.semaphore FROM ferry.semaphore_holders h
            WHERE h.run_id = p_run AND (p_semaphore IS NULL OR h.semaphore = p_semaphore)
        )
        ORDER BY s.name
        FOR UPDATE OF s
    ) locked;
    DELETE FROM ferry.semaphore_holders h WHERE h.run_id = p_run AND h.semaphore = ANY (freed);
    UPDATE ferry.semaphores s SET in_use = s.in_use - 1, updated_at = now() WHERE s.name = ANY (freed);
    PERFORM ferry.wake_semaphore_waiters(freed);
    RETURN cardinality(freed);
END $$;
