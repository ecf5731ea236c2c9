public import FerryPostgres
public import Foundation
import FerryEngine

/// Reads `ferry.dr_copies` (`sql/dr/007_snapshot_ownership.sql`): the DR copies backup cycles recorded.
public struct DRCopyLedger {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The ownership of `database`'s DR snapshots among `snapshots`: Ferry's records of every run their tags
    /// name, read in one query.
    public func ownership(of snapshots: [SnapshotRecord], database: String) throws -> SnapshotOwnership {
        SnapshotOwnership(database: database, runs: try runs(SnapshotOwnership.namedRuns(in: snapshots, database: database)))
    }

    /// The backup-cycle runs among `ids` (others are absent), whether each has ended, and the copy each recorded.
    public func runs(_ ids: [UUID]) throws -> [UUID: RecordedRun] {
        guard !ids.isEmpty else { return [:] }
        var runs: [UUID: RecordedRun] = [:]
        for row in try connection.query("""
            SELECT r.id::text AS run_id, r.status IN ('succeeded', 'failed', 'cancelled') AS finished,
                c.database, c.snapshot_id, c.snapshot_arn, c.created_at,
                lower(c.created_within) AS created_from, upper(c.created_within) AS created_until
            FROM ferry.runs r
            LEFT JOIN ferry.dr_copies c ON c.run_id = r.id
            WHERE r.id = ANY(\(ids.map(\.lowercasedString))::uuid[]) AND r.workflow = \(BackupCycle.name)
            """) {
            let text: String = try row.decode("run_id")
            guard let id = UUID(uuidString: text) else {
                throw PostgresError(kind: .decoding, message: "ferry.runs has a run id that is not a UUID: \(text)")
            }
            runs[id] = RecordedRun(finished: try row.decode("finished"), copy: try Self.copy(row))
        }
        return runs
    }

    private static func copy(_ row: PostgresRow) throws -> RecordedCopy? {
        guard let arn: String = try row.decode("snapshot_arn") else { return nil }
        let creation: RecordedCopy.Creation
        if let at: Date = try row.decode("created_at") {
            creation = .at(at)
        } else if let from: Date = try row.decode("created_from"), let until: Date = try row.decode("created_until"), from <= until {
            creation = .within(from...until)
        } else {
            throw PostgresError(kind: .decoding, message: "ferry.dr_copies has a row for \(arn) without a creation time or window")
        }
        return RecordedCopy(database: try row.decode("database"), snapshotID: try row.decode("snapshot_id"), snapshotARN: arn, created: creation)
    }
}
