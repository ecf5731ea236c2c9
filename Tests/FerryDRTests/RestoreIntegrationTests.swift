import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR

/// `ferry restore` and `ferry drill` end to end, after a backup cycle put a snapshot in the DR region.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct RestoreIntegrationTests {
    /// A fleet of one instance with one completed backup cycle.
    func backedUp() throws -> (DRFixture, String, [Process]) {
        let fleet = try DRFixture()
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let run = try fleet.runtime.startBackupCycle(of: try fleet.runtime.protectedDatabase(database), scheduledFor: Date(),
                                                     store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let workers = try fleet.startWorkers(1)
        #expect(try fleet.waitForRuns([run]))
        #expect(try fleet.status(run)?.status == .succeeded)
        return (fleet, database, workers)
    }

    @Test func restoreBringsUpTheNewestSnapshotInTheDRRegion() throws {
        let (fleet, database, workers) = try backedUp()
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        let started = try fleet.ferry(["restore", database, "--as", "\(database)-recovered", "--no-follow", "--actor", "oncall"])
        #expect(started.status == 0, "\(started.stderr)")
        let run = try #require(UUID(uuidString: started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try fleet.waitForRuns([run]))
        let summary = try #require(try fleet.status(run))
        #expect(summary.status == .succeeded, "\(summary.lastError ?? "")")

        let restored = try #require(try fleet.rds(DRFixture.dr).describeDBInstances(identifier: "\(database)-recovered").first)
        #expect(restored.status == "available")
        #expect(restored.tags[FerryTags.runID] == run.lowercasedString)
        let chosen = try #require(try fleet.output(run, step: "choose_snapshot")?["snapshot_id"]?.stringValue)
        #expect(chosen.hasPrefix("ferry-\(database)-"), "the newest Ferry snapshot of the database")
        #expect(try fleet.output(run, step: "await_restore")?["restore_seconds"] != nil)
        #expect(try fleet.output(run, step: "notify")?["message_id"]?.stringValue?.isEmpty == false, "an SNS message was published")
        #expect(summary.createdBy == "oncall")
    }

    @Test func drillRestoresMeasuresAndDeletes() throws {
        let (fleet, database, workers) = try backedUp()
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        let started = try fleet.ferry(["drill", database, "--no-follow"])
        #expect(started.status == 0, "\(started.stderr)")
        let run = try #require(UUID(uuidString: started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try fleet.waitForRuns([run]))
        #expect(try fleet.status(run)?.status == .succeeded)
        let input = try fleet.store.runInput(id: run).decode(as: RestoreInput.self)
        #expect(input.isDrill && input.targetID.hasPrefix("ferry-drill-"))
        #expect(try fleet.rds(DRFixture.dr).describeDBInstances().allSatisfy { $0.identifier != input.targetID }, "the drill instance is gone")
        let rto = try #require(try fleet.output(run, step: "notify")?["rto_seconds"])
        #expect(rto.doubleValue != nil, "the measured restore time is recorded in the run")
        #expect((try fleet.output(run, step: "await_restore")?["status_checks"]?.intValue ?? 0) >= 3, "the restore was polled while creating")
    }

    @Test func oneDrillPerDatabaseAtATime() throws {
        let (fleet, database, workers) = try backedUp()
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        let plan = try fleet.runtime.restorePlan(of: database, snapshotID: nil, catalog: RestorePointCatalog(connection: fleet.connection))
        let first = try fleet.runtime.startRestore(plan, targetID: nil, drill: true, store: fleet.store, catalog: fleet.catalog, actor: "test")
        let second = try fleet.runtime.startRestore(plan, targetID: "\(database)-other-drill", drill: true,
                                                    store: fleet.store, catalog: fleet.catalog, actor: "test")
        #expect(second == .skipped(inFlight: first.runID), "a second drill of the same database waits for the first to end")
        let third = try fleet.ferry(["drill", database, "--no-follow"])
        #expect(third.status != 0 && third.stderr.contains(first.runID.lowercasedString))
        #expect(try fleet.waitForRuns([first.runID]))
    }

    @Test func restoreOfADatabaseWithoutRestorePointsIsOneClearError() throws {
        let fleet = try DRFixture()
        let result = try fleet.ferry(["restore", "nope-\(fleet.suffix)", "--no-follow"])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("ferry: the catalog has no restore point of nope-\(fleet.suffix)"), "\(result.stderr)")
    }
}
