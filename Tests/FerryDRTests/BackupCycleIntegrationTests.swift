import FerryAWS
import FerryEngine
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryPostgres

/// The backup cycle end to end: `ferry worker` processes, real PostgreSQL, the moto server in two regions.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct BackupCycleIntegrationTests {
    @Test func fleetCycleCopiesEncryptedTaggedSnapshotsAndRemovesThePrimaries() throws {
        let fleet = try DRFixture()
        let sfx = fleet.suffix
        try fleet.makeInstance("orders-\(sfx)")
        try fleet.makeInstance("users-\(sfx)", tags: ["dr-test": sfx])
        try fleet.makeInstance("scratch-\(sfx)")
        try fleet.makeCluster("billing-\(sfx)")

        let protected = try fleet.runtime.selectDatabases().protected.filter { $0.database.identifier.hasSuffix(sfx) }
        #expect(Set(protected.map(\.database.identifier)) == ["orders-\(sfx)", "users-\(sfx)", "billing-\(sfx)"])
        let fireTime = Date()
        let runs = try protected.map {
            try fleet.runtime.startBackupCycle(of: $0, scheduledFor: fireTime, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        }
        let workers = try fleet.startWorkers(2)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns(runs))

        let drRDS = try fleet.rds(DRFixture.dr)
        let primaryRDS = try fleet.rds(DRFixture.primary)
        for (run, database) in zip(runs, protected) {
            let summary = try #require(try fleet.status(run))
            #expect(summary.status == .succeeded, "\(database.database.identifier): \(summary.lastError ?? "")")
            let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
            let kind = database.database.kind
            let copy = try #require(try RDSSnapshots(rds: drRDS, kind: kind).describe(input.copyID))
            #expect(copy.status == "available")
            #expect(copy.encrypted || kind == .cluster, "the DR copy of an encrypted instance is encrypted")
            if kind == .instance { #expect(copy.kmsKeyID?.contains(fleet.drKey.keyID) == true, "under the DR region's key") }
            #expect(copy.tags[FerryTags.managed] == "true")
            #expect(copy.tags[FerryTags.runID] == run.lowercasedString)
            #expect(copy.tags[FerryTags.sourceDatabase] == database.database.identifier)
            #expect(copy.tags[FerryTags.sourceRegion] == DRFixture.primary)
            #expect(try RDSSnapshots(rds: primaryRDS, kind: kind).describe(input.snapshotID) == nil, "the primary snapshot is gone")
            let awaited = try #require(try fleet.output(run, step: "await_snapshot"))
            #expect((awaited["status_checks"]?.intValue ?? 0) >= 3, "the snapshot was polled while creating")
        }
        #expect(try primaryRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: "scratch-\(sfx)", snapshotType: "manual")).isEmpty,
                "an unprotected database is not touched")
    }

    @Test func retentionDeletesOnlyFerrysOlderSnapshots() throws {
        let fleet = try DRFixture(retentionCount: 2)
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        // Earlier Ferry copies in the DR region, someone's manual snapshot, and another database's Ferry snapshot.
        try fleet.makeInstance(database, region: DRFixture.dr)
        let drRDS = try fleet.rds(DRFixture.dr)
        try fleet.seedEarlierCycles(of: database, identifiers: (1...3).map { "ferry-\(database)-old\($0)" })
        _ = try drRDS.createDBSnapshot(identifier: "manual-\(database)", instanceIdentifier: database, tags: ["owner": "dba"])
        _ = try drRDS.createDBSnapshot(identifier: "other-\(database)", instanceIdentifier: database,
                                       tags: [FerryTags.managed: "true", FerryTags.sourceDatabase: "someone-else"])
        // This moto keeps new snapshots `creating` for two describes; let these become available first.
        #expect(try FerryProcess.waitUntil(seconds: 10) {
            try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database, snapshotType: "manual")).allSatisfy { $0.status == "available" }
        })
        let protected = try fleet.runtime.protectedDatabase(database)
        let run = try fleet.runtime.startBackupCycle(of: protected, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let workers = try fleet.startWorkers(1)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns([run]))
        #expect(try fleet.status(run)?.status == .succeeded)

        let remaining = Set(try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database)).map(\.identifier))
        let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
        let ferrys = remaining.filter { $0.hasPrefix("ferry-") }
        #expect(ferrys.count == 2, "count 2 keeps two of Ferry's snapshots: \(ferrys)")
        #expect(remaining.contains(input.copyID), "the newest, this cycle's copy, is kept")
        #expect(remaining.contains("manual-\(database)") && remaining.contains("other-\(database)"), "snapshots not Ferry's own for this database stay")
        let cleanup = try #require(try fleet.output(run, step: "cleanup"))
        #expect(cleanup["retention_deleted"]?.arrayValue?.count == 2)

        // The auditors' views answer "what was taken, copied and deleted, by which run".
        let audit = try #require(try fleet.connection.query("""
            SELECT snapshot_id, dr_copy_id, dr_copy_available_at IS NOT NULL AS copied, primary_snapshot_deleted
            FROM ferry.snapshot_audit WHERE run_id = \(run)
            """).first)
        #expect(try audit.decode("snapshot_id", as: String.self) == input.snapshotID)
        #expect(try audit.decode("dr_copy_id", as: String.self) == input.copyID)
        #expect(try audit.decode("copied", as: Bool.self))
        #expect(try audit.decode("primary_snapshot_deleted", as: String.self) == input.snapshotID)
        let deletions = try fleet.connection.query("SELECT snapshot_id, region, reason FROM ferry.snapshot_deletions WHERE run_id = \(run) ORDER BY snapshot_id")
        #expect(deletions.count == 3, "the primary snapshot and two DR snapshots")
        #expect(try deletions.filter { try $0.decode("region", as: String.self) == DRFixture.dr }.allSatisfy {
            try $0.decode("reason", as: String.self).hasPrefix("retention: ")
        })
    }

    @Test func aSnapshotNotMadeByThisRunIsNeverAdopted() throws {
        let fleet = try DRFixture()
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let protected = try fleet.runtime.protectedDatabase(database)
        let fireTime = Date()
        let names = SnapshotNames(prefix: "ferry", database: database, kind: .instance, scheduledFor: UTCMinute.truncate(fireTime))
        _ = try fleet.rds(DRFixture.primary).createDBSnapshot(identifier: names.source, instanceIdentifier: database, tags: ["owner": "dba"])
        let run = try fleet.runtime.startBackupCycle(of: protected, scheduledFor: fireTime, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let workers = try fleet.startWorkers(1)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns([run]))
        let summary = try #require(try fleet.status(run))
        #expect(summary.status == .failed)
        #expect(summary.lastError?.contains("was not made by this run") == true)
        #expect(try fleet.rds(DRFixture.primary).describeDBSnapshot(identifier: names.source) != nil, "and it is not deleted")
    }

    /// Unencrypted sources: the instance's copy is encrypted under the DR key on the way; the Aurora cluster's
    /// copy is made without a key (RDS, and the emulator, refuse one for an unencrypted cluster snapshot),
    /// and `ferry plan` says so beforehand.
    @Test func unencryptedSourcesAreCopiedAsPlanned() throws {
        let fleet = try DRFixture()
        let sfx = fleet.suffix
        try fleet.makeInstance("orders-\(sfx)", encrypted: false)
        try fleet.makeCluster("billing-\(sfx)", encrypted: false)

        let plan = try fleet.ferry(["plan", "orders-\(sfx)", "billing-\(sfx)", "--json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let plans = Dictionary(uniqueKeysWithValues: (document["databases"] as? [[String: Any]] ?? []).map { ($0["database"] as? String ?? "", $0) })
        #expect(plans["orders-\(sfx)"]?["copy_encrypted"] as? Bool == true)
        #expect((plans["orders-\(sfx)"]?["copy_encryption"] as? String)?.contains("encrypted on the way") == true)
        #expect(plans["billing-\(sfx)"]?["copy_encrypted"] as? Bool == false)
        #expect((plans["billing-\(sfx)"]?["copy_encryption"] as? String)?.hasPrefix("unencrypted: Aurora cannot encrypt") == true)

        let protected = try ["orders-\(sfx)", "billing-\(sfx)"].map { try fleet.runtime.protectedDatabase($0) }
        let runs = try protected.map {
            try fleet.runtime.startBackupCycle(of: $0, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        }
        let workers = try fleet.startWorkers(1)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns(runs))
        let drRDS = try fleet.rds(DRFixture.dr)
        for (run, database) in zip(runs, protected) {
            let summary = try #require(try fleet.status(run))
            #expect(summary.status == .succeeded, "\(database.database.identifier): \(summary.lastError ?? "")")
            let input = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self)
            let copy = try #require(try RDSSnapshots(rds: drRDS, kind: database.database.kind).describe(input.copyID))
            if database.database.kind == .instance {
                #expect(copy.encrypted && copy.kmsKeyID?.contains(fleet.drKey.keyID) == true, "encrypted under the DR key on the way")
            } else {
                #expect(!copy.encrypted, "an unencrypted cluster's copy stays unencrypted")
            }
        }
    }
}
