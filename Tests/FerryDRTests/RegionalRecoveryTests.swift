import FerryAWS
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryDRSchema

/// The day the primary region is gone: restores that need only the DR region and Ferry's database (or a new,
/// empty one rebuilt from the DR region), for databases whose sources no longer exist either.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct RegionalRecoveryTests {
    /// Two instances (one Multi-AZ of class db.r6g.large, one with a class override in the configuration) and
    /// an Aurora cluster of two instances, backed up; then their sources are deleted and the primary region
    /// goes down. One restore, then `ferry restore --all`, then a restore from a new database rebuilt from
    /// the DR region's tags: all succeed with the source's settings, and not one call reaches the primary region.
    @Test func theFleetIsRestoredWithThePrimaryRegionDownAndItsSourcesDeleted() throws {
        let suffix = String(UInt32.random(in: .min ... .max), radix: 16)
        let fleet = try DRFixture(databases: """
              - identifier: resized-\(suffix)
                kind: instance
                restore: {instance_class: db.r6g.xlarge}
              - tagged: {fleet: "\(suffix)"}
            """, primary: "ap-southeast-5", dr: "ap-southeast-6")
        let primaryRDS = try fleet.rds(fleet.primaryRegion)
        let key = try fleet.aws.kms(region: fleet.primaryRegion).createKey(description: "source")
        _ = try primaryRDS.createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: "orders-\(suffix)", instanceClass: "db.r6g.large", engine: "postgres", allocatedStorage: 50,
            masterUsername: "ferry", masterUserPassword: "not-a-secret-1", storageEncrypted: true, kmsKeyID: key.arn, multiAZ: true,
            tags: ["fleet": suffix, "team": "payments"]))
        try fleet.makeInstance("resized-\(suffix)")
        try fleet.makeCluster("billing-\(suffix)", tags: ["fleet": suffix])
        for index in 1...2 {
            _ = try primaryRDS.createDBInstance(CreateDBInstanceRequest(
                instanceIdentifier: "billing-\(suffix)-\(index)", instanceClass: "db.r6g.large", engine: "aurora-postgresql",
                clusterIdentifier: "billing-\(suffix)"))
        }
        let protected = try fleet.runtime.selectDatabases().protected
        #expect(protected.count == 3)
        let cycles = try protected.map {
            try fleet.runtime.startBackupCycle(of: $0, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        }
        let workers = try fleet.startWorkers(1, withConfig: false)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns(cycles))
        #expect(try cycles.allSatisfy { try fleet.status($0)?.status == .succeeded })

        // The disaster: the sources are gone, and then so is their region.
        for index in 1...2 { _ = try primaryRDS.deleteDBInstance(identifier: "billing-\(suffix)-\(index)") }
        _ = try primaryRDS.deleteDBCluster(identifier: "billing-\(suffix)")
        _ = try primaryRDS.deleteDBInstance(identifier: "orders-\(suffix)")
        _ = try primaryRDS.deleteDBInstance(identifier: "resized-\(suffix)")
        try fleet.emulator.setDown(true, region: fleet.primaryRegion)
        defer { try? fleet.emulator.setDown(false, region: fleet.primaryRegion) }
        let primaryCallsBefore = try fleet.emulator.calls(in: [fleet.primaryRegion]).total

        let one = try fleet.ferry(["restore", "orders-\(suffix)", "--as", "orders-\(suffix)-one", "--no-follow"])
        #expect(one.status == 0, "\(one.stderr)")
        let oneRun = try #require(UUID(uuidString: one.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try fleet.waitForRuns([oneRun]))
        let oneSummary = try fleet.status(oneRun)
        #expect(oneSummary?.status == .succeeded, "\(oneSummary?.lastError ?? "")")

        let drCallsBefore = try fleet.emulator.calls(in: [fleet.drRegion]).total
        let started = ContinuousClock.now
        let all = try FerryProcess.start(["restore", "--all", "--parallel", "2", "--json", "--config", fleet.configPath], environment: [
            "FERRY_DATABASE_URL": fleet.databaseURL, "FERRY_WORKFLOWS": DRFixture.workflows,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        ])
        let output = (all.standardOutput as! Pipe).fileHandleForReading
        #expect(try FerryProcess.waitUntil(seconds: 300) {
            try fleet.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
            return !all.isRunning
        })
        let elapsed = ContinuousClock.now - started
        let summary = try #require(try JSONSerialization.jsonObject(with: output.readDataToEndOfFile()) as? [String: Any])
        #expect(all.terminationStatus == 0, "\(String(decoding: (all.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        let restores = try #require(summary["restores"] as? [[String: Any]])
        #expect(restores.map { $0["database"] as? String ?? "" }.sorted() == ["billing-\(suffix)", "orders-\(suffix)", "resized-\(suffix)"])
        #expect(restores.allSatisfy { $0["status"] as? String == "succeeded" && $0["endpoint"] is String && $0["data_age_seconds"] is Double })
        let drCalls = try fleet.emulator.calls(in: [fleet.drRegion]).total - drCallsBefore
        print("restore --all of 3 databases (2 instances, a cluster of 2): \(elapsed), \(drCalls) RDS calls in the DR region")

        // Reproduced: the source's class and Multi-AZ, the configured override, the cluster's two instances, the tags.
        let drRDS = try fleet.rds(fleet.drRegion)
        let orders = try #require(try drRDS.describeDBInstances(identifier: "orders-\(suffix)-dr").first)
        #expect(orders.instanceClass == "db.r6g.large" && orders.multiAZ == true)
        #expect(orders.tags["team"] == "payments" && orders.tags[FerryTags.managed] == nil, "the source's tags; not Ferry's to delete")
        #expect(try drRDS.describeDBInstances(identifier: "resized-\(suffix)-dr").first?.instanceClass == "db.r6g.xlarge")
        let billing = try #require(try drRDS.describeDBClusters(identifier: "billing-\(suffix)-dr").first)
        #expect(billing.memberInstanceIdentifiers.sorted() == ["billing-\(suffix)-dr-1", "billing-\(suffix)-dr-2"])

        // Ferry's database lost too: a new one, rebuilt from the DR region, restores as well.
        let newURL = try TestDatabase.create()
        try Migrator(connection: try PostgresConnection(connectionString: newURL), components: DRSchema.all).migrate()
        let rebuilt = try fleet.ferry(["catalog", "rebuild"], environment: ["FERRY_DATABASE_URL": newURL])
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("3 restore points, 3 new"), "\(rebuilt.stdout) \(rebuilt.stderr)")
        let newWorker = try FerryProcess.start(["worker", "--worker-id", "rebuilt-\(suffix)", "--lease-seconds", "5"], environment: [
            "FERRY_DATABASE_URL": newURL, "FERRY_WORKFLOWS": DRFixture.workflows, "AWS_ENDPOINT_URL": DRFixture.endpoint!,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        ], logFile: NSTemporaryDirectory() + "/rebuilt-\(suffix).log")
        defer { #expect(FerryProcess.stop(newWorker)) }
        let fromNew = try fleet.ferry(["restore", "billing-\(suffix)", "--as", "billing-\(suffix)-again", "--no-follow"],
                                      environment: ["FERRY_DATABASE_URL": newURL])
        #expect(fromNew.status == 0, "\(fromNew.stdout) \(fromNew.stderr)")
        let newRun = try #require(UUID(uuidString: fromNew.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let newDatabase = try PostgresConnection(connectionString: newURL)
        #expect(try FerryProcess.waitUntil(seconds: 120) {
            try newDatabase.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting' AND next_wake_at > now()")
            return try RunStore(connection: newDatabase).run(id: newRun)?.status.isFinished ?? false
        })
        #expect(try RunStore(connection: newDatabase).run(id: newRun)?.status == .succeeded)
        #expect(try drRDS.describeDBClusters(identifier: "billing-\(suffix)-again").first?.status == "available")

        #expect(try fleet.emulator.calls(in: [fleet.primaryRegion]).total == primaryCallsBefore,
                "not one call to the primary region while restoring")

        // `ferry plan` still answers, from Ferry's records, and says so.
        let plan = try fleet.ferry(["plan", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        #expect(planned["databases_from"] as? String == "ferry_database")
        #expect((planned["databases"] as? [[String: Any]])?.compactMap { $0["database"] as? String }.sorted()
                    == ["billing-\(suffix)", "orders-\(suffix)", "resized-\(suffix)"])
    }

    /// The newest restore point was deleted by hand: the restore passes over it and uses the one before.
    @Test func aRestorePointDeletedByHandIsPassedOver() throws {
        let fleet = try DRFixture(primary: "il-central-1", dr: "mx-central-1")
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let protected = try fleet.runtime.protectedDatabase(database)
        let workers = try fleet.startWorkers(1, withConfig: false)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        var copies: [String] = []
        for minutesAgo in [20.0, 10.0] {
            let run = try fleet.runtime.startBackupCycle(of: protected, scheduledFor: Date(timeIntervalSinceNow: -minutesAgo * 60),
                                                         store: fleet.store, catalog: fleet.catalog, actor: "test").runID
            #expect(try fleet.waitForRuns([run]))
            copies.append(try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self).copyID)
        }
        _ = try fleet.rds(fleet.drRegion).deleteDBSnapshot(identifier: copies[1])
        let restored = try fleet.ferry(["restore", database, "--no-follow"])
        #expect(restored.status == 0, "\(restored.stderr)")
        let run = try #require(UUID(uuidString: restored.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try fleet.waitForRuns([run]))
        #expect(try fleet.status(run)?.status == .succeeded)
        let chosen = try #require(try fleet.output(run, step: "choose_snapshot"))
        #expect(chosen["snapshot_id"]?.stringValue == copies[0])
        #expect(chosen["passed_over"] == [.string(copies[1])])
    }

    /// A source in a non-default option group with no DR mapping: `ferry restore` says so, and starts nothing.
    @Test func aSettingThatCannotBeCarriedOverIsReportedBeforeAnythingStarts() throws {
        let fleet = try DRFixture(extraConfig: "", databases: "  - pattern: \"legacy-*\"")
        let database = "legacy-\(fleet.suffix)"
        var source = try sampleSource(tags: [:])
        source.identifier = database
        source.optionGroup = "legacy-audit"
        source.parameterGroup = "default.postgres16"
        source.subnetGroup = "default"
        try RestorePointCatalog(connection: fleet.connection).record(rebuilt: [RestorePoint(
            database: database, kind: .instance, drRegion: DRFixture.dr, snapshotID: "ferry-\(database)-1",
            snapshotARN: "arn:aws:rds:\(DRFixture.dr):123456789012:snapshot:ferry-\(database)-1", takenAt: Date(), runID: nil, source: source)])
        let result = try fleet.ferry(["restore", database, "--no-follow"])
        #expect(result.status != 0)
        #expect(result.stderr == "ferry: \(database) cannot be restored as configured: its option group legacy-audit exists in the primary region only: map it in option_groups or set restore.option_group\n")
        #expect(try fleet.store.listRuns(RunFilter(limit: 10)).isEmpty, "no run was started")
    }

    /// Issue 12: `--snapshot` with quotes is not an RDS identifier: refused as such, and nothing starts.
    @Test func aSnapshotThatIsNotAnRDSIdentifierIsRefused() throws {
        let fleet = try DRFixture(extraConfig: "", databases: "  - pattern: \"quoted-*\"")
        let database = "quoted-\(fleet.suffix)"
        var source = try sampleSource(tags: [:])
        source.identifier = database
        try RestorePointCatalog(connection: fleet.connection).record(rebuilt: [RestorePoint(
            database: database, kind: .instance, drRegion: DRFixture.dr, snapshotID: "ferry-\(database)-1",
            snapshotARN: "arn:aws:rds:\(DRFixture.dr):123456789012:snapshot:ferry-\(database)-1", takenAt: Date(), runID: nil, source: source)])
        let result = try fleet.ferry(["restore", database, "--snapshot", "ferry-'\"x", "--no-follow"])
        #expect(result.status != 0)
        #expect(result.stderr == "ferry: \"ferry-'\"x\" is not a DR snapshot identifier: a DB snapshot identifier may contain only ASCII letters, digits and hyphens\n")
        #expect(try fleet.store.listRuns(RunFilter(limit: 10)).isEmpty, "no run was started")
    }
}
