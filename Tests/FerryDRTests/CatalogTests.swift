import FerryAWS
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR
import FerryDRSchema

/// The catalog of restore points: recorded by backup cycles in the same transaction as their checkpoint,
/// carried on the DR snapshots' tags, and rebuilt from the DR region alone into a new, empty database.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct CatalogTests {
    @Test func cyclesRecordRestorePointsThatAnEmptyDatabaseRebuildsFromTheDRRegion() throws {
        let fleet = try DRFixture(primary: "eu-central-2", dr: "eu-south-2")
        let sfx = fleet.suffix
        try fleet.makeInstance("orders-\(sfx)", tags: ["team": "payments"])
        try fleet.makeCluster("billing-\(sfx)")
        let protected = try fleet.runtime.selectDatabases().protected
        #expect(protected.count == 2)
        let runs = try protected.map {
            try fleet.runtime.startBackupCycle(of: $0, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        }
        let workers = try fleet.startWorkers(1, withConfig: false)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns(runs))
        #expect(try runs.allSatisfy { try fleet.status($0)?.status == .succeeded })

        let recorded = try RestorePointCatalog(connection: fleet.connection).entries()
        #expect(recorded.map(\.point.database).sorted() == ["billing-\(sfx)", "orders-\(sfx)"])
        let orders = try #require(recorded.first { $0.point.database == "orders-\(sfx)" })
        #expect(orders.recordedBy == "backup-cycle")
        #expect(orders.point.kind == .instance && orders.point.drRegion == fleet.drRegion)
        #expect(orders.point.source.engine == "postgres" && orders.point.source.instanceClass == "db.t3.micro")
        #expect(orders.point.source.tags["team"] == "payments")
        let input = try fleet.store.runInput(id: runs[protected.firstIndex { $0.database.kind == .instance }!]).decode(as: BackupCycleInput.self)
        #expect(orders.point.snapshotID == input.copyID)
        let billing = try #require(recorded.first { $0.point.database == "billing-\(sfx)" })
        #expect(billing.point.kind == .cluster && billing.point.source.engine == "aurora-postgresql")

        // The same restore points from the DR region's tags alone, into a database that never saw a cycle.
        let emptyURL = try TestDatabase.create()
        let empty = try PostgresConnection(connectionString: emptyURL)
        try Migrator(connection: empty, components: DRSchema.all).migrate()
        let rebuilt = try fleet.ferry(["catalog", "rebuild"], environment: ["FERRY_DATABASE_URL": emptyURL])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(rebuilt.stdout.contains("2 restore points, 2 new"), "\(rebuilt.stdout)")
        let fromTags = try RestorePointCatalog(connection: empty).entries()
        #expect(fromTags.map(\.point) == recorded.map(\.point), "the tags carry everything the catalog recorded")
        #expect(fromTags.allSatisfy { $0.recordedBy == "catalog-rebuild" })
        let again = try fleet.ferry(["catalog", "rebuild"], environment: ["FERRY_DATABASE_URL": emptyURL])
        #expect(again.stdout.contains("2 restore points, 0 new"), "a second rebuild adds nothing: \(again.stdout)")

        let listed = try fleet.ferry(["catalog", "list", "orders-\(sfx)", "--json"], withConfig: false, environment: ["FERRY_DATABASE_URL": emptyURL])
        #expect(listed.status == 0, "\(listed.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        let points = try #require(document["restore_points"] as? [[String: Any]])
        #expect(points.count == 1 && points.first?["snapshot_id"] as? String == input.copyID)
        #expect((points.first?["source"] as? [String: Any])?["instance_class"] as? String == "db.t3.micro")
    }

    /// `ferry status --verify`'s check, with the DR region's answers scripted: one describe per restore point
    /// checked, newest first, until one is available; one gone is marked deleted, one not available is passed
    /// over and kept.
    @Test func verifyingChecksNewestFirstMarksTheGoneDeletedAndStopsAtTheFirstAvailable() throws {
        let connection = try PostgresConnection(connectionString: try TestDatabase.create())
        try Migrator(connection: connection, components: DRSchema.all).migrate()
        let catalog = RestorePointCatalog(connection: connection)
        let source = try sampleSource(tags: [:])
        let points = (1...4).map { index in
            RestorePoint(database: "orders", kind: .instance, drRegion: "us-west-2", snapshotID: "ferry-orders-\(index)",
                         snapshotARN: "arn:aws:rds:us-west-2:123456789012:snapshot:ferry-orders-\(index)",
                         takenAt: Date(timeIntervalSince1970: 1_800_000_000 + Double(index) * 3_600), runID: nil, source: source)
        }
        try catalog.record(rebuilt: points)
        let gone: Set = ["ferry-orders-4"]
        let statuses = ["ferry-orders-3": "deleting", "ferry-orders-2": "available"]
        var asked: [String] = []
        let verifier = RestorePointVerifier(catalog: catalog) { point in
            asked.append(point.snapshotID)
            return gone.contains(point.snapshotID) ? nil : statuses[point.snapshotID] ?? "available"
        }
        let check = try verifier.check(try catalog.entries(database: "orders").map(\.point))
        #expect(asked == ["ferry-orders-4", "ferry-orders-3", "ferry-orders-2"])
        #expect(check.checked == 3)
        #expect(check.verified?.snapshotID == "ferry-orders-2")
        #expect(check.missing == ["ferry-orders-4"])
        #expect(check.unavailable == [UnavailableRestorePoint(snapshotId: "ferry-orders-3", status: "deleting")])
        #expect(try catalog.entries(database: "orders").map(\.point.snapshotID) == ["ferry-orders-3", "ferry-orders-2", "ferry-orders-1"])

        let none = try RestorePointVerifier(catalog: catalog) { _ -> String? in nil }.check(try catalog.entries(database: "orders").map(\.point))
        #expect(none.verified == nil && none.missing == ["ferry-orders-3", "ferry-orders-2", "ferry-orders-1"])
        #expect(try catalog.entries(database: "orders").isEmpty)
    }

    @Test func tagsStayWithinAWSLimitsAndDropTheDatabasesTagsFirst() throws {
        var source = try sampleSource(tags: Dictionary(uniqueKeysWithValues: (1...40).map { ("key\($0)", String(repeating: "v", count: 200)) }))
        let taken = Date(timeIntervalSince1970: 1_800_000_000)
        let tags = try RestorePointTags.tags(source: source, takenAt: taken, otherTags: 8)
        #expect(tags.count + 8 <= 50)
        #expect(tags.values.allSatisfy { $0.count <= 256 && $0.allSatisfy { $0.isLetter || $0.isNumber || "+/=:.-".contains($0) } })
        let point = try #require(RestorePointTags.restorePoint(
            kind: .instance, region: "us-west-2", identifier: "copy", arn: "arn:aws:rds:us-west-2:1:snapshot:copy",
            tags: tags.merging([FerryTags.managed: "true", FerryTags.sourceDatabase: "orders"]) { $1 }))
        source.tags = [:]
        #expect(point.source == source, "the settings survive; the database's own tags were left out")
        #expect(point.takenAt == taken)
    }
}

/// An instance's settings with `tags`, as discovery would record them.
func sampleSource(tags: [String: String]) throws -> SourceSettings {
    try JSONValue.object([
        "kind": "instance", "identifier": "orders", "engine": "postgres", "engine_version": "16.3", "instance_class": "db.r6g.large",
        "instance_count": 1, "port": 5432, "multi_az": true, "parameter_group": "orders-params", "option_group": "default:postgres-16",
        "subnet_group": "db-private", "security_group_ids": ["sg-1"], "deletion_protection": true, "encrypted": true,
        "tags": .object(tags.mapValues(JSONValue.string)),
    ]).decode(as: SourceSettings.self)
}
