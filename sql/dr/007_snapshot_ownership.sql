-- dr 007: the DR snapshots Ferry made — ownership by identity, not by tags (issue 14).
--
-- Tags are copied: by RDS (CopyTags), by the console, by other tools. An operator's copy of a Ferry DR
-- snapshot carried Ferry's tags, and retention deleted it while ownership was "carries ferry:managed". From
-- this migration on, a DR snapshot is Ferry's only if the backup-cycle run its ferry:run-id tag names
-- recorded it here: when the copy became available, the await_copy step's output carries it as `dr_copy`
-- (FerryDR's DRCopy, snake_case) and the trigger below records it in the same transaction as the checkpoint,
-- with the snapshot's ARN and its creation time as RDS answered. Cleanup and `ferry plan` read the rows of
-- the runs the tags name (one query) and delete only a snapshot whose identifier, ARN and creation time agree
-- with its run's row (FerryDR's SnapshotOwnership). Nothing else writes here; `ferry catalog rebuild` in
-- particular does not: a restore point rebuilt from tags proves nothing about who made the snapshot.
--
-- Copies recorded before this migration: their await_copy checkpoint has `copy_arn` but no creation time.
-- They are backfilled below with the window in which the copy was created instead — after its run was
-- created and before its checkpoint committed, widened by 5 minutes on each side for the clocks of AWS and
-- of PostgreSQL — so that they stay deletable by retention. A snapshot a person recreated under the same
-- name later falls outside the window and is kept.

CREATE TABLE ferry.dr_copies (
    run_id          uuid PRIMARY KEY REFERENCES ferry.runs (id), -- a cycle makes one DR copy
    database        text NOT NULL,
    dr_region       text NOT NULL,
    snapshot_id     text NOT NULL,
    snapshot_arn    text NOT NULL CHECK (snapshot_arn LIKE 'arn:%'),
    created_at      timestamptz,   -- SnapshotCreateTime as RDS answered once the copy was available
    created_within  tstzrange,     -- copies recorded before this migration: when it was created
    recorded_at     timestamptz NOT NULL,
    CONSTRAINT dr_copies_creation_recorded CHECK ((created_at IS NULL) <> (created_within IS NULL)),
    CONSTRAINT dr_copies_window_bounded CHECK (created_within IS NULL
        OR (NOT isempty(created_within) AND NOT lower_inf(created_within) AND NOT upper_inf(created_within)))
);

CREATE FUNCTION ferry.record_dr_copy() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    copy jsonb := NEW.output->'dr_copy';
BEGIN
    INSERT INTO ferry.dr_copies (run_id, database, dr_region, snapshot_id, snapshot_arn, created_at, recorded_at)
    VALUES (NEW.run_id, copy->>'database', copy->>'dr_region', copy->>'snapshot_id', copy->>'snapshot_arn',
            (copy->>'created_at')::timestamptz, NEW.finished_at);
    RETURN NULL;
END $$;

CREATE TRIGGER step_checkpoints_record_dr_copy
    AFTER INSERT ON ferry.step_checkpoints
    FOR EACH ROW WHEN (NEW.output ? 'dr_copy')
    EXECUTE FUNCTION ferry.record_dr_copy();

-- The copies of the cycles that completed await_copy before this migration (the only place that read the
-- checkpoints' step names and `copy_arn`, the format of that time).
INSERT INTO ferry.dr_copies (run_id, database, dr_region, snapshot_id, snapshot_arn, created_within, recorded_at)
SELECT c.run_id, r.input->>'database', r.input->>'dr_region', r.input->>'copy_id', c.output->>'copy_arn',
       tstzrange(r.created_at - interval '5 minutes', c.finished_at + interval '5 minutes', '[]'), c.finished_at
FROM ferry.step_checkpoints c
JOIN ferry.runs r ON r.id = c.run_id
WHERE r.workflow = 'backup-cycle' AND c.step_name = 'await_copy' AND c.output->>'copy_arn' LIKE 'arn:%';

-- Grants as in 009: the worker's statements fire the trigger, which runs as the worker (no SECURITY
-- DEFINER), so the worker inserts; it never updates or deletes a row. Auditors read.
REVOKE EXECUTE ON FUNCTION ferry.record_dr_copy() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ferry.record_dr_copy() TO ferry_worker;
GRANT SELECT, INSERT ON ferry.dr_copies TO ferry_worker;
GRANT SELECT ON ferry.dr_copies TO ferry_auditor;
