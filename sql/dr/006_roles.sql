-- dr 006: the DR layer's grants to the roles of engine 006 (ferry_worker, ferry_auditor; see there).

REVOKE EXECUTE ON FUNCTION ferry.alert_run_failed(), ferry.record_restore_point(), ferry.forget_deleted_restore_point() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ferry.alert_run_failed(), ferry.record_restore_point(), ferry.forget_deleted_restore_point() TO ferry_worker;

GRANT SELECT ON ferry.snapshot_audit, ferry.snapshot_deletions TO ferry_worker;
GRANT SELECT, INSERT ON ferry.protected_databases TO ferry_worker;
GRANT SELECT, INSERT, UPDATE ON ferry.alerts, ferry.rpo_breaches, ferry.restore_points TO ferry_worker;

-- Auditors: the audit views, and the alerts and restore points.
GRANT SELECT ON ferry.snapshot_audit, ferry.snapshot_deletions, ferry.alerts, ferry.rpo_breaches, ferry.restore_points TO ferry_auditor;
