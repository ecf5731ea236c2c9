import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryPostgres

/// Workers SIGKILLed at random points of a fleet cycle: every database still ends with exactly one DR
/// snapshot for the cycle and no leftover primary snapshot.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct BackupCycleCrashTests {
    /// Where the emulator kills the worker: right after an AWS call took effect, before the worker hears the
    /// answer, so before anything it records of the call (its checkpoint, its ledger confirmation). Each
    /// case has regions of its own, so no other test's call sets it off.
    struct KillPoint: CustomTestStringConvertible, Sendable {
        var action: String
        var inDRRegion: Bool
        /// Calls of `action` let through before the fatal one.
        var skip = 0
        var primary: String
        var dr: String
        var testDescription: String { "after \(action) #\(skip + 1) in the \(inDRRegion ? "DR" : "primary") region" }
    }

    /// Killed right after each side effect of the cycle: the snapshot, the copy, cleanup's deletion of the
    /// primary snapshot, and its first and last retention deletions (of two earlier Ferry snapshots, with
    /// retention count 2); the last call of each step is also the last moment before its checkpoint. The run
    /// resumed by another worker finds what the dead one made, ends as if nothing happened, and the audit
    /// views list each deletion once.
    @Test(arguments: [
        KillPoint(action: "CreateDBSnapshot", inDRRegion: false, primary: "us-east-2", dr: "us-west-1"),
        KillPoint(action: "CopyDBSnapshot", inDRRegion: true, primary: "eu-west-2", dr: "eu-west-3"),
        KillPoint(action: "DeleteDBSnapshot", inDRRegion: false, primary: "eu-north-1", dr: "eu-south-1"),
        KillPoint(action: "DeleteDBSnapshot", inDRRegion: true, primary: "ap-east-1", dr: "me-south-1"),
        KillPoint(action: "DeleteDBSnapshot", inDRRegion: true, skip: 1, primary: "ap-east-2", dr: "me-central-1"),
    ])
    func killedRightAfterAnAWSCall(at point: KillPoint) throws {
        let fleet = try DRFixture(primary: point.primary, dr: point.dr)
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        try fleet.makeInstance(database, region: fleet.drRegion)
        let drRDS = try fleet.rds(fleet.drRegion)
        let earlier = (1...3).map { "ferry-\(database)-old\($0)" }
        try fleet.seedEarlierCycles(of: database, identifiers: earlier)
        let run = try fleet.runtime.startBackupCycle(of: try fleet.runtime.protectedDatabase(database), scheduledFor: Date(),
                                                     store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let doomed = try fleet.startWorkers(1, name: "doomed", withConfig: false)[0]
        try fleet.emulator.kill(doomed.processIdentifier, after: point.action, in: point.inDRRegion ? fleet.drRegion : fleet.primaryRegion,
                                skip: point.skip)
        #expect(try FerryProcess.waitUntil(seconds: 120) {
            try fleet.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
            return !doomed.isRunning
        })
        #expect(doomed.terminationReason == .uncaughtSignal, "the emulator killed the worker")
        try fleet.connection.execute("UPDATE ferry.runs SET lease_expires_at = now(), next_wake_at = now() WHERE status = 'running'")
        let survivor = try fleet.startWorkers(1, name: "survivor", withConfig: false)[0]
        defer { #expect(FerryProcess.stop(survivor)) }
        #expect(try fleet.waitForRuns([run]))
        let summary = try #require(try fleet.status(run))
        #expect(summary.status == .succeeded, "\(summary.lastError ?? "")")

        let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
        #expect(try fleet.rds(fleet.primaryRegion).describeDBSnapshot(identifier: input.snapshotID) == nil)
        let kept = Set(try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database, snapshotType: "manual")).map(\.identifier))
        #expect(kept == [input.copyID, earlier[2]], "retention count 2 keeps this copy and the newest earlier one")
        let deletions = try fleet.connection.query("""
            SELECT region, snapshot_id FROM ferry.snapshot_deletions WHERE run_id = \(run) ORDER BY region, snapshot_id
            """).map { "\(try $0.decode("region", as: String.self))/\(try $0.decode("snapshot_id", as: String.self))" }
        #expect(Set(deletions) == ["\(fleet.primaryRegion)/\(input.snapshotID)", "\(fleet.drRegion)/\(earlier[0])", "\(fleet.drRegion)/\(earlier[1])"])
        #expect(deletions.count == 3, "each deletion listed once: \(deletions)")
        let unconfirmed: Int = try fleet.connection.query("SELECT count(*)::int AS n FROM ferry.step_effects WHERE run_id = \(run) AND confirmed_at IS NULL").first!.decode("n")
        #expect(unconfirmed == 0)
        if point.action == "CreateDBSnapshot" {
            #expect(try fleet.output(run, step: "snapshot")?["created"] == false, "the second attempt found the snapshot the first made")
        }
        let checkpoints = try fleet.store.checkpoints(runID: run)
        #expect(checkpoints.map(\.stepName) == ["snapshot", "await_snapshot", "copy", "await_copy", "cleanup"])
        #expect(checkpoints.allSatisfy { $0.attempts == 1 }, "a crash is not a failed attempt")
    }

    @Test func workersKilledAtRandomDuringAFleetCycle() throws {
        let fleet = try DRFixture()
        let sfx = fleet.suffix
        let names = (1...5).map { "db\($0)-\(sfx)" }
        for name in names { try fleet.makeInstance(name, tags: ["dr-test": sfx]) }
        try fleet.makeCluster("billing-\(sfx)")
        let protected = try fleet.runtime.selectDatabases().protected.filter { $0.database.identifier.hasSuffix(sfx) }
        #expect(protected.count == 6)
        let fireTime = Date()
        let runs = try protected.map {
            try fleet.runtime.startBackupCycle(of: $0, scheduledFor: fireTime, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        }

        var generator = SystemRandomNumberGenerator()
        for round in 0..<8 {
            let workers = try fleet.startWorkers(2, name: "doomed\(round)")
            let deadline = Date(timeIntervalSinceNow: Double.random(in: 0.2...1.2, using: &generator))
            while Date() < deadline {
                try fleet.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
                Thread.sleep(forTimeInterval: 0.05)
            }
            for worker in workers {
                kill(worker.processIdentifier, SIGKILL)
                worker.waitUntilExit()
            }
            // Their leases would expire after 5 s; let time pass.
            try fleet.connection.execute("""
                UPDATE ferry.runs SET lease_expires_at = now(), next_wake_at = now()
                WHERE status = 'running' AND lease_owner LIKE \("doomed\(round)-%")
                """)
        }
        let survivors = try fleet.startWorkers(2, name: "survivor")
        defer { survivors.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns(runs))

        let drRDS = try fleet.rds(DRFixture.dr)
        let primaryRDS = try fleet.rds(DRFixture.primary)
        for (run, database) in zip(runs, protected) {
            #expect(try fleet.status(run)?.status == .succeeded, "\(database.database.identifier)")
            let kind = database.database.kind
            let identifier = database.database.identifier
            let drSnapshots = try RDSSnapshots(rds: drRDS, kind: kind).manualSnapshots(of: identifier)
            #expect(drSnapshots.filter { $0.tags[FerryTags.runID] == run.lowercasedString }.count == 1,
                    "exactly one DR snapshot of \(identifier) for the cycle")
            #expect(drSnapshots.count == 1, "and no other: \(drSnapshots.map(\.identifier))")
            let primarySnapshots = try RDSSnapshots(rds: primaryRDS, kind: kind).manualSnapshots(of: identifier)
            #expect(primarySnapshots.isEmpty, "no leftover primary snapshot of \(identifier): \(primarySnapshots.map(\.identifier))")
        }
        let completions: Int = try fleet.connection.query("SELECT count(*) AS n FROM ferry.events WHERE kind = 'step.completed'").first!.decode("n")
        #expect(completions == runs.count * 5, "every step completed exactly once")
    }
}
