import Foundation
import Testing
@testable import FerryDR

@Suite struct RetentionPlannerTests {
    static let now = utc("2026-11-25T13:00Z")

    /// A Ferry snapshot of orders-db created `daysAgo` days before now.
    static func ferry(_ daysAgo: Int, status: String = "available", database: String = "orders-db") -> SnapshotRecord {
        let created = now.addingTimeInterval(-Double(daysAgo) * 86_400 - 3_600)
        return SnapshotRecord(
            identifier: "ferry-\(database)-\(daysAgo)", status: status, createdAt: created,
            tags: [FerryTags.managed: "true", FerryTags.sourceDatabase: database]
        )
    }

    static func plan(_ snapshots: [SnapshotRecord], days: Int? = nil, count: Int? = nil) -> RetentionPlan {
        RetentionPlanner.plan(snapshots: snapshots, database: "orders-db", rule: RetentionRule(days: days, count: count), now: now)
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

    @Test func onlyFerrysAvailableSnapshotsOfThisDatabaseAreCandidates() {
        let foreign = SnapshotRecord(identifier: "manual-1", status: "available", createdAt: utc("2025-01-01T00:00Z"), tags: [:])
        let unmanaged = SnapshotRecord(
            identifier: "ferry-lookalike", status: "available", createdAt: utc("2025-01-01T00:00Z"),
            tags: [FerryTags.managed: "false", FerryTags.sourceDatabase: "orders-db"]
        )
        let otherDatabase = Self.ferry(90, database: "billing-db")
        let copying = Self.ferry(60, status: "copying")
        let failed = Self.ferry(50, status: "failed")
        let noDate = SnapshotRecord(identifier: "x", status: "available", createdAt: nil, tags: Self.ferry(0).tags)
        let plan = Self.plan([foreign, unmanaged, otherDatabase, copying, failed, noDate, Self.ferry(0), Self.ferry(30)], days: 7)
        #expect(plan.delete.map(\.snapshot.identifier) == ["ferry-orders-db-30"])
        #expect(Set(plan.keep.map(\.reason)) == [
            "the newest available snapshot", "not a Ferry snapshot of orders-db", "not available (copying)",
            "not available (failed)", "no creation time yet",
        ])
    }

    @Test func theNewestAvailableIsKeptWhenANewerOneIsStillCopying() {
        let plan = Self.plan([Self.ferry(0, status: "copying"), Self.ferry(20), Self.ferry(21)], count: 1)
        #expect(plan.delete.map(\.snapshot.identifier) == ["ferry-orders-db-21"])
        #expect(plan.keep.first?.snapshot.identifier == "ferry-orders-db-20")
    }
}
