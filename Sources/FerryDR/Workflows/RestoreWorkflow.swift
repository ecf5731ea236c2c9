public import FerryEngine
public import Foundation

/// The contracts of the restore and the drill, which share their first steps: their input (`RestoreInput`),
/// their steps and the output each records (snake_case fields, which `ferry runs show` prints and
/// `ferry status` reads). `workflows/restore.yaml` and `workflows/drill.yaml` give their policies.
public enum RestoreWorkflow {
    public static let restoreName = "restore"
    public static let drillName = "drill"

    public static let chooseSnapshot = StepKey<ChosenSnapshot>("choose_snapshot")
    public static let restore = StepKey<RestoreRequested>("restore")
    public static let awaitRestore = StepKey<Restored>("await_restore")
    /// Drill only: asks RDS to delete what the drill restored.
    public static let deleteRestore = StepKey<DeleteRequested>("delete_restore")
    /// Drill only: waits until it is gone.
    public static let awaitDeleted = StepKey<Deleted>("await_deleted")
    public static let notify = StepKey<Notified>("notify")
    /// Drill compensation: deletes what the drill restored.
    public static let discardRestore = StepKey<Discarded>("discard_restore")

    /// The restore point the run restores: the newest of its candidates still available.
    public struct ChosenSnapshot: Codable, Sendable {
        public var snapshotID: String
        public var takenAt: Date
        /// Candidates that were gone or not available.
        public var passedOver: [String]

        enum CodingKeys: String, CodingKey {
            case snapshotID = "snapshot_id"
            case takenAt = "taken_at"
            case passedOver = "passed_over"
        }
    }

    public struct RestoreRequested: Codable, Sendable {
        public var targetID: String
        public var snapshotID: String
        public var requestedAt: Date

        enum CodingKeys: String, CodingKey {
            case targetID = "target_id"
            case snapshotID = "snapshot_id"
            case requestedAt = "requested_at"
        }
    }

    /// The restored database once available, and how long the restore took (the measured RTO).
    public struct Restored: Codable, Sendable {
        public var targetID: String
        public var statusChecks: Int
        /// `host:port`.
        public var endpoint: String?
        public var restoreSeconds: Double?
        /// When the restored data was taken.
        public var dataTakenAt: Date?

        enum CodingKeys: String, CodingKey {
            case targetID = "target_id"
            case statusChecks = "status_checks"
            case endpoint
            case restoreSeconds = "restore_seconds"
            case dataTakenAt = "data_taken_at"
        }
    }

    public struct DeleteRequested: Codable, Sendable {
        public var deleted: String
    }

    public struct Deleted: Codable, Sendable {}

    public struct Notified: Codable, Sendable {
        public var messageID: String
        public var rtoSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case messageID = "message_id"
            case rtoSeconds = "rto_seconds"
        }
    }

    static func contract(_ actions: RestoreActions) -> WorkflowContract {
        let input = RestoreInput.self
        return WorkflowContract(restoreName, input: input, steps: [
            .step(chooseSnapshot, input: input, actions.chooseSnapshot),
            .step(restore, input: input, actions.restore),
            .step(awaitRestore, input: input, actions.awaitRestore),
            .step(notify, input: input, actions.notify),
        ])
    }

    static func drillContract(_ actions: RestoreActions) -> WorkflowContract {
        let input = RestoreInput.self
        return WorkflowContract(drillName, input: input, steps: [
            .step(chooseSnapshot, input: input, actions.chooseSnapshot),
            .step(restore, input: input, actions.restore),
            .step(awaitRestore, input: input, actions.awaitRestore),
            .step(deleteRestore, input: input, actions.deleteRestore),
            .step(awaitDeleted, input: input, actions.awaitDeleted),
            .step(notify, input: input, actions.notify),
        ], compensation: [
            .step(discardRestore, input: input, actions.discardRestore),
        ])
    }
}
