-- dr 8: operating Ferry — the alerts of a fleet that is drifting, and the DR layer's part in history retention.
--
-- Alerts: a configured database that no longer exists, AWS credentials that stopped working, and a manual
-- snapshot quota more than 80 % used. The last one is queued by the cleanup step's checkpoint, which
-- records the quota it read (`manual_snapshot_quota`), in the checkpoint's own transaction.
--
-- History retention (engine 7): a pruned run's alerts and its DR copy record go with it (the foreign keys
-- cascade, inside ferry.prune_history's transaction). A backup cycle whose DR copy may still exist is kept
-- however old: its row in ferry.dr_copies (dr 7) is what proves the copy Ferry's, and without it retention
-- would never delete the copy. A cycle goes once its copy's restore point is marked deleted (Ferry deleted
-- it, or `ferry status --verify` found it gone).

ALTER TABLE ferry.alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE ferry.alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (
    'run_failed', 'rpo_breach', 'rpo_recovered', 'database_unmatched', 'credentials_failing', 'snapshot_quota'));

ALTER TABLE ferry.alerts DROP CONSTRAINT alerts_run_id_fkey;
ALTER TABLE ferry.alerts ADD CONSTRAINT alerts_run_id_fkey FOREIGN KEY (run_id) REFERENCES ferry.runs (id) ON DELETE CASCADE;
ALTER TABLE ferry.dr_copies DROP CONSTRAINT dr_copies_run_id_fkey;
ALTER TABLE ferry.dr_copies ADD CONSTRAINT dr_copies_run_id_fkey FOREIGN KEY (run_id) REFERENCES ferry.runs (id) ON DELETE CASCADE;

CREATE OR REPLACE FUNCTION ferry.history_kept(run uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT FROM ferry.dr_copies c
        WHERE c.run_id = run AND NOT EXISTS (
            SELECT FROM ferry.restore_points p
            WHERE p.dr_region = c.dr_region AND p.snapshot_id = c.snapshot_id AND p.deleted_at IS NOT NULL))
$$;

-- The cleanup step records the manual-snapshot quota it read in the DR region; above 80 % it alerts, at
-- most once a day per region and quota while it stays there.
CREATE FUNCTION ferry.alert_snapshot_quota() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    quota jsonb := NEW.output->'manual_snapshot_quota';
    used numeric := (quota->>'used')::numeric;
    max numeric := (quota->>'max')::numeric;
BEGIN
    IF max > 0 AND used > 0.8 * max THEN
        INSERT INTO ferry.alerts (kind, subject, message, dedupe_key, run_id)
        VALUES (
            'snapshot_quota',
            left(format('Ferry: %s quota of %s is %s%% used', quota->>'name', quota->>'region', floor(100 * used / max)), 100),
            format('Ferry: the %s quota of %s is at %s of %s (above 80 %%). When it is used up, backup cycles fail: delete manual snapshots there, shorten retention, or ask AWS to raise the quota.',
                   quota->>'name', quota->>'region', used, max),
            format('snapshot_quota:%s:%s:%s', quota->>'region', quota->>'name', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')),
            NEW.run_id)
        ON CONFLICT (dedupe_key) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER step_checkpoints_alert_snapshot_quota
    AFTER INSERT ON ferry.step_checkpoints
    FOR EACH ROW WHEN (NEW.output ? 'manual_snapshot_quota')
    EXECUTE FUNCTION ferry.alert_snapshot_quota();

REVOKE EXECUTE ON FUNCTION ferry.alert_snapshot_quota() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ferry.alert_snapshot_quota() TO ferry_worker;
