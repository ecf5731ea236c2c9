public import FerryPostgres
import Foundation

/// The statements behind `ferry status` and the RPO check: backups read from the runs of the backup-cycle
/// workflow (no AWS call), and the breach state, each transition one guarded statement that queues its
/// alert in the same statement.
public struct RecoveryStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// For each database: its newest succeeded cycle's DR copy and that snapshot's creation time (else the
    /// fire time), its last cycle, the scheduler's next fire and when it was first seen protected.
    public func backupRecords(databases: [String]) throws -> [String: BackupRecord] {
        var records: [String: BackupRecord] = [:]
        for row in try connection.query("""
            SELECT d.database, ok.copy_id, ok.snapshot_at, last.id AS last_id, last.status::text AS last_status,
                last.started_at, last.finished_at, last.last_error, s.paused, s.next_fire_at, p.first_seen_at
            FROM unnest(\(databases)::text[]) AS d (database)
            LEFT JOIN LATERAL (
                SELECT r.input->>'copy_id' AS copy_id,
                    coalesce((c.output->>'snapshot_created_at')::timestamptz, r.scheduled_for, r.created_at) AS snapshot_at
                FROM ferry.runs r
                LEFT JOIN ferry.step_checkpoints c ON c.run_id = r.id AND c.step_name = 'await_snapshot'
                WHERE r.concurrency_key = 'backup:' || d.database AND r.workflow = 'backup-cycle' AND r.status = 'succeeded'
                ORDER BY snapshot_at DESC LIMIT 1
            ) ok ON true
            LEFT JOIN LATERAL (
                SELECT r.id, r.status, r.started_at, r.finished_at, r.last_error FROM ferry.runs r
                WHERE r.concurrency_key = 'backup:' || d.database AND r.workflow = 'backup-cycle'
                ORDER BY r.created_at DESC LIMIT 1
            ) last ON true
            LEFT JOIN ferry.schedules s ON s.id = 'backup:' || d.database
            LEFT JOIN ferry.protected_databases p ON p.database = d.database
            """) {
            var record = BackupRecord(newestSnapshotID: try row.decode("copy_id"), newestSnapshotAt: try row.decode("snapshot_at"),
                                      protectedSince: try row.decode("first_seen_at"))
            if let runID: String = try row.decode("last_id") {
                let started: Date? = try row.decode("started_at")
                let finished: Date? = try row.decode("finished_at")
                record.lastCycle = CycleSummary(
                    runId: runID, status: try row.decode("last_status"), startedAt: started, finishedAt: finished,
                    durationSeconds: started.flatMap { start in finished.map { $0.timeIntervalSince(start) } },
                    error: try row.decode("last_error"))
            }
            if let paused: Bool = try row.decode("paused") {
                record.scheduledFire = paused ? .paused : .at(try row.decode("next_fire_at"))
            }
            records[try row.decode("database")] = record
        }
        return records
    }

    /// Remembers when each database was first seen protected (its RPO counts from then until a first snapshot).
    public func recordProtected(databases: [String]) throws {
        try connection.execute("""
            INSERT INTO ferry.protected_databases (database) SELECT unnest(\(databases)::text[])
            ON CONFLICT (database) DO NOTHING
            """)
    }

    /// Opens a breach for the database and queues its alert, unless one is open already. True if opened.
    public func openBreach(_ status: DatabaseStatus, message: String, subject: String) throws -> Bool {
        try connection.query("""
            WITH opened AS (
                INSERT INTO ferry.rpo_breaches (database, opened_at, newest_snapshot_id, newest_snapshot_at, rpo_seconds)
                VALUES (\(status.database), now(), \(status.newestSnapshotId), \(status.newestSnapshotAt), \(status.rpoSeconds ?? 0))
                ON CONFLICT (database) WHERE closed_at IS NULL DO NOTHING
                RETURNING id, database
            )
            INSERT INTO ferry.alerts (kind, subject, message, dedupe_key, database)
            SELECT 'rpo_breach', \(subject), \(message), 'rpo_breach:' || id, database FROM opened
            """).affectedRows == 1
    }

    /// Closes the database's open breach, if any, and queues the recovery alert. True if one was closed.
    public func closeBreach(_ status: DatabaseStatus, message: String, subject: String) throws -> Bool {
        try connection.query("""
            WITH closed AS (
                UPDATE ferry.rpo_breaches SET closed_at = now(), closed_by_snapshot = \(status.newestSnapshotId)
                WHERE database = \(status.database) AND closed_at IS NULL
                RETURNING id, database
            )
            INSERT INTO ferry.alerts (kind, subject, message, dedupe_key, database)
            SELECT 'rpo_recovered', \(subject), \(message), 'rpo_recovered:' || id, database FROM closed
            """).affectedRows == 1
    }
}
