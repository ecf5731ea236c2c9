import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR

/// `ferry status` and `ferry plan` as operators run them, on a fleet in moto and a real PostgreSQL.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct StatusPlanIntegrationTests {
    @Test func statusShowsTheNewestDRSnapshotTheLastCycleAndTheNextFire() throws {
        let fleet = try DRFixture()
        let sfx = fleet.suffix
        try fleet.makeInstance("orders-\(sfx)")
        try fleet.makeInstance("users-\(sfx)", tags: ["dr-test": sfx])
        let run = try fleet.runtime.startBackupCycle(
            of: try fleet.runtime.protectedDatabase("orders-\(sfx)"), scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog,
            actor: "test").runID
        let workers = try fleet.startWorkers(1)
        #expect(try fleet.waitForRuns([run]))
        workers.forEach { #expect(FerryProcess.stop($0)) }

        let result = try fleet.ferry(["status", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let databases = document?["databases"] as? [[String: Any]] ?? []
        let orders = try #require(databases.first { $0["database"] as? String == "orders-\(sfx)" })
        let copyID = try BackupCycleInput(json: try fleet.store.runInput(id: run)).copyID
        #expect(orders["kind"] as? String == "instance")
        #expect(orders["newest_snapshot_id"] as? String == copyID)
        #expect(orders["newest_snapshot_at"] is String)
        #expect((orders["age_seconds"] as? Double ?? -1) >= 0 && (orders["age_seconds"] as? Double ?? .infinity) < 600)
        #expect((orders["rpo_seconds"] as? NSNumber)?.intValue == 26 * 3_600)
        #expect(orders["rpo_breached"] as? Bool == false)
        #expect((orders["next_fire_at"] as? String)?.contains("T03:00:00") == true, "the 0 3 * * * schedule in UTC")
        let cycle = try #require(orders["last_cycle"] as? [String: Any])
        #expect(cycle["run_id"] as? String == run.lowercasedString)
        #expect(cycle["status"] as? String == "succeeded")
        #expect((cycle["duration_seconds"] as? Double ?? -1) > 0)
        #expect(cycle["error"] == nil)
        let users = try #require(databases.first { $0["database"] as? String == "users-\(sfx)" })
        #expect(users["newest_snapshot_id"] == nil && users["last_cycle"] == nil && users["rpo_breached"] as? Bool == false)

        let table = try fleet.ferry(["status"])
        #expect(table.status == 0 && table.stdout.contains(copyID) && table.stdout.contains("succeeded \(run.lowercasedString)"))
    }

    @Test func planListsIdentifiersKeyAndRetentionDeletionsAndChangesNothing() throws {
        let fleet = try DRFixture(retentionCount: 2)
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        try fleet.makeInstance(database, region: DRFixture.dr)
        let drRDS = try fleet.rds(DRFixture.dr)
        let ferryTags = [FerryTags.managed: "true", FerryTags.sourceDatabase: database, FerryTags.runID: "earlier"]
        for index in 1...3 {
            _ = try drRDS.createDBSnapshot(identifier: "ferry-\(database)-old\(index)", instanceIdentifier: database, tags: ferryTags)
            Thread.sleep(forTimeInterval: 1.1) // distinct creation times
        }
        _ = try drRDS.createDBSnapshot(identifier: "manual-\(database)", instanceIdentifier: database, tags: ["owner": "dba"])
        #expect(try FerryProcess.waitUntil(seconds: 10) {
            try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database)).allSatisfy { $0.status == "available" }
        })
        func awsState() throws -> [String] {
            try [DRFixture.primary, DRFixture.dr].flatMap { region in
                try fleet.rds(region).describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database)).map {
                    "\(region) \($0.identifier) \($0.status) \($0.tags.sorted { $0.key < $1.key })"
                }
            }.sorted()
        }
        let before = try awsState()

        let result = try fleet.ferry(["plan", database, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let after = try awsState()
        #expect(after == before, "a plan changes nothing")
        #expect(try fleet.connection.query("SELECT 1 FROM ferry.runs").isEmpty)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(document["dr_region"] as? String == DRFixture.dr)
        let missing = document["missing"] as? [[String: Any]] ?? []
        #expect(missing.contains { $0["identifier"] as? String == "billing-\(fleet.suffix)" && $0["kind"] as? String == "cluster" })
        let plans = document["databases"] as? [[String: Any]] ?? []
        #expect(plans.count == 1)
        let plan = try #require(plans.first)
        let fire = try #require(plan["next_fire_at"] as? String)
        #expect(fire.contains("T03:00:00"))
        #expect((plan["snapshot_id"] as? String)?.hasPrefix("ferry-\(database)-") == true)
        #expect(plan["copy_id"] as? String == plan["snapshot_id"] as? String)
        #expect(plan["kms_key"] as? String == fleet.drKey.arn)
        let retention = try #require(plan["retention"] as? [String: Any])
        let deleted = (retention["delete"] as? [[String: Any]] ?? [])
        #expect(deleted.compactMap { $0["snapshot_id"] as? String } == ["ferry-\(database)-old1", "ferry-\(database)-old2"],
                "the cycle's own copy counts: count 2 keeps it and the newest earlier copy")
        #expect(deleted.allSatisfy { $0["reason"] as? String == "beyond the newest 2" })
        let kept = (retention["keep"] as? [[String: Any]] ?? [])
        #expect(kept.contains { $0["snapshot_id"] as? String == plan["copy_id"] as? String && $0["status"] as? String == "planned" })
        #expect(kept.contains { $0["snapshot_id"] as? String == "manual-\(database)" })

        let unprotected = try fleet.ferry(["plan", "nope-\(fleet.suffix)"])
        #expect(unprotected.status != 0)
        #expect(unprotected.stderr.contains("nope-\(fleet.suffix) is not a protected database"))
    }
}
