-- dr 002: views for auditors — every snapshot Ferry took, copied and deleted, and by which run.
--
-- Built on the backup-cycle runs' inputs and step checkpoints, so they answer from what the engine
-- committed: a step's row exists exactly when the step completed.

-- One row per backup cycle: the primary snapshot, its DR copy, and the primary snapshot's deletion.
CREATE VIEW ferry.snapshot_audit AS
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
       cleanup.output->>'deleted_primary' AS primary_snapshot_deleted,
       cleanup.finished_at AS cleanup_at
FROM ferry.runs r
LEFT JOIN ferry.step_checkpoints taken ON taken.run_id = r.id AND taken.step_name = 'await_snapshot'
LEFT JOIN ferry.step_checkpoints copied ON copied.run_id = r.id AND copied.step_name = 'await_copy'
LEFT JOIN ferry.step_checkpoints cleanup ON cleanup.run_id = r.id AND cleanup.step_name = 'cleanup'
WHERE r.workflow = 'backup-cycle';

-- One row per snapshot Ferry deleted: each cycle's primary snapshot, and the DR snapshots retention removed.
CREATE VIEW ferry.snapshot_deletions AS
SELECT c.run_id,
       r.input->>'database' AS database,
       r.input->>'primary_region' AS region,
       c.output->>'deleted_primary' AS snapshot_id,
       'the cycle''s primary snapshot, once its DR copy was available' AS reason,
       c.finished_at AS deleted_at
FROM ferry.step_checkpoints c
JOIN ferry.runs r ON r.id = c.run_id
WHERE r.workflow = 'backup-cycle' AND c.step_name = 'cleanup' AND c.output->>'deleted_primary' IS NOT NULL
UNION ALL
SELECT c.run_id,
       r.input->>'database',
       r.input->>'dr_region',
       deleted->>'snapshot_id',
       'retention: ' || (deleted->>'reason'),
       c.finished_at
FROM ferry.step_checkpoints c
JOIN ferry.runs r ON r.id = c.run_id
CROSS JOIN LATERAL jsonb_array_elements(coalesce(c.output->'retention_deleted', '[]')) AS deleted
WHERE r.workflow = 'backup-cycle' AND c.step_name = 'cleanup';
