public import Foundation

/// What a restore or drill run restores, and how; fixed when the run starts from the catalog and the
/// configuration (no primary-region call). Stored as the run's input; JSON field names are snake_case.
public struct RestoreInput: Sendable, Codable, Equatable {
    /// A restore point the run may restore from.
    public struct Candidate: Sendable, Codable, Equatable {
        public var snapshotID: String
        /// When its data was taken.
        public var takenAt: Date

        enum CodingKeys: String, CodingKey {
            case snapshotID = "snapshot_id"
            case takenAt = "taken_at"
        }

        public init(snapshotID: String, takenAt: Date) {
            self.snapshotID = snapshotID
            self.takenAt = takenAt
        }
    }

    public var database: String
    public var kind: DatabaseKind
    public var drRegion: String
    /// Newest first (only the one named with `--snapshot`): the run restores the first that still exists
    /// and is available in the DR region.
    public var candidates: [Candidate]
    /// The identifier of the restored instance (or cluster).
    public var targetID: String
    /// nil when the database cannot be restored as configured: `problem` says why, and the run fails with it.
    public var spec: RestoreSpec?
    public var problem: String?
    /// A drill deletes what it restored once it is available, and records the restore time.
    public var isDrill: Bool
    public var alertTopic: String
    /// When set, the restore holds a permit of this semaphore while it restores (`ferry restore --all`
    /// restores a fleet so many at a time), with `restorePermits` permits.
    public var restorePool: String?
    public var restorePermits: Int?

    enum CodingKeys: String, CodingKey {
        case database, kind
        case drRegion = "dr_region"
        case candidates
        case targetID = "target_id"
        case spec, problem
        case isDrill = "drill"
        case alertTopic = "alert_topic"
        case restorePool = "restore_pool"
        case restorePermits = "restore_permits"
    }

    public init(database: String, kind: DatabaseKind, drRegion: String, candidates: [Candidate], targetID: String,
                spec: RestoreSpec?, problem: String? = nil, isDrill: Bool, alertTopic: String, restorePool: String? = nil,
                restorePermits: Int? = nil) {
        self.database = database
        self.kind = kind
        self.drRegion = drRegion
        self.candidates = candidates
        self.targetID = targetID
        self.spec = spec
        self.problem = problem
        self.isDrill = isDrill
        self.alertTopic = alertTopic
        self.restorePool = restorePool
        self.restorePermits = restorePermits
    }

    /// The temporary identifier of a drill: `ferry-drill-<db>-<yyyyMMddHHmm>`, within instance limits.
    public static func drillIdentifier(database: String, at date: Date) -> String {
        SnapshotNames(prefix: "ferry-drill", database: database, kind: .cluster, scheduledFor: date).source
    }

    /// The identifiers of the instances of a restored cluster: `<cluster>-1`, `<cluster>-2`, …
    public var clusterInstanceIDs: [String] {
        (1...max(spec?.instanceCount ?? 1, 1)).map { index in
            let suffix = "-\(index)"
            return String(targetID.prefix(63 - suffix.count)) + suffix
        }
    }

    /// The instances a restore makes: the instance itself, or the cluster's instances.
    public var instanceIDs: [String] { kind == .instance ? [targetID] : clusterInstanceIDs }
}
