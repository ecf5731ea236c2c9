public import FerryPostgres
public import Foundation
import FerryEngine
import FerryAWS

/// A restore point as the catalog holds it, with how and when it was recorded.
public struct CatalogEntry: Sendable, Equatable {
    public var point: RestorePoint
    public var recordedAt: Date
    /// `backup-cycle` or `catalog-rebuild`.
    public var recordedBy: String

    /// Seconds between when the data was taken and `now`.
    public func age(at now: Date) -> Double { now.timeIntervalSince(point.takenAt) }
}

/// The statements of the catalog of restore points (`ferry.restore_points`, `sql/dr/005_restore_points.sql`).
public struct RestorePointCatalog {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The restore points not deleted, of one database or of all, newest first.
    public func entries(database: String? = nil) throws -> [CatalogEntry] {
        try connection.query("""
            SELECT database, kind, dr_region, snapshot_id, snapshot_arn, taken_at, run_id::text AS run_id, source::text AS source,
                recorded_at, recorded_by
            FROM ferry.restore_points
            WHERE deleted_at IS NULL AND (\(database)::text IS NULL OR database = lower(\(database)::text))
            ORDER BY database, taken_at DESC, snapshot_id DESC
            """).map(Self.entry)
    }

    /// The databases the catalog can restore, with their newest restore point.
    public func newestByDatabase() throws -> [String: CatalogEntry] {
        var newest: [String: CatalogEntry] = [:]
        for entry in try entries() where newest[entry.point.database] == nil { newest[entry.point.database] = entry }
        return newest
    }

    /// The newest restore point not deleted of each of `databases` that has one.
    public func newest(of databases: [String]) throws -> [String: CatalogEntry] {
        var newest: [String: CatalogEntry] = [:]
        for row in try connection.query("""
            SELECT DISTINCT ON (database) database, kind, dr_region, snapshot_id, snapshot_arn, taken_at, run_id::text AS run_id,
                source::text AS source, recorded_at, recorded_by
            FROM ferry.restore_points
            WHERE deleted_at IS NULL AND database = ANY(\(databases)::text[])
            ORDER BY database, taken_at DESC, snapshot_id DESC
            """) {
            let entry = try Self.entry(row)
            newest[entry.point.database] = entry
        }
        return newest
    }

    /// Records restore points read from the DR region's tags; those already known are left as they are.
    /// Returns how many were new.
    @discardableResult
    public func record(rebuilt points: [RestorePoint]) throws -> Int {
        var added = 0
        for point in points {
            added += try connection.query("""
                INSERT INTO ferry.restore_points (dr_region, snapshot_id, snapshot_arn, database, kind, taken_at, run_id, source, recorded_by)
                VALUES (\(point.drRegion), \(point.snapshotID), \(point.snapshotARN), \(point.database), \(point.kind.rawValue),
                    \(point.takenAt), \(point.runID.flatMap(UUID.init(uuidString:))), \(try JSONValue(encoding: point.source).jsonText)::jsonb,
                    'catalog-rebuild')
                ON CONFLICT (dr_region, snapshot_id) DO NOTHING
                """).affectedRows
        }
        return added
    }

    /// Marks a restore point whose DR snapshot is gone (deleted by hand, say) as deleted.
    public func markDeleted(drRegion: String, snapshotID: String) throws {
        try connection.execute("""
            UPDATE ferry.restore_points SET deleted_at = now()
            WHERE dr_region = \(drRegion) AND snapshot_id = \(snapshotID) AND deleted_at IS NULL
            """)
    }

    private static func entry(_ row: PostgresRow) throws -> CatalogEntry {
        let kindText: String = try row.decode("kind")
        guard let kind = DatabaseKind(rawValue: kindText) else {
            throw PostgresError(kind: .decoding, message: "unknown database kind \"\(kindText)\" in ferry.restore_points")
        }
        let point = RestorePoint(
            database: try row.decode("database"), kind: kind, drRegion: try row.decode("dr_region"),
            snapshotID: try row.decode("snapshot_id"), snapshotARN: try row.decode("snapshot_arn"), takenAt: try row.decode("taken_at"),
            runID: try row.decode("run_id"), source: try JSONValue(parsing: try row.decode("source")).decode(as: SourceSettings.self))
        return CatalogEntry(point: point, recordedAt: try row.decode("recorded_at"), recordedBy: try row.decode("recorded_by"))
    }
}

extension DRRuntime {
    /// Reads Ferry's DR snapshots of both kinds in the DR region (never the primary region) and records the
    /// restore points their tags describe. Returns (snapshots read, restore points found, new ones).
    public func rebuildCatalog(into catalog: RestorePointCatalog) throws -> (snapshots: Int, found: Int, added: Int) {
        let rds = try aws.rds(region: config.drRegion.name)
        let region = config.drRegion.name
        let instanceSnapshots = try rds.describeDBSnapshots(DBSnapshotQuery(snapshotType: "manual"))
            .filter { $0.tags[FerryTags.managed] == FerryTags.managedValue && $0.status == "available" }
        let clusterSnapshots = try rds.describeDBClusterSnapshots(snapshotType: "manual")
            .filter { $0.tags[FerryTags.managed] == FerryTags.managedValue && $0.status == "available" }
        let points = instanceSnapshots.compactMap {
            RestorePointTags.restorePoint(kind: .instance, region: region, identifier: $0.identifier, arn: $0.arn, tags: $0.tags)
        } + clusterSnapshots.compactMap {
            RestorePointTags.restorePoint(kind: .cluster, region: region, identifier: $0.identifier, arn: $0.arn, tags: $0.tags)
        }
        let added = try catalog.record(rebuilt: points)
        return (instanceSnapshots.count + clusterSnapshots.count, points.count, added)
    }
}
