import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryPostgres

/// Cycles and drills that stop leave nothing behind: their compensation steps delete what they made, and
/// the audit views say so, once, even when a worker is killed in the middle.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct CycleCompensationTests {
    /// The DR region's manual-snapshot quota is used up (1 of 1): RDS refuses the copy with
    /// SnapshotQuotaExceeded, DescribeAccountAttributes says the quota is used up, the cycle fails with an
    /// alert naming the region and the quota, and deletes its primary snapshot first. The worker doing
    /// that is killed right after the delete took effect, before it could confirm it: another finishes, and
    /// the deletion is recorded once.
    @Test func aUsedUpQuotaFailsTheCycleWhichDeletesItsSnapshotOnceThoughKilledWhileDoingSo() throws {
        let fleet = try DRFixture(primary: "ca-central-1", dr: "sa-east-1")
        try fleet.emulator.configure(region: fleet.drRegion, ["manual_snapshots": 1])
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        try fleet.makeInstance("other-\(fleet.suffix)", region: fleet.drRegion)
        _ = try fleet.rds(fleet.drRegion).createDBSnapshot(identifier: "someone-\(fleet.suffix)", instanceIdentifier: "other-\(fleet.suffix)")
        let run = try fleet.runtime.startBackupCycle(of: try fleet.runtime.protectedDatabase(database), scheduledFor: Date(),
                                                     store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let doomed = try fleet.startWorkers(1, name: "doomed", withConfig: false)[0]
        // The emulator kills the worker once discard_snapshot's delete took effect, before the worker hears of it.
        try fleet.emulator.kill(doomed.processIdentifier, after: "DeleteDBSnapshot", in: fleet.primaryRegion)
        #expect(try FerryProcess.waitUntil(seconds: 120) {
            try fleet.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
            return !doomed.isRunning
        })
        #expect(doomed.terminationReason == .uncaughtSignal, "the worker died between the delete and what it records of it")
        try fleet.connection.execute("UPDATE ferry.runs SET lease_expires_at = now(), next_wake_at = now() WHERE status = 'running'")
        let survivor = try fleet.startWorkers(1, name: "survivor", withConfig: false)[0]
        defer { #expect(FerryProcess.stop(survivor)) }
        #expect(try fleet.waitForRuns([run]))

        let summary = try #require(try fleet.status(run))
        #expect(summary.status == .failed)
        #expect(summary.lastError == "the ManualSnapshots quota of sa-east-1 is used up (1 of 1): delete manual snapshots there or ask AWS to raise it")
        #expect(summary.compensatedAt != nil, "what it made was undone")
        let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
        #expect(try fleet.rds(fleet.primaryRegion).describeDBSnapshot(identifier: input.snapshotID) == nil, "the primary snapshot is gone")
        #expect(try fleet.rds(fleet.drRegion).describeDBSnapshot(identifier: input.copyID) == nil, "no copy was made")
        let deletions = try fleet.connection.query("SELECT region, snapshot_id, reason, step_name FROM ferry.snapshot_deletions WHERE run_id = \(run)")
        #expect(deletions.count == 1, "the primary snapshot's deletion, recorded once across the crash")
        #expect(try deletions.first?.decode("snapshot_id", as: String.self) == input.snapshotID)
        #expect(try deletions.first?.decode("reason", as: String.self) == "undo: the cycle failed")
        #expect(try deletions.first?.decode("step_name", as: String.self) == "discard_snapshot")
        let alert = try #require(try fleet.connection.query("SELECT message FROM ferry.alerts WHERE run_id = \(run)").first)
        let message: String = try alert.decode("message")
        #expect(message.contains("failed at step copy: the ManualSnapshots quota of sa-east-1 is used up (1 of 1)"), "\(message)")
        #expect(message.contains("what it had made was undone"))
        let resumed = try fleet.ferry(["runs", "resume", run.lowercasedString], withConfig: false)
        #expect(resumed.status != 0 && resumed.stderr.contains("what it had made was undone"), "\(resumed.stderr)")
    }

    /// Cancelled while its copy is in progress (an hour of emulated time): the cycle deletes its primary
    /// snapshot, which makes the copy fail, then deletes the failed copy, gives back its copy slot and
    /// ends cancelled.
    @Test func aCycleCancelledDuringItsCopyDeletesTheSnapshotAndTheUnfinishedCopy() throws {
        let fleet = try DRFixture(primary: "ap-northeast-1", dr: "ap-northeast-2")
        try fleet.emulator.configure(region: fleet.primaryRegion, ["snapshot_seconds": 60])
        try fleet.emulator.configure(region: fleet.drRegion, ["copy_seconds": 3600])
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let run = try fleet.runtime.startBackupCycle(of: try fleet.runtime.protectedDatabase(database), scheduledFor: Date(),
                                                     store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let worker = try fleet.startWorkers(1, withConfig: false)[0]
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil(seconds: 120) {
            try fleet.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
            try fleet.emulator.advanceClock(seconds: 30, regions: [fleet.primaryRegion, fleet.drRegion])
            return try fleet.status(run).map { $0.stepIndex == 3 && $0.status == .waiting } ?? false
        }, "the run waits for its copy")
        let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
        #expect(try fleet.rds(fleet.drRegion).describeDBSnapshot(identifier: input.copyID)?.status != "available")

        let cancelled = try fleet.ferry(["runs", "cancel", run.lowercasedString, "--actor", "alice"], withConfig: false)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(cancelled.stdout.contains("undoing what it made first"), "\(cancelled.stdout)")
        #expect(try fleet.runInEmulatedTime([run]))
        let summary = try #require(try fleet.status(run))
        #expect(summary.status == .cancelled)
        #expect(summary.stopReason == "cancelled by alice")
        #expect(summary.compensatedAt != nil)
        #expect(try fleet.rds(fleet.primaryRegion).describeDBSnapshot(identifier: input.snapshotID) == nil, "the primary snapshot is gone")
        #expect(try fleet.rds(fleet.drRegion).describeDBSnapshot(identifier: input.copyID) == nil, "the unfinished copy is gone")
        let deleted = try fleet.connection.query("SELECT snapshot_id, reason FROM ferry.snapshot_deletions WHERE run_id = \(run) ORDER BY deleted_at")
        #expect(try deleted.map { try $0.decode("snapshot_id", as: String.self) } == [input.snapshotID, input.copyID])
        #expect(try deleted.allSatisfy { try $0.decode("reason", as: String.self) == "undo: the cycle was cancelled" })
        #expect(try fleet.store.semaphores().allSatisfy { $0.inUse == 0 }, "the copy slot is given back")
        let events = try fleet.store.events(runID: run, since: nil, limit: 1000).map(\.kind)
        #expect(events.contains("run.compensating") && events.last == "run.cancelled", "\(events)")
    }

    /// A drill cancelled while its restored instance is being created deletes that instance.
    @Test func aCancelledDrillDeletesWhatItRestored() throws {
        let fleet = try DRFixture()
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        try fleet.makeInstance(database, region: DRFixture.dr)
        let drRDS = try fleet.rds(DRFixture.dr)
        let seed = try drRDS.createDBSnapshot(identifier: "ferry-\(database)-seed", instanceIdentifier: database,
                                              tags: [FerryTags.managed: "true", FerryTags.sourceDatabase: database, FerryTags.runID: "seed"])
        #expect(try FerryProcess.waitUntil(seconds: 10) { try drRDS.describeDBSnapshot(identifier: "ferry-\(database)-seed")?.status == "available" })
        let catalog = RestorePointCatalog(connection: fleet.connection)
        try catalog.record(rebuilt: [RestorePoint(
            database: database, kind: .instance, drRegion: DRFixture.dr, snapshotID: seed.identifier, snapshotARN: try #require(seed.arn),
            takenAt: Date(), runID: nil, source: try #require(try fleet.runtime.protectedDatabase(database).database.source))])
        let run = try fleet.runtime.startRestore(try fleet.runtime.restorePlan(of: database, snapshotID: nil, catalog: catalog),
                                                 targetID: nil, drill: true, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let worker = try fleet.startWorkers(1, withConfig: false)[0]
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil(seconds: 60) {
            try fleet.status(run).map { $0.stepIndex == 2 && $0.status == .waiting } ?? false
        }, "the drill waits for its restored instance")
        let target = try #require(try fleet.store.runInput(id: run)["target_id"]?.stringValue)
        #expect(try drRDS.describeDBInstances(identifier: target).first?.tags[FerryTags.runID] == run.lowercasedString)

        let cancelled = try fleet.ferry(["runs", "cancel", run.lowercasedString], withConfig: false)
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(try fleet.waitForRuns([run]))
        #expect(try fleet.status(run)?.status == .cancelled)
        #expect(try fleet.status(run)?.compensatedAt != nil)
        let remaining = try? drRDS.describeDBInstances(identifier: target)
        #expect(remaining?.isEmpty ?? true, "the drill's instance is gone")
    }
}
