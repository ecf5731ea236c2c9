-- dr 005: the catalog of restore points — what a restore in the DR region needs, without the primary region.
--
-- A backup cycle records a restore point when its DR copy becomes available: the step's checkpoint output
-- carries it as `restore_point` (FerryDR's RestorePoint, snake_case), and the trigger below records it in
-- the same transaction as the checkpoint. `ferry catalog rebuild` records restore points from the DR
-- snapshots' tags into an empty (or any) database. A restore point whose DR snapshot Ferry deleted
-- (retention, an undo) is marked deleted by the deletion's confirmation in the effects ledger.

CREATE TABLE ferry.restore_points (
    dr_region     text NOT NULL,
    snapshot_id   text NOT NULL,
    snapshot_arn  text NOT NULL CHECK (snapshot_arn LIKE 'arn:%'),
    database      text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('instance', 'cluster')),
    taken_at      timestamptz NOT NULL,      -- when the source snapshot was taken: the age of the data
    run_id        uuid,                      -- the backup cycle that made it (no foreign key: a rebuilt catalog has no runs)
    source        jsonb NOT NULL CHECK (jsonb_typeof(source) = 'object'), -- the source database's settings
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    recorded_by   text NOT NULL CHECK (recorded_by IN ('backup-cycle', 'catalog-rebuild')),
    deleted_at    timestamptz,
    PRIMARY KEY (dr_region, snapshot_id)
);

CREATE INDEX restore_points_newest ON ferry.restore_points (database, taken_at DESC) WHERE deleted_at IS NULL;

CREATE FUNCTION ferry.record_restore_point() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    point jsonb := NEW.output->'restore_point';
BEGIN
    INSERT INTO ferry.restore_points (dr_region, snapshot_id, snapshot_arn, database, kind, taken_at, run_id, source, recorded_by)
    VALUES (point->>'dr_region', point->>'snapshot_id', point->>'snapshot_arn', point->>'database', point->>'kind',
            (point->>'taken_at')::timestamptz, NEW.run_id, point->'source', 'backup-cycle')
    ON CONFLICT (dr_region, snapshot_id) DO UPDATE
    SET snapshot_arn = excluded.snapshot_arn, taken_at = excluded.taken_at, run_id = excluded.run_id,
        source = excluded.source, recorded_by = excluded.recorded_by, deleted_at = NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER step_checkpoints_record_restore_point
    AFTER INSERT ON ferry.step_checkpoints
    FOR EACH ROW WHEN (NEW.output ? 'restore_point')
    EXECUTE FUNCTION ferry.record_restore_point();

CREATE FUNCTION ferry.forget_deleted_restore_point() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ferry.restore_points SET deleted_at = NEW.confirmed_at
    WHERE dr_region = NEW.detail->>'region' AND snapshot_id = NEW.detail->>'snapshot_id' AND deleted_at IS NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER step_effects_forget_deleted_restore_point
    AFTER UPDATE OF confirmed_at ON ferry.step_effects
    FOR EACH ROW WHEN (NEW.effect = 'snapshot.delete' AND OLD.confirmed_at IS NULL AND NEW.confirmed_at IS NOT NULL)
    EXECUTE FUNCTION ferry.forget_deleted_restore_point();
