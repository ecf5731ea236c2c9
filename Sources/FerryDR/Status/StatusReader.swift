import FerryAWS
public import FerryPostgres
public import Foundation

/// A database `ferry status` reports on, as Ferry's PostgreSQL knows it, with the settings of the first
/// configuration entry that matches it (nil when none does any more: it still has restore points).
public struct TrackedDatabase: Sendable, Equatable {
    public var database: DiscoveredDatabase
    public var settings: DatabaseSettings?

    public init(database: DiscoveredDatabase, settings: DatabaseSettings?) {
        self.database = database
        self.settings = settings
    }

    /// `known` matched against the configuration's entries (the first that matches, as for a cycle).
    public static func resolve(rules: [ProtectionRule], known: [DiscoveredDatabase]) -> [TrackedDatabase] {
        known.map { database in
            TrackedDatabase(database: database, settings: rules.first { $0.selector.matches(database) }?.settings)
        }
    }
}

/// What `ferry status --verify` found of one database's restore points in the DR region, newest first: the
/// first that exists and is `available`, and those it passed over on the way.
public struct RestorePointCheck: Sendable, Equatable {
    public var verified: RestorePoint?
    /// Gone from the DR region (deleted by hand): now marked deleted in the catalog.
    public var missing: [String] = []
    /// Present but not `available`: passed over, left in the catalog.
    public var unavailable: [UnavailableRestorePoint] = []
    /// The DR snapshot describes made: one per restore point checked.
    public var checked = 0
}

/// Checks restore points in the DR region: `describe` answers a restore point's DR snapshot status, nil when
/// the snapshot is gone.
public struct RestorePointVerifier {
    public typealias Describe = (RestorePoint) throws -> String?

    public let catalog: RestorePointCatalog
    public let describe: Describe

    public init(catalog: RestorePointCatalog, describe: @escaping Describe) {
        self.catalog = catalog
        self.describe = describe
    }

    /// Checks `points` (one database's, newest first) until one exists and is available. One that is gone is
    /// marked deleted in the catalog, so that the restore point before it becomes the newest.
    public func check(_ points: [RestorePoint]) throws -> RestorePointCheck {
        var result = RestorePointCheck()
        for point in points {
            result.checked += 1
            guard let status = try describe(point) else {
                try catalog.markDeleted(drRegion: point.drRegion, snapshotID: point.snapshotID)
                result.missing.append(point.snapshotID)
                continue
            }
            guard status == "available" else {
                result.unavailable.append(UnavailableRestorePoint(snapshotId: point.snapshotID, status: status))
                continue
            }
            result.verified = point
            break
        }
        return result
    }
}

/// `ferry status` from Ferry's PostgreSQL alone: which databases (`RecoveryStore.knownDatabases`), their
/// settings (the configuration matched against what the catalog and the schedules know of them), their
/// newest restore point, last cycle, next fire and last drill; with a verifier, each newest restore point
/// checked in the DR region first. Never a call to the primary region.
public struct StatusReader {
    public let connection: PostgresConnection
    public let rules: [ProtectionRule]

    public init(connection: PostgresConnection, rules: [ProtectionRule]) {
        self.connection = connection
        self.rules = rules
    }

    public func tracked() throws -> [TrackedDatabase] {
        TrackedDatabase.resolve(rules: rules, known: try RecoveryStore(connection: connection).knownDatabases())
    }

    /// Every tracked database's status at `now`, sorted by identifier. With `describe`, each database's
    /// restore points are checked newest first in the DR region (`RestorePointVerifier`) and the newest one
    /// found available is the one reported (and measured against the RPO).
    public func statuses(now: Date, describe: RestorePointVerifier.Describe? = nil) throws -> [DatabaseStatus] {
        let tracked = try tracked()
        var checks: [String: RestorePointCheck] = [:]
        if let describe {
            let catalog = RestorePointCatalog(connection: connection)
            let verifier = RestorePointVerifier(catalog: catalog, describe: describe)
            let points = Dictionary(grouping: try catalog.entries().map(\.point), by: \.database)
            for database in tracked.map(\.database.identifier) {
                checks[database] = try verifier.check(points[database] ?? [])
            }
        }
        let records = try RecoveryStore(connection: connection).backupRecords(databases: tracked.map(\.database.identifier))
        return tracked.map { tracked in
            let identifier = tracked.database.identifier
            var record = records[identifier] ?? BackupRecord()
            let check = checks[identifier]
            if let check {
                record.newestSnapshotID = check.verified?.snapshotID
                record.newestSnapshotAt = check.verified?.takenAt
            }
            var status = DatabaseStatus(database: tracked.database, settings: tracked.settings, record: record, now: now)
            if let check {
                status.newestSnapshotVerified = check.verified != nil
                status.missingRestorePoints = check.missing
                status.unavailableRestorePoints = check.unavailable.isEmpty ? nil : check.unavailable
            }
            return status
        }
    }
}

extension DRRuntime {
    /// The status of a restore point's DR snapshot (DescribeDBSnapshots or DescribeDBClusterSnapshots by
    /// identifier in the restore point's DR region: one call), nil when it is gone. Refuses the primary region.
    public func drSnapshotStatus(of point: RestorePoint) throws -> String? {
        guard point.drRegion != config.primaryRegion.name else {
            throw DRError(message: "restore point \(point.snapshotID) of \(point.database) is recorded in \(point.drRegion), the primary region: not checked there")
        }
        return try RDSSnapshots(rds: try aws.rds(region: point.drRegion), kind: point.kind).describe(point.snapshotID)?.status
    }
}
