import Foundation
import Testing
@testable import FerryDR

@Suite struct RetentionPlannerTests {
    static let now = utc("2026-11-25T13:00Z")

    /// A snapshot of orders-db, proven Ferry's, created `daysAgo` days before now.
    static func ferry(_ daysAgo: Int, status: String = "available", database: String = "orders-db") -> JudgedSnapshot {
        let created = now.addingTimeInterval(-Double(daysAgo) * 86_400 - 3_600)
        return JudgedSnapshot(SnapshotRecord(
            identifier: "ferry-\(database)-\(daysAgo)", arn: "arn:aws:rds:us-west-2:123456789012:snapshot:ferry-\(database)-\(daysAgo)",
            status: status, createdAt: created, tags: [FerryTags.managed: "true", FerryTags.sourceDatabase: database]
        ), .ferrys)
    }

    static func plan(_ snapshots: [JudgedSnapshot], days: Int? = nil, count: Int? = nil) -> RetentionPlan {
        RetentionPlanner.plan(snapshots, database: "orders-db", rule: RetentionRule(days: days, count: count), now: now)
    }

    @Test(arguments: [
        // days only: age ≤ 7 days (+1 h here) is kept.
        ([0, 3, 6, 7, 8, 30], 7, nil, [30, 8, 7]),
        // count only.
        ([0, 1, 2, 3, 4], nil, 2, [4, 3, 2]),
        // both: kept when EITHER keeps it.
        ([0, 1, 2, 10, 11, 12], 7, 4, [12, 11]),
        ([0, 10, 20], 7, 1, [20, 10]),
        // the newest available is kept even when every rule lets it go.
        ([40, 50], 7, nil, [50]),
        ([], 7, 3, []),
    ] as [([Int], Int?, Int?, [Int])])
    func deletesWhatEveryRuleLetsGo(ages: [Int], days: Int?, count: Int?, deletedAges: [Int]) {
        let plan = Self.plan(ages.map { Self.ferry($0) }, days: days, count: count)
        #expect(plan.delete.map(\.snapshot.identifier) == deletedAges.map { "ferry-orders-db-\($0)" })
        #expect(plan.delete.count + plan.keep.count == ages.count)
    }

    @Test func reasonsSayWhy() {
        let plan = Self.plan([Self.ferry(0), Self.ferry(1), Self.ferry(15), Self.ferry(16)], days: 7, count: 2)
        #expect(plan.delete.map(\.reason) == [
            "older than 7 days (created 2026-11-09T12:00Z) and beyond the newest 2",
            "older than 7 days (created 2026-11-10T12:00Z) and beyond the newest 2",
        ])
        #expect(plan.keep.map(\.reason) == ["the newest available snapshot", "within 7 days and among the newest 2"])
        let countOnly = Self.plan([Self.ferry(0), Self.ferry(1)], count: 1)
        #expect(countOnly.delete.map(\.reason) == ["beyond the newest 1"])
    }

    /// Only snapshots proven Ferry's are candidates, whatever their tags and age; each kept one says why.
    @Test func onlyProvenAvailableSnapshotsAreCandidates() {
        let old = utc("2025-01-01T00:00Z")
        let foreign = JudgedSnapshot(SnapshotRecord(identifier: "manual-1", arn: "arn:1", status: "available", createdAt: old, tags: [:]),
                                     .notTaggedAsFerrys)
        var copiedRecord = Self.ferry(90).snapshot
        copiedRecord.identifier = "legal-hold-orders-db"
        let copied = JudgedSnapshot(copiedRecord, .copiedTags)
        let copiedInProgress = JudgedSnapshot(Self.ferry(80, status: "creating").snapshot, .copiedTags)
        let run = UUID(uuidString: "5A0B6C7D-0000-4000-8000-000000000001")!
        let unrecorded = JudgedSnapshot(Self.ferry(70).snapshot, .notRecordedYet(run: run))
        let copying = Self.ferry(60, status: "copying")
        let failed = Self.ferry(50, status: "failed")
        let noDate = JudgedSnapshot(SnapshotRecord(identifier: "x", arn: "arn:x", status: "available", createdAt: nil, tags: Self.ferry(0).snapshot.tags),
                                    .ferrys)
        let plan = Self.plan([foreign, copied, copiedInProgress, unrecorded, copying, failed, noDate, Self.ferry(0), Self.ferry(30)], days: 7)
        #expect(plan.delete.map(\.snapshot.identifier) == ["ferry-orders-db-30"])
        #expect(Dictionary(uniqueKeysWithValues: plan.keep.map { ($0.snapshot.identifier, $0.reason) }) == [
            "ferry-orders-db-0": "the newest available snapshot",
            "manual-1": "not a Ferry snapshot of orders-db",
            "legal-hold-orders-db": "not Ferry's (copied tags)",
            "ferry-orders-db-80": "not available (creating)",
            "ferry-orders-db-70": "its run 5a0b6c7d-0000-4000-8000-000000000001 has not recorded it yet",
            "ferry-orders-db-60": "not available (copying)",
            "ferry-orders-db-50": "not available (failed)",
            "x": "no creation time yet",
        ])
    }

    @Test func theNewestAvailableIsKeptWhenANewerOneIsStillCopying() {
        let plan = Self.plan([Self.ferry(0, status: "copying"), Self.ferry(20), Self.ferry(21)], count: 1)
        #expect(plan.delete.map(\.snapshot.identifier) == ["ferry-orders-db-21"])
        #expect(plan.keep.first?.snapshot.identifier == "ferry-orders-db-20")
    }
}
