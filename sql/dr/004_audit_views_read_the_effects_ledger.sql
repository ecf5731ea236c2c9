-- dr 004: the audit views read the effects ledger (engine 005): every deletion Ferry made, exactly once.

-- The deletions recorded before the ledger existed, in cleanup checkpoints' outputs.
INSERT INTO ferry.step_effects (run_id, step_index, step_name, effect, target, detail, intended_at, confirmed_at, worker_id, lease_epoch)
SELECT c.run_id, c.step_index, c.step_name, 'snapshot.delete', deleted.region || '/' || deleted.snapshot_id,
       jsonb_build_object('region', deleted.region, 'snapshot_id', deleted.snapshot_id, 'reason', deleted.reason),
       c.finished_at, c.finished_at, c.worker_id, c.lease_epoch
FROM ferry.step_checkpoints c
JOIN ferry.runs r ON r.id = c.run_id
CROSS JOIN LATERAL (
    SELECT r.input->>'primary_region' AS region, c.output->>'deleted_primary' AS snapshot_id,
           'the cycle''s primary snapshot, once its DR copy was available' AS reason
    WHERE c.output->>'deleted_primary' IS NOT NULL
    UNION ALL
    SELECT r.input->>'dr_region', retained->>'snapshot_id', 'retention: ' || (retained->>'reason')
    FROM jsonb_array_elements(coalesce(c.output->'retention_deleted', '[]')) AS retained
) deleted
WHERE r.workflow = 'backup-cycle' AND c.step_name = 'cleanup'
ON CONFLICT DO NOTHING;

-- One row per snapshot Ferry deleted: cycles' primary snapshots, DR snapshots removed by retention, and what
-- a failed or cancelled cycle undid.
CREATE OR REPLACE VIEW ferry.snapshot_deletions AS
SELECT e.run_id,
       r.input->>'database' AS database,
       e.detail->>'region' AS region,
       e.detail->>'snapshot_id' AS snapshot_id,
       e.detail->>'reason' AS reason,
       e.confirmed_at AS deleted_at,
       e.step_name
FROM ferry.step_effects e
JOIN ferry.runs r ON r.id = e.run_id
WHERE e.effect = 'snapshot.delete' AND e.confirmed_at IS NOT NULL;

-- One row per backup cycle: the primary snapshot, its DR copy, and the primary snapshot's deletion.
CREATE OR REPLACE VIEW ferry.snapshot_audit AS
SELECT r.id AS run_id,
       r.input->>'database' AS database,
       r.input->>'kind' AS kind,
       r.status::text AS run_status,
       r.scheduled_for,
       r.schedule_id,
       r.created_by,
       r.input->>'primary_region' AS primary_region,
       r.input->>'snapshot_id' AS snapshot_id,
       taken.finished_at AS snapshot_available_at,
       r.input->>'dr_region' AS dr_region,
       r.input->>'copy_id' AS dr_copy_id,
       copied.output->>'kms_key_id' AS dr_kms_key_id,
       copied.finished_at AS dr_copy_available_at,
       primary_deleted.snapshot_id AS primary_snapshot_deleted,
       primary_deleted.deleted_at AS cleanup_at,
       r.compensated_at AS undone_at
FROM ferry.runs r
LEFT JOIN ferry.step_checkpoints taken ON taken.run_id = r.id AND taken.step_name = 'await_snapshot'
LEFT JOIN ferry.step_checkpoints copied ON copied.run_id = r.id AND copied.step_name = 'await_copy'
LEFT JOIN ferry.snapshot_deletions primary_deleted
    ON primary_deleted.run_id = r.id AND primary_deleted.region = r.input->>'primary_region'
    AND primary_deleted.snapshot_id = r.input->>'snapshot_id'
WHERE r.workflow = 'backup-cycle';
