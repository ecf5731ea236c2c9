public import FerryPostgres
import FerryEngine
public import Foundation

/// What one RPO check changed.
public struct RPOCheckResult: Sendable, Equatable {
    public var opened: [String] = []
    public var closed: [String] = []
}

/// Watches each protected database's recovery point: opens a breach (and queues its alert) the first time
/// the newest DR snapshot is found older than the RPO (or, with none, the database has been protected for
/// longer), and closes it (with a recovery alert) once a fresh snapshot arrives or the RPO is removed. Any
/// number of workers may check at once: one breach at a time may be open per database, so a breach alerts
/// once, however many checks see it.
public struct RPOMonitor {
    public let store: RecoveryStore

    public init(connection: PostgresConnection) {
        store = RecoveryStore(connection: connection)
    }

    /// The recovery point of each protected database at `now`, in the order given.
    public func statuses(of protected: [ProtectedDatabase], now: Date) throws -> [DatabaseStatus] {
        let records = try store.backupRecords(databases: protected.map(\.database.identifier))
        return protected.map { DatabaseStatus(protected: $0, record: records[$0.database.identifier] ?? BackupRecord(), now: now) }
    }

    /// Checks every protected database at `now` (injected so that tests need not wait hours).
    @discardableResult
    public func check(protected: [ProtectedDatabase], now: Date) throws -> RPOCheckResult {
        try store.recordProtected(databases: protected.map(\.database.identifier))
        var result = RPOCheckResult()
        for status in try statuses(of: protected, now: now) {
            if status.rpoBreached {
                if try store.openBreach(status, message: Self.breachMessage(status), subject: "Ferry RPO breached: \(status.database)") {
                    result.opened.append(status.database)
                }
            } else if status.newestSnapshotAt != nil || status.rpoSeconds == nil,
                      try store.closeBreach(status, message: Self.recoveryMessage(status), subject: "Ferry RPO recovered: \(status.database)") {
                result.closed.append(status.database)
            }
        }
        return result
    }

    /// An age to the minute: `1d2h5m`.
    private static func minutes(_ seconds: Double?) -> String {
        DurationText.format(((seconds ?? 0) / 60).rounded() * 60)
    }

    static func breachMessage(_ status: DatabaseStatus) -> String {
        let rpo = DurationText.format(status.rpoSeconds ?? 0)
        let newest = status.newestSnapshotId.map { snapshot in
            "its newest DR snapshot, \(snapshot), is \(minutes(status.ageSeconds)) old"
        } ?? "it has no DR snapshot yet"
        let lastCycle = status.lastCycle.map { cycle in
            " The last backup cycle, run \(cycle.runId), is \(cycle.status)\(cycle.error.map { ": \($0)" } ?? "") (ferry runs show \(cycle.runId))."
        } ?? " No backup cycle has run."
        return "Ferry: the recovery point of \(status.database) is behind its objective of \(rpo): \(newest).\(lastCycle)"
    }

    static func recoveryMessage(_ status: DatabaseStatus) -> String {
        "Ferry: the recovery point of \(status.database) is within its objective again: DR snapshot \(status.newestSnapshotId ?? "none") is \(minutes(status.ageSeconds)) old."
    }
}
