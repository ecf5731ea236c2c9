public import Foundation

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

/// One protected database's recovery point, as `ferry status` shows it.
public struct DatabaseStatus: Sendable, Codable, Equatable {
    public var database: String
    public var kind: String
    /// The newest available DR snapshot: the copy of the newest succeeded backup cycle.
    public var newestSnapshotId: String?
    public var newestSnapshotAt: Date?
    public var ageSeconds: Double?
    /// Nil when the database has no recovery point objective.
    public var rpoSeconds: Double?
    public var rpoBreached: Bool
    public var lastCycle: CycleSummary?
    public var nextFireAt: Date?

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
    }
}

/// What PostgreSQL knows about one database's backups (see `RecoveryStore.backupRecords`).
public struct BackupRecord: Sendable, Equatable {
    public var newestSnapshotID: String?
    public var newestSnapshotAt: Date?
    public var lastCycle: CycleSummary?
    /// The scheduler's row `backup:<db>` in `ferry.schedules`, if there is one.
    public var scheduledFire: ScheduledFire?
    /// When the RPO check first saw the database protected.
    public var protectedSince: Date?

    public enum ScheduledFire: Sendable, Equatable {
        case at(Date)
        case paused
    }

    public init(newestSnapshotID: String? = nil, newestSnapshotAt: Date? = nil, lastCycle: CycleSummary? = nil,
                scheduledFire: ScheduledFire? = nil, protectedSince: Date? = nil) {
        self.newestSnapshotID = newestSnapshotID
        self.newestSnapshotAt = newestSnapshotAt
        self.lastCycle = lastCycle
        self.scheduledFire = scheduledFire
        self.protectedSince = protectedSince
    }
}

extension DatabaseStatus {
    /// The status of `protected` at `now`. Pure: the caller reads `record` and supplies the clock.
    ///
    /// The RPO is breached when the newest DR snapshot is older than the objective, or when there is none
    /// and the database has been protected for longer than the objective.
    public init(protected: ProtectedDatabase, record: BackupRecord, now: Date) {
        let rpo = protected.settings.recoveryPointObjective.map(Self.seconds)
        let age = record.newestSnapshotAt.map { now.timeIntervalSince($0) }
        let waited = age ?? record.protectedSince.map { now.timeIntervalSince($0) }
        database = protected.database.identifier
        kind = protected.database.kind.rawValue
        newestSnapshotId = record.newestSnapshotID
        newestSnapshotAt = record.newestSnapshotAt
        ageSeconds = age
        rpoSeconds = rpo
        rpoBreached = rpo.map { rpo in waited.map { $0 > rpo } ?? false } ?? false
        lastCycle = record.lastCycle
        switch record.scheduledFire {
        case .at(let date): nextFireAt = date
        case .paused: nextFireAt = nil
        case nil: nextFireAt = protected.settings.schedule.nextFire(after: now)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
