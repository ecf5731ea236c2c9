import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryPostgres

/// A fleet larger than a page and than AWS's copy limits, against the emulator modelling RDS in time mode:
/// snapshots take 5 minutes and copies an hour of emulated time, two copies by another tool are in
/// progress into the DR region, 700 snapshots of other databases sit there, and every describe page there
/// holds 20 items at most.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct FleetCycleTests {
    static let primary = "eu-west-1"
    static let dr = "eu-central-1"
    static let instances = 45
    static let clusters = 5

    @Test func fiftyDatabasesAllSucceedWaitingForCopySlotsWithFewCallsAndAnExactAuditTrail() throws {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        let fleet = try DRFixture(databases: "  - tagged: {fleet: \"\(suffix)\"}", primary: Self.primary, dr: Self.dr)
        let emulator = fleet.emulator
        try emulator.configure(region: Self.primary, ["snapshot_seconds": 300])
        try emulator.configure(region: Self.dr, ["manual_snapshots": 1000, "snapshot_seconds": 300, "copy_seconds": 3600, "page_size": 20])

        let instanceNames = (1...Self.instances).map { "fleet\($0)-\(suffix)" }
        let clusterNames = (1...Self.clusters).map { "aurora\($0)-\(suffix)" }
        for name in instanceNames { try fleet.makeInstance(name, tags: ["fleet": suffix]) }
        for name in clusterNames { try fleet.makeCluster(name, tags: ["fleet": suffix]) }
        // Another tool's copies in progress into the DR region, and 700 snapshots of another database there.
        let primaryRDS = try fleet.rds(Self.primary)
        let drRDS = try fleet.rds(Self.dr)
        try fleet.makeInstance("other-\(suffix)")
        try fleet.makeInstance("other-\(suffix)", region: Self.dr)
        for index in 1...2 {
            let source = try primaryRDS.createDBSnapshot(identifier: "other-tool-\(index)-\(suffix)", instanceIdentifier: "other-\(suffix)")
            try emulator.advanceClock(seconds: 301, regions: [Self.primary, Self.dr])
            _ = try drRDS.copyDBSnapshot(.crossRegion(sourceARN: try #require(source.arn), targetIdentifier: "other-tool-\(index)-\(suffix)",
                                                      kmsKeyID: fleet.drKey.arn))
        }
        for index in 1...700 {
            _ = try drRDS.createDBSnapshot(identifier: "other-\(index)-\(suffix)", instanceIdentifier: "other-\(suffix)")
        }

        let protected = try fleet.runtime.selectDatabases().protected
        #expect(protected.count == Self.instances + Self.clusters)
        let callsBefore = try emulator.calls(in: [Self.primary, Self.dr])
        let started = ContinuousClock.now
        let runs = try protected.map {
            try fleet.runtime.startBackupCycle(of: $0, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        }
        let workers = try fleet.startWorkers(2, withConfig: false)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.runInEmulatedTime(runs, seconds: 900))
        let wallTime = ContinuousClock.now - started
        let callsAfter = try emulator.calls(in: [Self.primary, Self.dr])

        // Every cycle succeeded.
        let failed = try runs.compactMap { run in try fleet.status(run).flatMap { $0.status == .succeeded ? nil : "\($0.id): \($0.status) \($0.lastError ?? "")" } }
        #expect(failed.isEmpty, "\(failed)")

        // Few calls: no listing of the region per attempt, and waits that ask rarely.
        let calls = callsAfter.total - callsBefore.total
        let perDatabase = Double(calls) / Double(runs.count)
        var byAction = callsAfter.byAction
        for (action, count) in callsBefore.byAction { byAction[action, default: 0] -= count }
        #expect(perDatabase <= 15, "\(perDatabase) RDS calls per database per cycle: \(byAction)")

        // Copies beyond the pools, and beyond what AWS allowed with another tool's copies in flight, waited.
        let copyCalls = (byAction["CopyDBSnapshot"] ?? 0) + (byAction["CopyDBClusterSnapshot"] ?? 0)
        let refusals = copyCalls - runs.count
        #expect(refusals > 0, "with two foreign copies in flight, AWS refused some of Ferry's 20 (\(byAction))")
        let waitedForSlots: Int = try fleet.connection.query("""
            SELECT count(DISTINCT run_id)::int AS n FROM ferry.events
            WHERE kind = 'step.waiting' AND step_name = 'copy' AND detail->>'reason' LIKE 'waiting for a copy slot%'
            """).first!.decode("n")
        #expect(waitedForSlots >= Self.instances - 20, "the instances beyond the pool of 20 waited in line")
        let pools = try fleet.store.semaphores()
        #expect(pools.map(\.permits).sorted() == [5, 20])
        #expect(pools.allSatisfy { $0.inUse == 0 && $0.waiting == 0 }, "every permit is back: \(pools)")

        // Nothing left behind in the primary region; exactly one DR copy per database.
        let primaryLeft = try primaryRDS.describeDBSnapshots(DBSnapshotQuery(snapshotType: "manual")).filter { $0.identifier.hasPrefix("ferry-") }
        #expect(primaryLeft.isEmpty, "primary snapshots left: \(primaryLeft.map(\.identifier))")
        let clusterPrimaryLeft = try primaryRDS.describeDBClusterSnapshots(snapshotType: "manual").filter { $0.identifier.hasPrefix("ferry-") }
        #expect(clusterPrimaryLeft.isEmpty, "cluster primary snapshots left: \(clusterPrimaryLeft.map(\.identifier))")
        let drCopies = try drRDS.describeDBSnapshots(DBSnapshotQuery(snapshotType: "manual")).filter { $0.tags[FerryTags.managed] == "true" }
        let drClusterCopies = try drRDS.describeDBClusterSnapshots(snapshotType: "manual").filter { $0.tags[FerryTags.managed] == "true" }
        #expect(drCopies.count == Self.instances && drClusterCopies.count == Self.clusters)
        #expect(drCopies.allSatisfy { $0.status == "available" && $0.encrypted })

        // The audit views list every snapshot, copy and deletion once.
        let audit = try fleet.connection.query("""
            SELECT count(*)::int AS cycles,
                count(*) FILTER (WHERE dr_copy_available_at IS NOT NULL AND primary_snapshot_deleted = snapshot_id)::int AS complete
            FROM ferry.snapshot_audit
            """).first!
        #expect(try audit.decode("cycles", as: Int.self) == runs.count)
        #expect(try audit.decode("complete", as: Int.self) == runs.count)
        let deletions = try fleet.connection.query("""
            SELECT count(*)::int AS n, count(DISTINCT (region, snapshot_id))::int AS distinct_snapshots FROM ferry.snapshot_deletions
            """).first!
        #expect(try deletions.decode("n", as: Int.self) == runs.count, "each cycle's primary snapshot, once")
        #expect(try deletions.decode("distinct_snapshots", as: Int.self) == runs.count)
        let deletedCalls = (byAction["DeleteDBSnapshot"] ?? 0) + (byAction["DeleteDBClusterSnapshot"] ?? 0)
        #expect(deletedCalls == runs.count, "one delete call per deletion recorded")

        print("fleet of \(runs.count): \(runs.count - failed.count) cycles succeeded, \(refusals) copy refusals waited out, "
              + "\(waitedForSlots) runs waited for a copy slot, \(perDatabase) RDS calls per database per cycle \(byAction), "
              + "wall time \(wallTime), primary snapshots left \(primaryLeft.count + clusterPrimaryLeft.count)")
    }

    /// 130 of Ferry's earlier DR snapshots of one database, 20 to a describe page: seven pages. Retention with
    /// count 2 deletes exactly the 129 oldest (the cycle's own copy makes 131), each recorded once.
    @Test func retentionIsExactAcrossPages() throws {
        let fleet = try DRFixture(primary: "ap-south-1", dr: "ap-southeast-1")
        try fleet.emulator.configure(region: fleet.primaryRegion, ["snapshot_seconds": 60])
        try fleet.emulator.configure(region: fleet.drRegion, ["manual_snapshots": 1000, "snapshot_seconds": 60, "copy_seconds": 600, "page_size": 20])
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        try fleet.makeInstance(database, region: fleet.drRegion)
        let drRDS = try fleet.rds(fleet.drRegion)
        let earlier = (1...130).map { String(format: "ferry-\(database)-old%03d", $0) }
        try fleet.seedEarlierCycles(of: database, identifiers: earlier) {
            try fleet.emulator.advanceClock(seconds: 61, regions: [fleet.primaryRegion, fleet.drRegion])
        }
        let run = try fleet.runtime.startBackupCycle(of: try fleet.runtime.protectedDatabase(database), scheduledFor: Date(),
                                                     store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let worker = try fleet.startWorkers(1, withConfig: false)[0]
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try fleet.runInEmulatedTime([run]))
        #expect(try fleet.status(run)?.status == .succeeded)

        let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
        let remaining = try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database, snapshotType: "manual"))
            .filter { $0.status != "deleting" }.map(\.identifier)
        let kept = Set(remaining)
        #expect(kept.count == 2 && kept.contains(input.copyID), "the cycle's copy and the newest earlier snapshot: \(kept.sorted())")
        let deleted = try fleet.connection.query("""
            SELECT snapshot_id FROM ferry.snapshot_deletions WHERE run_id = \(run) AND region = \(fleet.drRegion) ORDER BY snapshot_id
            """).map { try $0.decode("snapshot_id", as: String.self) }
        #expect(deleted.count == 129 && Set(deleted).count == 129)
        #expect(Set(deleted).union(kept) == Set(earlier + [input.copyID]), "every snapshot is either kept or deleted once")
        let output = try #require(try fleet.output(run, step: "cleanup"))
        #expect(output["retention_deleted"]?.arrayValue?.count == 129)
    }
}
