public import Foundation
import FerryPrimitives

/// The last backup cycle of a database, whatever its outcome. JSON field names are snake_case.
public struct CycleSummary: Sendable, Codable, Equatable {
    public var runId: String
    public var status: String
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationSeconds: Double?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case runId = "run_id"
        case status
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationSeconds = "duration_seconds"
        case error
    }
}

/// The last succeeded recovery drill of a database: the measured restore time, the recovery time objective
/// Ferry has evidence for. JSON field names are snake_case.
public struct DrillSummary: Sendable, Codable, Equatable {
    public var runId: String
    public var finishedAt: Date?
    /// The drill's `await_restore` output `restore_seconds`: from the restore request to an available database.
    public var rtoSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case runId = "run_id"
        case finishedAt = "finished_at"
        case rtoSeconds = "rto_seconds"
    }

    public init(runId: String, finishedAt: Date?, rtoSeconds: Double?) {
        self.runId = runId
        self.finishedAt = finishedAt
        self.rtoSeconds = rtoSeconds
    }
}

/// A restore point `ferry status --verify` found in the DR region but not `available` (`deleting`, say):
/// passed over, and left in the catalog.
public struct UnavailableRestorePoint: Sendable, Codable, Equatable {
    public var snapshotId: String
    public var status: String

    enum CodingKeys: String, CodingKey {
        case snapshotId = "snapshot_id"
        case status
    }

    public init(snapshotId: String, status: String) {
        self.snapshotId = snapshotId
        self.status = status
    }
}

/// One database's recovery point, as `ferry status` shows it.
public struct DatabaseStatus: Sendable, Codable, Equatable {
    public var database: String
    public var kind: String
    /// The newest restore point in the catalog (`ferry.restore_points`, not deleted); with `--verify`, the
    /// newest one found available in the DR region.
    public var newestSnapshotId: String?
    /// When its data was taken (the source snapshot's time).
    public var newestSnapshotAt: Date?
    public var ageSeconds: Double?
    /// Nil when the database has no recovery point objective, or no configuration entry matches it any more.
    public var rpoSeconds: Double?
    public var rpoBreached: Bool
    public var lastCycle: CycleSummary?
    public var nextFireAt: Date?
    /// Only with `--verify`: whether a restore point of the database was found available in the DR region.
    public var newestSnapshotVerified: Bool?
    /// Only with `--verify`: the restore points found gone from the DR region (now marked deleted), newest first.
    public var missingRestorePoints: [String]?
    /// Only with `--verify`, and only when there are some: restore points found in a state other than `available`.
    public var unavailableRestorePoints: [UnavailableRestorePoint]?
    /// The last succeeded drill and its measured restore time.
    public var lastDrill: DrillSummary?

    enum CodingKeys: String, CodingKey {
        case database
        case kind
        case newestSnapshotId = "newest_snapshot_id"
        case newestSnapshotAt = "newest_snapshot_at"
        case ageSeconds = "age_seconds"
        case rpoSeconds = "rpo_seconds"
        case rpoBreached = "rpo_breached"
        case lastCycle = "last_cycle"
        case nextFireAt = "next_fire_at"
        case newestSnapshotVerified = "newest_snapshot_verified"
        case missingRestorePoints = "missing_restore_points"
        case unavailableRestorePoints = "unavailable_restore_points"
        case lastDrill = "last_drill"
    }
}

/// What PostgreSQL knows about one database's backups (see `RecoveryStore.backupRecords`).
public struct BackupRecord: Sendable, Equatable {
    /// The newest restore point of the catalog, and when its data was taken.
    public var newestSnapshotID: String?
    public var newestSnapshotAt: Date?
    public var lastCycle: CycleSummary?
    /// The scheduler's row `backup:<db>` in `ferry.schedules`, if there is one.
    public var scheduledFire: ScheduledFire?
    /// When the RPO check first saw the database protected.
    public var protectedSince: Date?
    public var lastDrill: DrillSummary?

    public enum ScheduledFire: Sendable, Equatable {
        case at(Date)
        case paused
        /// The database is no longer protected: the schedule never fires.
        case retired
    }

    public init(newestSnapshotID: String? = nil, newestSnapshotAt: Date? = nil, lastCycle: CycleSummary? = nil,
                scheduledFire: ScheduledFire? = nil, protectedSince: Date? = nil, lastDrill: DrillSummary? = nil) {
        self.newestSnapshotID = newestSnapshotID
        self.newestSnapshotAt = newestSnapshotAt
        self.lastCycle = lastCycle
        self.scheduledFire = scheduledFire
        self.protectedSince = protectedSince
        self.lastDrill = lastDrill
    }
}

extension DatabaseStatus {
    /// The status of `protected` at `now`. Pure: the caller reads `record` and supplies the clock.
    ///
    /// The RPO is breached when the newest DR snapshot is older than the objective, or when there is none
    /// and the database has been protected for longer than the objective.
    public init(protected: ProtectedDatabase, record: BackupRecord, now: Date) {
        self.init(database: protected.database, settings: protected.settings, record: record, now: now)
    }

    /// The status of `database` protected with `settings` (nil: no configuration entry matches it any more,
    /// so it has no RPO, and a next fire only from an active schedule row).
    public init(database: DiscoveredDatabase, settings: DatabaseSettings?, record: BackupRecord, now: Date) {
        let rpo = settings?.recoveryPointObjective?.seconds
        let age = record.newestSnapshotAt.map { now.timeIntervalSince($0) }
        let waited = age ?? record.protectedSince.map { now.timeIntervalSince($0) }
        self.database = database.identifier
        kind = database.kind.rawValue
        newestSnapshotId = record.newestSnapshotID
        newestSnapshotAt = record.newestSnapshotAt
        ageSeconds = age
        rpoSeconds = rpo
        rpoBreached = rpo.map { rpo in waited.map { $0 > rpo } ?? false } ?? false
        lastCycle = record.lastCycle
        lastDrill = record.lastDrill
        switch record.scheduledFire {
        case .at(let date): nextFireAt = date
        case .paused, .retired: nextFireAt = nil
        case nil: nextFireAt = settings?.schedule.nextFire(after: now)
        }
    }
}
