import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryPostgres

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
        // users- has no restore point: status knows it from its schedule (as the workers sync them).
        try DRScheduler.sync(try fleet.runtime.selectDatabases(), store: fleet.store, now: Date())

        let result = try fleet.ferry(["status", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let databases = document?["databases"] as? [[String: Any]] ?? []
        let orders = try #require(databases.first { $0["database"] as? String == "orders-\(sfx)" })
        let copyID = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self).copyID
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
        #expect(users["kind"] as? String == "instance")
        #expect((users["rpo_seconds"] as? NSNumber)?.intValue == 26 * 3_600, "its tagged entry, matched on the tags its schedule recorded")
        #expect(orders["last_drill"] == nil && orders["newest_snapshot_verified"] == nil && orders["missing_restore_points"] == nil)

        let table = try fleet.ferry(["status"])
        #expect(table.status == 0 && table.stdout.contains(copyID) && table.stdout.contains("succeeded \(run.lowercasedString)"))
    }

    /// The day the primary region is gone (down in the emulator): `ferry status` reads Ferry's database only
    /// (not one call reaches the primary region, nor the DR region without --verify); `--verify` checks each newest restore point in the
    /// DR region with one call per restore point, marks one deleted by hand as deleted and falls back to the one
    /// before; the last drill's RTO sits beside the RPO.
    @Test func statusNeedsOnlyFerrysDatabaseAndVerifiesRestorePointsInTheDRRegion() throws {
        let fleet = try DRFixture(primary: "ca-west-1", dr: "ap-southeast-4")
        let sfx = fleet.suffix
        let (orders, billing, users, legacy) = ("orders-\(sfx)", "billing-\(sfx)", "users-\(sfx)", "legacy-\(sfx)")
        try fleet.makeInstance(orders, tags: ["team": "payments"])
        try fleet.makeCluster(billing)
        try fleet.makeInstance(users, tags: ["dr-test": sfx])
        let selection = try fleet.runtime.selectDatabases()
        #expect(selection.protected.count == 3)
        try DRScheduler.sync(selection, store: fleet.store, now: Date())
        let protected = { (name: String) in try fleet.runtime.protectedDatabase(name, in: selection) }

        // Workers without the configuration: they perform steps only (no discovery of their own).
        let workers = try fleet.startWorkers(1, withConfig: false)
        var ordersCycles: [UUID] = []
        for minutesAgo in [20.0, 10.0] {
            let run = try fleet.runtime.startBackupCycle(of: try protected(orders), scheduledFor: Date(timeIntervalSinceNow: -minutesAgo * 60),
                                                         store: fleet.store, catalog: fleet.catalog, actor: "test").runID
            #expect(try fleet.waitForRuns([run]))
            ordersCycles.append(run)
        }
        let billingCycle = try fleet.runtime.startBackupCycle(of: try protected(billing), scheduledFor: Date(), store: fleet.store,
                                                              catalog: fleet.catalog, actor: "test").runID
        #expect(try fleet.waitForRuns([billingCycle]))
        #expect(try (ordersCycles + [billingCycle]).allSatisfy { try fleet.status($0)?.status == .succeeded })
        let ordersCopies = try ordersCycles.map { try fleet.store.runInput(id: $0).decode(as: BackupCycleInput.self).copyID }
        #expect(ordersCopies[0] != ordersCopies[1])
        let billingCopy = try fleet.store.runInput(id: billingCycle).decode(as: BackupCycleInput.self).copyID

        let catalog = RestorePointCatalog(connection: fleet.connection)
        let drill = try fleet.runtime.startRestore(try fleet.runtime.restorePlan(of: orders, snapshotID: nil, catalog: catalog),
                                                   targetID: nil, drill: true, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        #expect(try fleet.waitForRuns([drill]))
        let drillSummary = try fleet.status(drill)
        #expect(drillSummary?.status == .succeeded, "\(drillSummary?.lastError ?? "")")
        let measured = try #require(try fleet.output(drill, step: "await_restore")?["restore_seconds"]?.doubleValue)
        workers.forEach { #expect(FerryProcess.stop($0)) }

        // A database no entry protects any more, whose restore point was deleted by hand long ago.
        var legacySource = try sampleSource(tags: [:])
        legacySource.identifier = legacy
        try catalog.record(rebuilt: [RestorePoint(
            database: legacy, kind: .instance, drRegion: fleet.drRegion, snapshotID: "ferry-\(legacy)-1",
            snapshotARN: "arn:aws:rds:\(fleet.drRegion):123456789012:snapshot:ferry-\(legacy)-1", takenAt: Date(timeIntervalSinceNow: -86_400),
            runID: nil, source: legacySource)])

        func statusDocument(_ arguments: [String]) throws -> [String: [String: Any]] {
            let result = try fleet.ferry(["status", "--json"] + arguments)
            #expect(result.status == 0, "\(result.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(document?["copy_pools"] is [Any])
            let databases = document?["databases"] as? [[String: Any]] ?? []
            return Dictionary(databases.map { ($0["database"] as? String ?? "", $0) }) { first, _ in first }
        }
        func calls(_ region: String) throws -> (total: Int, byAction: [String: Int]) { try fleet.emulator.calls(in: [region]) }

        // The primary region goes down. Status reads PostgreSQL alone: not one RDS call, in either region.
        try fleet.emulator.setDown(true, region: fleet.primaryRegion)
        defer { try? fleet.emulator.setDown(false, region: fleet.primaryRegion) }
        let primaryBefore = try calls(fleet.primaryRegion).total
        var drBefore = try calls(fleet.drRegion).total
        let plain = try statusDocument([])
        #expect(try calls(fleet.primaryRegion).total == primaryBefore, "no call to the primary region")
        #expect(try calls(fleet.drRegion).total == drBefore, "no call to the DR region without --verify")
        #expect(plain.keys.sorted() == [billing, legacy, orders, users], "restore points and schedules: \(plain.keys.sorted())")

        let newestOrders = try #require(try catalog.entries(database: orders).first?.point)
        let ordersStatus = try #require(plain[orders])
        #expect(newestOrders.snapshotID == ordersCopies[1])
        #expect(ordersStatus["newest_snapshot_id"] as? String == ordersCopies[1])
        #expect(ordersStatus["newest_snapshot_at"] as? String == Self.iso8601(newestOrders.takenAt), "the catalog's taken_at")
        let age = try #require(ordersStatus["age_seconds"] as? Double)
        #expect(abs(age - Date().timeIntervalSince(newestOrders.takenAt)) < 60)
        #expect((ordersStatus["rpo_seconds"] as? NSNumber)?.intValue == 26 * 3_600)
        #expect((ordersStatus["last_cycle"] as? [String: Any])?["run_id"] as? String == ordersCycles[1].lowercasedString)
        #expect((ordersStatus["next_fire_at"] as? String)?.contains("T03:00:00") == true)
        #expect(ordersStatus["newest_snapshot_verified"] == nil && ordersStatus["missing_restore_points"] == nil)
        let lastDrill = try #require(ordersStatus["last_drill"] as? [String: Any])
        #expect(lastDrill["run_id"] as? String == drill.lowercasedString)
        #expect((lastDrill["rto_seconds"] as? NSNumber)?.doubleValue == measured)
        #expect(lastDrill["finished_at"] as? String == drillSummary?.finishedAt.map(Self.iso8601))

        #expect(plain[billing]?["kind"] as? String == "cluster")
        #expect(plain[billing]?["newest_snapshot_id"] as? String == billingCopy)
        #expect(plain[billing]?["last_drill"] == nil)
        #expect(plain[users]?["newest_snapshot_id"] == nil && plain[users]?["last_cycle"] == nil)
        #expect((plain[users]?["rpo_seconds"] as? NSNumber)?.intValue == 26 * 3_600, "matched by its tag, from its schedule")
        let legacyStatus = try #require(plain[legacy])
        #expect(legacyStatus["newest_snapshot_id"] as? String == "ferry-\(legacy)-1")
        #expect(legacyStatus["rpo_seconds"] == nil && legacyStatus["rpo_breached"] as? Bool == false && legacyStatus["next_fire_at"] == nil,
                "no entry protects it: no RPO, no schedule")

        // The newest restore point of orders- is deleted by hand in the DR region.
        _ = try fleet.rds(fleet.drRegion).deleteDBSnapshot(identifier: ordersCopies[1])
        drBefore = try calls(fleet.drRegion).total
        let drByActionBefore = try calls(fleet.drRegion).byAction
        let verified = try statusDocument(["--verify"])
        #expect(try calls(fleet.primaryRegion).total == primaryBefore, "--verify never calls the primary region")
        let drAfter = try calls(fleet.drRegion)
        #expect(drAfter.total - drBefore == 4, "one call per restore point checked: orders- 2, billing- 1, legacy- 1")
        #expect((drAfter.byAction["DescribeDBSnapshots"] ?? 0) - (drByActionBefore["DescribeDBSnapshots"] ?? 0) == 3)
        #expect((drAfter.byAction["DescribeDBClusterSnapshots"] ?? 0) - (drByActionBefore["DescribeDBClusterSnapshots"] ?? 0) == 1)

        let ordersVerified = try #require(verified[orders])
        #expect(ordersVerified["newest_snapshot_verified"] as? Bool == true)
        #expect(ordersVerified["missing_restore_points"] as? [String] == [ordersCopies[1]])
        #expect(ordersVerified["newest_snapshot_id"] as? String == ordersCopies[0], "falls back to the restore point before")
        #expect(verified[billing]?["newest_snapshot_verified"] as? Bool == true)
        #expect(verified[billing]?["missing_restore_points"] as? [String] == [])
        #expect(verified[billing]?["newest_snapshot_id"] as? String == billingCopy)
        #expect(verified[legacy]?["newest_snapshot_verified"] as? Bool == false)
        #expect(verified[legacy]?["missing_restore_points"] as? [String] == ["ferry-\(legacy)-1"])
        #expect(verified[legacy]?["newest_snapshot_id"] == nil)
        #expect(verified[users]?["newest_snapshot_verified"] as? Bool == false)
        #expect(verified[users]?["missing_restore_points"] as? [String] == [])

        // The catalog remembers: the next status (and any restore) starts from the restore point before.
        #expect(try catalog.entries(database: orders).map(\.point.snapshotID) == [ordersCopies[0]])
        let after = try fleet.ferry(["status"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.contains(ordersCopies[0]) && !after.stdout.contains(ordersCopies[1]), "\(after.stdout)")
        #expect(after.stdout.contains("RTO (LAST DRILL)") && after.stdout.contains(DurationText.format(measured)), "\(after.stdout)")
        #expect(!after.stdout.contains(legacy), "no restore point left and no schedule: no longer listed")
        let table = try fleet.ferry(["status", "--verify"])
        #expect(table.status == 0 && table.stdout.contains("VERIFIED") && table.stdout.contains("NONE AVAILABLE"), "\(table.stdout)")
        #expect(try calls(fleet.primaryRegion).total == primaryBefore)
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    @Test func planListsIdentifiersKeyAndRetentionDeletionsAndChangesNothing() throws {
        let fleet = try DRFixture(retentionCount: 2)
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        try fleet.makeInstance(database, region: DRFixture.dr)
        let drRDS = try fleet.rds(DRFixture.dr)
        try fleet.seedEarlierCycles(of: database, identifiers: (1...3).map { "ferry-\(database)-old\($0)" })
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
        #expect(try fleet.connection.query("SELECT 1 FROM ferry.runs WHERE created_by <> 'earlier cycle'").isEmpty, "a plan starts no run")
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
