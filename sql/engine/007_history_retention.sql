-- engine 7: history retention — finished runs older than a configured age are deleted by the workers, through
-- ferry.prune_history() and nothing else.
--
--   * ferry_worker has no DELETE on the history tables (engine 6): it may only call ferry.prune_history(), which
--     runs with its owner's rights (SECURITY DEFINER, with a fixed search_path) and deletes exactly the runs
--     that finished before `now() - keep`, `keep` being at least one day, a batch of runs per call (one
--     transaction);
--   * the audit log stays append-only for everyone else: UPDATE and TRUNCATE are refused as before, and a
--     DELETE is refused row by row unless the row belongs to a run that is finished and finished before the
--     cutoff that ferry.prune_history() set for its own transaction (`ferry.history_cutoff`, cleared before it
--     returns). Events without a run (schedule changes, earlier prunings) are never deleted;
--   * a run's records go in a fixed order, its audit events last before the run itself (they reference it);
--     what layers above the engine keep of a run goes with the run row (their foreign keys cascade), all in
--     the transaction of the batch, so a run is either entirely in the history or entirely gone;
--   * a layer above may keep a run however old: ferry.history_kept(run) says so (false here; the DR layer
--     keeps a backup cycle whose DR copy may still exist, dr 8);
--   * every batch appends a `history.pruned` event (no run) saying who pruned how many runs, and up to when.
--
-- The owner can still do anything (it owns the trigger): the guard is against mistakes and the worker role,
-- not against the owner, which nothing but its own login should use.

-- Finished runs by age, for the pruning's scan.
CREATE INDEX runs_finished_at ON ferry.runs (finished_at) WHERE finished_at IS NOT NULL;

DROP TRIGGER events_append_only ON ferry.events;
CREATE TRIGGER events_append_only
    BEFORE UPDATE OR TRUNCATE ON ferry.events
    FOR EACH STATEMENT EXECUTE FUNCTION ferry.refuse_event_change();

CREATE FUNCTION ferry.refuse_event_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cutoff text := current_setting('ferry.history_cutoff', true);
BEGIN
    IF coalesce(cutoff, '') <> '' AND OLD.run_id IS NOT NULL AND EXISTS (
        SELECT FROM ferry.runs r
        WHERE r.id = OLD.run_id AND r.status IN ('succeeded', 'failed', 'cancelled')
            AND r.finished_at < cutoff::timestamptz AND cutoff::timestamptz <= now() - interval '1 day'
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'ferry.events is append-only: only ferry.prune_history() deletes, and only the events of runs it prunes'
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER events_delete_only_pruned_history
    BEFORE DELETE ON ferry.events
    FOR EACH ROW EXECUTE FUNCTION ferry.refuse_event_delete();

-- Whether a layer above the engine still needs the run (none here).
CREATE FUNCTION ferry.history_kept(run uuid) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT false $$;

-- Deletes up to `batch_size` runs that finished before now() - `keep`, oldest first, with everything that
-- belongs to them; returns how many runs it deleted. Runs another transaction is pruning are skipped.
CREATE FUNCTION ferry.prune_history(keep interval, batch_size integer, actor text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cutoff timestamptz := now() - keep;
    doomed uuid[];
BEGIN
    IF keep IS NULL OR keep < interval '1 day' THEN
        RAISE EXCEPTION 'history retention must be at least 1 day (got %)', keep USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF batch_size IS NULL OR batch_size NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'batch_size must be 1-10000 (got %)', batch_size USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF actor IS NULL OR length(actor) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'actor must be 1-200 characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT coalesce(array_agg(id), '{}') INTO doomed FROM (
        SELECT r.id FROM ferry.runs r
        WHERE r.finished_at < cutoff AND r.status IN ('succeeded', 'failed', 'cancelled') AND NOT ferry.history_kept(r.id)
        ORDER BY r.finished_at
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED
    ) batch;
    IF cardinality(doomed) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM set_config('ferry.history_cutoff', cutoff::text, true);
    DELETE FROM ferry.semaphore_holders WHERE run_id = ANY (doomed);
    DELETE FROM ferry.semaphore_waiters WHERE run_id = ANY (doomed);
    DELETE FROM ferry.step_effects WHERE run_id = ANY (doomed);
    DELETE FROM ferry.step_checkpoints WHERE run_id = ANY (doomed);
    DELETE FROM ferry.events WHERE run_id = ANY (doomed);
    DELETE FROM ferry.runs WHERE id = ANY (doomed);
    PERFORM set_config('ferry.history_cutoff', '', true);
    INSERT INTO ferry.events (kind, actor, detail)
    VALUES ('history.pruned', actor, jsonb_build_object('runs', cardinality(doomed), 'finished_before', cutoff));
    RETURN cardinality(doomed);
END $$;

REVOKE EXECUTE ON FUNCTION ferry.prune_history(interval, integer, text), ferry.refuse_event_delete(), ferry.history_kept(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ferry.prune_history(interval, integer, text), ferry.refuse_event_delete(), ferry.history_kept(uuid) TO ferry_worker;
