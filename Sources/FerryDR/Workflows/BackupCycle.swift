public import FerryEngine
public import Foundation

/// The backup cycle's contract: its input, its steps and the output each records (field names are snake_case:
/// `ferry runs show` prints them, the audit views and the catalog's trigger read them). `workflows/backup-cycle.yaml`
/// gives their policies.
public enum BackupCycle {
    public static let name = "backup-cycle"

    public static let snapshot = StepKey<SnapshotStarted>("snapshot")
    public static let awaitSnapshot = StepKey<SourceSnapshot>("await_snapshot")
    public static let copy = StepKey<CopyStarted>("copy")
    public static let awaitCopy = StepKey<CopyArrived>("await_copy")
    public static let cleanup = StepKey<CleanupDone>("cleanup")
    /// Compensation: deletes the run's primary snapshot.
    public static let discardSnapshot = StepKey<Discarded>("discard_snapshot")
    /// Compensation: deletes the run's unfinished DR copy.
    public static let discardCopy = StepKey<Discarded>("discard_copy")

    /// What `snapshot` started.
    public struct SnapshotStarted: Codable, Sendable {
        public var snapshotID: String
        /// false when an earlier attempt of this run had already created it.
        public var created: Bool

        enum CodingKeys: String, CodingKey {
            case snapshotID = "snapshot_id"
            case created
        }
    }

    /// The primary snapshot once available, which the copy needs.
    public struct SourceSnapshot: Codable, Sendable {
        public var snapshotARN: String
        public var encrypted: Bool
        public var statusChecks: Int
        /// When the snapshot was taken: how old the data of its copy is.
        public var createdAt: Date?
        public var optionGroup: String?

        enum CodingKeys: String, CodingKey {
            case snapshotARN = "snapshot_arn"
            case encrypted
            case statusChecks = "status_checks"
            case createdAt = "snapshot_created_at"
            case optionGroup = "option_group"
        }
    }

    /// What `copy` started, and the pool whose permit the run holds until the copy has arrived.
    public struct CopyStarted: Codable, Sendable {
        public var copyID: String
        public var copyPool: String
        public var encrypted: Bool

        enum CodingKeys: String, CodingKey {
            case copyID = "copy_id"
            case copyPool = "copy_pool"
            case encrypted
        }
    }

    /// The DR copy once available: what proves it Ferry's (`dr_copy`, which `ferry.dr_copies` records), and
    /// the restore point the catalog records.
    public struct CopyArrived: Codable, Sendable {
        public var copyARN: String
        public var drCopy: DRCopy
        public var encrypted: Bool
        public var statusChecks: Int
        public var kmsKeyID: String?
        /// nil for runs started before Ferry recorded the source's settings.
        public var restorePoint: RestorePoint?

        enum CodingKeys: String, CodingKey {
            case copyARN = "copy_arn"
            case drCopy = "dr_copy"
            case encrypted
            case statusChecks = "status_checks"
            case kmsKeyID = "kms_key_id"
            case restorePoint = "restore_point"
        }
    }

    /// What `cleanup` deleted and kept, each with why.
    public struct CleanupDone: Codable, Sendable {
        public struct Decision: Codable, Sendable, Equatable {
            public var snapshotID: String
            public var reason: String

            enum CodingKeys: String, CodingKey {
                case snapshotID = "snapshot_id"
                case reason
            }
        }

        /// A manual-snapshot quota as `DescribeAccountAttributes` reported it: above 80 % used, the
        /// checkpoint's trigger queues a `snapshot_quota` alert (sql/dr/008_operations.sql reads these names).
        public struct Quota: Codable, Sendable, Equatable {
            public var region: String
            public var name: String
            public var used: Int
            public var max: Int
        }

        public var deletedPrimary: String
        public var retentionDeleted: [Decision]
        public var retentionKept: [Decision]
        /// The DR region's manual-snapshot quota of the database's kind after retention; nil when it could
        /// not be read (and in checkpoints written before it was recorded).
        public var manualSnapshotQuota: Quota?

        enum CodingKeys: String, CodingKey {
            case deletedPrimary = "deleted_primary"
            case retentionDeleted = "retention_deleted"
            case retentionKept = "retention_kept"
            case manualSnapshotQuota = "manual_snapshot_quota"
        }
    }

    static func contract(_ actions: BackupCycleActions) -> WorkflowContract {
        let input = BackupCycleInput.self
        return WorkflowContract(name, input: input, steps: [
            .step(snapshot, input: input, actions.snapshot),
            .step(awaitSnapshot, input: input, actions.awaitSnapshot),
            .step(copy, input: input, actions.copy),
            .step(awaitCopy, input: input, actions.awaitCopy),
            .step(cleanup, input: input, actions.cleanup),
        ], compensation: [
            .step(discardSnapshot, input: input, actions.discardSnapshot),
            .step(discardCopy, input: input, actions.discardCopy),
        ])
    }
}

/// What a compensation step did: deleted what its run made, or kept what was not its run's.
public struct Discarded: Codable, Sendable, Equatable {
    public var discarded: String?
    public var kept: String?

    public static func deleted(_ identifier: String) -> Discarded { Discarded(discarded: identifier, kept: nil) }
    public static let nothing = Discarded(discarded: nil, kept: nil)
    public static func kept(_ why: String) -> Discarded { Discarded(discarded: nil, kept: why) }
}
