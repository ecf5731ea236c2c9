public import Foundation
import FerryEngine

/// A snapshot in the DR region as DescribeDBSnapshots / DescribeDBClusterSnapshots returns it.
public struct SnapshotRecord: Sendable, Hashable {
    public var identifier: String
    /// `nil` only in a plan's stand-in for the copy a cycle has yet to make.
    public var arn: String?
    /// RDS's status: `available`, `creating`, `copying`, …
    public var status: String
    /// `nil` while RDS has not set it (a snapshot being created).
    public var createdAt: Date?
    public var tags: [String: String]

    public init(identifier: String, arn: String?, status: String, createdAt: Date?, tags: [String: String]) {
        self.identifier = identifier
        self.arn = arn
        self.status = status
        self.createdAt = createdAt
        self.tags = tags
    }
}

/// A snapshot and why the plan keeps or deletes it, e.g. `older than 7 days (created 2026-11-10T03:00Z)`.
public struct RetentionDecision: Sendable, Hashable {
    public var snapshot: SnapshotRecord
    public var reason: String
}

/// What the cleanup step deletes in the DR region for one database, and what it keeps.
public struct RetentionPlan: Sendable, Hashable {
    /// Oldest first.
    public var delete: [RetentionDecision]
    /// Every other snapshot given, newest Ferry snapshots first.
    public var keep: [RetentionDecision]
}

/// Decides which of one database's DR snapshots the retention rule lets go. Pure: the caller lists the
/// snapshots with the verdict on each one's ownership (`SnapshotOwnership`) and supplies the clock.
///
/// - Only snapshots proven Ferry's (`OwnershipVerdict.ferrys`) are ever deleted; all others are kept,
///   whatever their age: those without Ferry's tags for this database, and those with Ferry's tags that no
///   run of Ferry's recorded (`not Ferry's (copied tags)`).
/// - A snapshot that is not `available` (still creating or copying, or failed) is kept: it is not
///   Ferry's to judge yet, and deleting an in-flight copy would race the cycle that owns it.
/// - The newest available Ferry snapshot is always kept, even when every rule would let it go.
/// - `days`: kept while at most that many days old (age ≤ days × 24 h).
///   `count`: the newest `count` available Ferry snapshots are kept.
///   Both: kept if EITHER rule keeps it. A snapshot is deleted only when every rule given lets it go,
///   which is the safer reading and what the reasons say (`older than 7 days (…) and beyond the newest 14`).
public enum RetentionPlanner {
    /// The reason given for a snapshot that carries Ferry's tags but is not Ferry's.
    public static let notFerrys = "not Ferry's (copied tags)"

    public static func plan(_ snapshots: [JudgedSnapshot], database: String, rule: RetentionRule, now: Date) -> RetentionPlan {
        var keep: [RetentionDecision] = []
        var candidates: [(snapshot: SnapshotRecord, createdAt: Date)] = []
        for judged in snapshots {
            let snapshot = judged.snapshot
            func kept(_ reason: String) { keep.append(RetentionDecision(snapshot: snapshot, reason: reason)) }
            switch judged.ownership {
            case .notTaggedAsFerrys: kept("not a Ferry snapshot of \(database.lowercased())")
            case _ where snapshot.status != "available": kept("not available (\(snapshot.status))")
            case .copiedTags: kept(notFerrys)
            case .notRecordedYet(let run): kept("its run \(run.lowercasedString) has not recorded it yet")
            case .ferrys:
                if let createdAt = snapshot.createdAt { candidates.append((snapshot, createdAt)) } else { kept("no creation time yet") }
            }
        }
        let newestFirst = candidates.sorted { ($0.createdAt, $0.snapshot.identifier) > ($1.createdAt, $1.snapshot.identifier) }
        var delete: [RetentionDecision] = []
        var keptFerrySnapshots: [RetentionDecision] = []
        for (rank, candidate) in newestFirst.enumerated() {
            let decision = decide(rank: rank, createdAt: candidate.createdAt, rule: rule, now: now)
            let record = RetentionDecision(snapshot: candidate.snapshot, reason: decision.reason)
            if decision.deletes { delete.append(record) } else { keptFerrySnapshots.append(record) }
        }
        return RetentionPlan(delete: delete.reversed(), keep: keptFerrySnapshots + keep)
    }

    /// `rank` 0 is the newest available Ferry snapshot.
    private static func decide(rank: Int, createdAt: Date, rule: RetentionRule, now: Date) -> (deletes: Bool, reason: String) {
        if rank == 0 { return (false, "the newest available snapshot") }
        var reasonsToKeep: [String] = []
        var reasonsToDelete: [String] = []
        if let days = rule.days {
            if now.timeIntervalSince(createdAt) <= TimeInterval(days) * 86_400 {
                reasonsToKeep.append("within \(days) days")
            } else {
                reasonsToDelete.append("older than \(days) days (created \(UTCMinute.iso8601(createdAt)))")
            }
        }
        if let count = rule.count {
            if rank < count {
                reasonsToKeep.append("among the newest \(count)")
            } else {
                reasonsToDelete.append("beyond the newest \(count)")
            }
        }
        if reasonsToKeep.isEmpty { return (true, reasonsToDelete.joined(separator: " and ")) }
        return (false, reasonsToKeep.joined(separator: " and "))
    }
}
