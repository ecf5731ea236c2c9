public import FerryPostgres
import FerryEngine
import Foundation

/// The statements behind `ferry status` and the RPO check, all in PostgreSQL (no AWS call): the databases
/// Ferry knows, their newest restore point (the catalog), last backup cycle and drill (the runs) and next
/// fire (the schedules), and the breach state, each transition one guarded statement that queues its alert
/// in the same statement.
public struct RecoveryStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// For each database: its newest restore point in the catalog (`ferry.restore_points`, not deleted) and
    /// when its data was taken, its last backup cycle, the scheduler's next fire, when it was first seen
    /// protected, and its last succeeded drill with the measured restore time.
    public func backupRecords(databases: [String]) throws -> [String: BackupRecord] {
        let newest = try RestorePointCatalog(connection: connection).newest(of: databases)
        var records: [String: BackupRecord] = [:]
        for row in try connection.query("""
            SELECT d.database, last.id AS last_id, last.status::text AS last_status,
                last.started_at, last.finished_at, last.last_error, s.paused, s.next_fire_at, s.retired_at, p.first_seen_at,
                drill.id AS drill_id, drill.finished_at AS drill_finished_at, drill.rto_seconds
            FROM unnest(\(databases)::text[]) AS d (database)
            LEFT JOIN LATERAL (
                SELECT r.id, r.status, r.started_at, r.finished_at, r.last_error FROM ferry.runs r
                WHERE r.concurrency_key = 'backup:' || d.database AND r.workflow = \(BackupCycle.name)
                ORDER BY r.created_at DESC LIMIT 1
            ) last ON true
            LEFT JOIN LATERAL (
                SELECT r.id, r.finished_at,
                    CASE WHEN jsonb_typeof(c.output->'restore_seconds') = 'number' THEN (c.output->>'restore_seconds')::float8 END
                        AS rto_seconds
                FROM ferry.runs r
                LEFT JOIN ferry.step_checkpoints c ON c.run_id = r.id AND c.step_name = \(RestoreWorkflow.awaitRestore.name)
                WHERE r.concurrency_key = 'drill:' || d.database AND r.workflow = \(RestoreWorkflow.drillName) AND r.status = 'succeeded'
                ORDER BY r.finished_at DESC LIMIT 1
            ) drill ON true
            LEFT JOIN ferry.schedules s ON s.id = 'backup:' || d.database
            LEFT JOIN ferry.protected_databases p ON p.database = d.database
            """) {
            let database: String = try row.decode("database")
            let point = newest[database]?.point
            var record = BackupRecord(newestSnapshotID: point?.snapshotID, newestSnapshotAt: point?.takenAt,
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
                let retired: Date? = try row.decode("retired_at")
                record.scheduledFire = retired != nil ? .retired : paused ? .paused : .at(try row.decode("next_fire_at"))
            }
            if let drillID: String = try row.decode("drill_id") {
                record.lastDrill = DrillSummary(runId: drillID, finishedAt: try row.decode("drill_finished_at"),
                                                rtoSeconds: try row.decode("rto_seconds"))
            }
            records[database] = record
        }
        return records
    }

    /// The databases `ferry status` reports on, from PostgreSQL alone: those with restore points in the
    /// catalog (not deleted), and those with an active backup schedule (`backup:<db>`, not retired). Each is
    /// described as well as Ferry's records allow, so that the configuration's entries can be matched against
    /// it: from its newest restore point (kind, and the source's tags and settings), else from the schedule's
    /// input (kind, and the tags the `tagged` entries look at), else from its last backup cycle's input.
    /// Sorted by identifier.
    public func knownDatabases() throws -> [DiscoveredDatabase] {
        let rows = try connection.query("""
            WITH points AS (
                SELECT DISTINCT ON (database) database, kind, source::text AS source
                FROM ferry.restore_points WHERE deleted_at IS NULL
                ORDER BY database, taken_at DESC, snapshot_id DESC
            ), scheduled AS (
                SELECT substr(id, length('backup:') + 1) AS database, input::text AS input
                FROM ferry.schedules WHERE id LIKE 'backup:%' AND retired_at IS NULL
            ), known AS (
                SELECT database FROM points UNION SELECT database FROM scheduled
            )
            SELECT k.database, p.kind AS point_kind, p.source AS point_source, s.input AS schedule_input,
                last.kind AS run_kind, last.source AS run_source
            FROM known k
            LEFT JOIN points p ON p.database = k.database
            LEFT JOIN scheduled s ON s.database = k.database
            LEFT JOIN LATERAL (
                SELECT r.input->>'kind' AS kind, (r.input->'source')::text AS source FROM ferry.runs r
                WHERE r.concurrency_key = 'backup:' || k.database AND r.workflow = \(BackupCycle.name)
                ORDER BY r.created_at DESC LIMIT 1
            ) last ON p.database IS NULL
            ORDER BY k.database
            """)
        return try rows.map { row in
            let database: String = try row.decode("database")
            if let kindText: String = try row.decode("point_kind"), let kind = DatabaseKind(rawValue: kindText) {
                let source = Self.source(try row.decode("point_source"))
                return DiscoveredDatabase(kind: kind, identifier: database, tags: source?.tags ?? [:], source: source)
            }
            let scheduled = try (row.decode("schedule_input", as: String?.self)).map { try JSONValue(parsing: $0) }
            let runSource = Self.source(try row.decode("run_source"))
            if let kindText = scheduled?["kind"]?.stringValue, let kind = DatabaseKind(rawValue: kindText) {
                let tags = scheduled?["tags"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
                return DiscoveredDatabase(kind: kind, identifier: database, tags: tags, source: runSource)
            }
            // A schedule written before schedules recorded the kind: its last cycle's, else an instance (the
            // next sync of the schedules records it).
            let runKind = try row.decode("run_kind", as: String?.self).flatMap(DatabaseKind.init(rawValue:))
            return DiscoveredDatabase(kind: runKind ?? runSource?.kind ?? .instance, identifier: database,
                                      tags: runSource?.tags ?? [:], source: runSource)
        }
    }

    /// A source's settings as a restore point or a run recorded them; nil when absent or unreadable.
    private static func source(_ text: String?) -> SourceSettings? {
        guard let text else { return nil }
        return try? JSONValue(parsing: text).decode(as: SourceSettings.self)
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
