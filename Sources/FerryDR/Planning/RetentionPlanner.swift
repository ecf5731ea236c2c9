public import Foundation

/// A snapshot in the DR region as DescribeDBSnapshots / DescribeDBClusterSnapshots returns it.
public struct SnapshotRecord: Sendable, Hashable {
    public var identifier: String
    /// RDS's status: `available`, `creating`, `copying`, …
    public var status: String
    /// `nil` while RDS has not set it (a snapshot being created).
    public var createdAt: Date?
    public var tags: [String: String]

    public init(identifier: String, status: String, createdAt: Date?, tags: [String: String]) {
        self.identifier = identifier
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
/// snapshots (with their tags) and supplies the clock.
///
/// - Only Ferry's own snapshots of this database (`ferry:managed` = `true`, `ferry:source-db` = the
///   database) are ever deleted; all others are kept, whatever their age.
/// - A snapshot that is not `available` (still creating or copying, or failed) is kept: it is not
///   Ferry's to judge yet, and deleting an in-flight copy would race the cycle that owns it.
/// - The newest available Ferry snapshot is always kept, even when every rule would let it go.
/// - `days`: kept while at most that many days old (age ≤ days × 24 h).
///   `count`: the newest `count` available Ferry snapshots are kept.
///   Both: kept if EITHER rule keeps it. A snapshot is deleted only when every rule given lets it go,
///   which is the safer reading and what the reasons say (`older than 7 days (…) and beyond the newest 14`).
public enum RetentionPlanner {
    public static func plan(snapshots: [SnapshotRecord], database: String, rule: RetentionRule, now: Date) -> RetentionPlan {
        var keep: [RetentionDecision] = []
        var candidates: [(snapshot: SnapshotRecord, createdAt: Date)] = []
        for snapshot in snapshots {
            if !FerryTags.isManagedSnapshot(of: database, tags: snapshot.tags) {
                keep.append(RetentionDecision(snapshot: snapshot, reason: "not a Ferry snapshot of \(database.lowercased())"))
            } else if snapshot.status != "available" {
                keep.append(RetentionDecision(snapshot: snapshot, reason: "not available (\(snapshot.status))"))
            } else if let createdAt = snapshot.createdAt {
                candidates.append((snapshot, createdAt))
            } else {
                keep.append(RetentionDecision(snapshot: snapshot, reason: "no creation time yet"))
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
