import FerryAWS
import FerryEngine
import Foundation
import Logging

/// A snapshot Ferry deletes, as the effects ledger records it: effect `snapshot.delete`, target
/// `region/identifier`, and the region, identifier and reason that `ferry.snapshot_deletions` shows.
struct SnapshotDeletion {
    static let effect = "snapshot.delete"

    var region: String
    var identifier: String
    var reason: String

    var ledgerEntry: StepEffect {
        StepEffect(effect: Self.effect, target: "\(region)/\(identifier)", detail: [
            "region": .string(region), "snapshot_id": .string(identifier), "reason": .string(reason),
        ])
    }

    init(region: String, identifier: String, reason: String) {
        self.region = region
        self.identifier = identifier
        self.reason = reason
    }

    init?(_ effect: StepEffect) {
        guard effect.effect == Self.effect, let region = effect.detail["region"]?.stringValue,
              let identifier = effect.detail["snapshot_id"]?.stringValue else { return nil }
        self.init(region: region, identifier: identifier, reason: effect.detail["reason"]?.stringValue ?? "")
    }

    /// What became of a deletion.
    enum Outcome {
        /// RDS accepted it, or the snapshot was already gone or going.
        case deleted
        /// The snapshot cannot be deleted in its state yet (`creating`, a copy in progress): ask again later.
        case notYet(status: String)
    }

    /// Deletes the snapshot in `snapshots` (of `region`), recording the intent in the ledger before the call
    /// and confirming it after, so that the deletion is recorded exactly once whatever crash falls between.
    func perform(in snapshots: RDSSnapshots, context: StepContext) throws -> Outcome {
        try context.session.intend(ledgerEntry)
        do {
            try snapshots.delete(identifier)
        } catch let error as AWSError where error.code == snapshots.notFound {
            // Gone already: deleted by an attempt that died before confirming.
        } catch let error as AWSError where error.code == snapshots.invalidSnapshotState {
            let current = try snapshots.describe(identifier)
            if let current, current.status != "deleting" { return .notYet(status: current.status) }
        }
        try context.session.confirm(ledgerEntry)
        context.logger.info("deleted a snapshot", metadata: ["region": "\(region)", "snapshot": "\(identifier)", "reason": "\(reason)"])
        return .deleted
    }
}
