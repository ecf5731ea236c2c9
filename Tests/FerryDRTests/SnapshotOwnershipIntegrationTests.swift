import FerryAWS
@testable import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
import FerrySchema
@testable import FerryDR
import FerryDRSchema

/// Ownership by identity, end to end (issue 14): real cycles by `ferry worker`, an operator's copy made with
/// CopyTags, a snapshot a person recreated under Ferry's name, and a catalog rebuilt from tags into an
/// empty database. Retention deletes a genuine old Ferry snapshot and nothing else.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct SnapshotOwnershipIntegrationTests {
    /// `ferry plan DATABASE --json` on `databaseURL` (the fixture's by default): what it deletes and why it keeps.
    static func planned(_ fleet: DRFixture, _ database: String, databaseURL: String? = nil) throws -> (delete: [String: String], keep: [String: String]) {
        let result = try fleet.ferry(["plan", database, "--json"], environment: databaseURL.map { ["FERRY_DATABASE_URL": $0] } ?? [:])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let plan = try #require((document["databases"] as? [[String: Any]])?.first)
        let retention = try #require(plan["retention"] as? [String: Any])
        func reasons(_ key: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: (retention[key] as? [[String: Any]] ?? []).map {
                ($0["snapshot_id"] as? String ?? "", $0["reason"] as? String ?? "")
            })
        }
        return (reasons("delete"), reasons("keep"))
    }

    @Test func onlySnapshotsFerryMadeAreDeletedWhateverTheirTags() throws {
        let fleet = try DRFixture(retentionCount: 1, primary: "ap-northeast-3", dr: "ap-southeast-2")
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let protected = try fleet.runtime.protectedDatabase(database)
        let drRDS = try fleet.rds(fleet.drRegion)
        let workers = try fleet.startWorkers(1, withConfig: false)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        func cycle(daysAgo: Double) throws -> (run: UUID, copyID: String) {
            let run = try fleet.runtime.startBackupCycle(of: protected, scheduledFor: Date(timeIntervalSinceNow: -daysAgo * 86_400),
                                                         store: fleet.store, catalog: fleet.catalog, actor: "test").runID
            #expect(try fleet.waitForRuns([run]))
            let summary = try #require(try fleet.status(run))
            #expect(summary.status == .succeeded, "\(summary.lastError ?? "")")
            return (run, try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self).copyID)
        }
        func waitAvailable(_ identifier: String) throws {
            #expect(try FerryProcess.waitUntil(seconds: 30) { try drRDS.describeDBSnapshot(identifier: identifier)?.status == "available" },
                    "\(identifier) became available")
        }

        // A first cycle; its checkpoint recorded the copy as RDS answers it.
        let first = try cycle(daysAgo: 2)
        let firstCopy = try #require(try drRDS.describeDBSnapshot(identifier: first.copyID))
        let recorded = try #require(try DRCopyLedger(connection: fleet.connection).runs([first.run])[first.run]?.copy)
        #expect(recorded.snapshotARN == firstCopy.arn && recorded.snapshotID == first.copyID)
        #expect(recorded.created.matches(try #require(firstCopy.createTime)))

        // An operator keeps a copy of it for a legal hold, with CopyTags (the console's default): it carries Ferry's tags.
        let legalHold = "legal-hold-\(database)"
        _ = try drRDS.copyDBSnapshot(CopyDBSnapshotRequest(source: first.copyID, targetIdentifier: legalHold, copyTags: true))
        try waitAvailable(legalHold)
        let held = try #require(try drRDS.describeDBSnapshot(identifier: legalHold))
        #expect(held.tags[FerryTags.managed] == "true" && held.tags[FerryTags.runID] == first.run.lowercasedString,
                "the copy carries Ferry's tags, run id included: tags prove nothing")

        // The plan deletes the first cycle's copy (the next cycle's copy is newer) and keeps the operator's.
        let plan = try Self.planned(fleet, database)
        #expect(plan.delete.keys.sorted() == [first.copyID])
        #expect(plan.keep[legalHold] == "not Ferry's (copied tags)")
        let text = try fleet.ferry(["plan", database])
        #expect(text.stdout.contains("keep   \(legalHold): not Ferry's (copied tags)"), "\(text.stdout)")

        // The second cycle: retention (count 1) deletes the first cycle's copy, a genuine old Ferry snapshot,
        // and keeps the operator's, saying why.
        let second = try cycle(daysAgo: 1)
        #expect(try drRDS.describeDBSnapshot(identifier: first.copyID) == nil, "the genuine old Ferry snapshot is deleted")
        #expect(try drRDS.describeDBSnapshot(identifier: legalHold) != nil, "the operator's copy survives")
        let cleanup = try #require(try fleet.output(second.run, step: "cleanup"))
        #expect(cleanup["retention_deleted"]?.arrayValue?.compactMap { $0["snapshot_id"]?.stringValue } == [first.copyID])
        #expect(cleanup["retention_kept"]?.arrayValue?.contains {
            $0["snapshot_id"]?.stringValue == legalHold && $0["reason"]?.stringValue == "not Ferry's (copied tags)"
        } == true, "\(cleanup)")

        // A person deletes the second cycle's copy and recreates it under the same name, with the same tags:
        // the same identifier, ARN and run, only its creation time differs from what the run recorded.
        let original = try #require(try drRDS.describeDBSnapshot(identifier: second.copyID))
        _ = try drRDS.deleteDBSnapshot(identifier: second.copyID)
        #expect(try FerryProcess.waitUntil(seconds: 30) { try drRDS.describeDBSnapshot(identifier: second.copyID) == nil })
        _ = try drRDS.copyDBSnapshot(CopyDBSnapshotRequest(source: legalHold, targetIdentifier: second.copyID, copyTags: false,
                                                           tags: original.tags))
        try waitAvailable(second.copyID)
        let recreated = try #require(try drRDS.describeDBSnapshot(identifier: second.copyID))
        #expect(recreated.arn == original.arn && recreated.tags == original.tags)
        #expect(recreated.createTime != original.createTime)

        // The third cycle would delete the second's copy were it still Ferry's; it keeps the recreated one.
        let third = try cycle(daysAgo: 0)
        let remaining = Set(try drRDS.describeDBSnapshots(DBSnapshotQuery(instanceIdentifier: database, snapshotType: "manual")).map(\.identifier))
        #expect(remaining == [legalHold, second.copyID, third.copyID])
        let kept = try #require(try fleet.output(third.run, step: "cleanup")?["retention_kept"]?.arrayValue)
        #expect(Set(kept.filter { $0["reason"]?.stringValue == "not Ferry's (copied tags)" }.compactMap { $0["snapshot_id"]?.stringValue })
                == [legalHold, second.copyID])
        #expect(try fleet.output(third.run, step: "cleanup")?["retention_deleted"]?.arrayValue?.isEmpty == true)

        // A catalog rebuilt from the DR region's tags into an empty database is no proof: its plan deletes
        // nothing, where Ferry's own database's plan deletes the third cycle's copy (count 1, the next copy).
        #expect(try Self.planned(fleet, database).delete.keys.sorted() == [third.copyID])
        let emptyURL = try TestDatabase.create()
        try Migrator(connection: try PostgresConnection(connectionString: emptyURL), components: DRSchema.all).migrate()
        let rebuilt = try fleet.ferry(["catalog", "rebuild"], environment: ["FERRY_DATABASE_URL": emptyURL])
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("3 restore points, 3 new"), "\(rebuilt.stdout) \(rebuilt.stderr)")
        let fromTags = try Self.planned(fleet, database, databaseURL: emptyURL)
        #expect(fromTags.delete.isEmpty, "\(fromTags.delete)")
        #expect(fromTags.keep[third.copyID] == "not Ferry's (copied tags)")
    }
}

/// The records that prove ownership (`ferry.dr_copies`): backfilled by migration dr 7 for the copies recorded
/// before it, written by the worker role through checkpoints, never rewritten.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct DRCopyLedgerTests {
    /// Copies recorded before migration dr 7 (no creation time in their checkpoint) stay deletable, through a
    /// window: the migration backfills them from the checkpoints of the time.
    @Test func copiesRecordedBefore010AreBackfilledWithTheWindowTheyWereCreatedIn() throws {
        let connection = try PostgresConnection(connectionString: try TestDatabase.create())
        let beforeOwnership = SchemaComponent(name: DRSchema.component.name, migrations: DRSchema.component.migrations.prefix { $0.name != "snapshot_ownership" })
        try Migrator(connection: connection, components: [Schema.engine, beforeOwnership]).migrate()
        // A cycle of that time: created two hours ago, its copy available an hour later.
        let catalog = try WorkflowCatalog.load(directory: DRFixture.workflows, contracts: DRWorkflows.declared)
        let definition = try #require(catalog.definition(named: "backup-cycle"))
        try RunStore(connection: connection).register(definition)
        let run = UUID()
        let arn = "arn:aws:rds:us-west-2:123456789012:snapshot:ferry-orders-202611250300"
        try connection.execute("""
            INSERT INTO ferry.runs (id, workflow, definition_version, input, status, step_count, step_index, created_by, created_at, started_at, finished_at)
            VALUES (\(run), 'backup-cycle', \(definition.version),
                '{"database": "orders", "dr_region": "us-west-2", "copy_id": "ferry-orders-202611250300"}',
                'succeeded', 5, 5, 'scheduler', now() - interval '2 hours', now() - interval '2 hours', now() - interval '50 minutes')
            """)
        try connection.execute("""
            INSERT INTO ferry.step_checkpoints (run_id, step_index, step_name, output, attempts, polls, started_at, finished_at, worker_id, lease_epoch)
            VALUES (\(run), 3, 'await_copy', jsonb_build_object('copy_arn', \(arn)::text, 'encrypted', true, 'status_checks', 3), 1, 2,
                now() - interval '90 minutes', now() - interval '1 hour', 'w', 1)
            """)
        #expect(try Migrator(connection: connection, components: DRSchema.all).migrate()
                == DRSchema.component.migrations.drop { $0.name != "snapshot_ownership" }.map { MigrationID(component: "dr", version: $0.version) })

        let copy = try #require(try DRCopyLedger(connection: connection).runs([run])[run]?.copy)
        #expect(copy.snapshotARN == arn && copy.snapshotID == "ferry-orders-202611250300" && copy.database == "orders")
        guard case .within(let window) = copy.created else {
            Issue.record("a backfilled copy has a window, not a time: \(copy.created)")
            return
        }
        let now = Date()
        #expect(abs(window.lowerBound.timeIntervalSince(now.addingTimeInterval(-7_500))) < 60, "the run's creation less 5 minutes")
        #expect(abs(window.upperBound.timeIntervalSince(now.addingTimeInterval(-3_300))) < 60, "the checkpoint's time plus 5 minutes")
        let ownership = SnapshotOwnership(database: "orders", runs: try DRCopyLedger(connection: connection).runs([run]))
        func snapshot(createdAt: Date) -> SnapshotRecord {
            SnapshotRecord(identifier: "ferry-orders-202611250300", arn: arn, status: "available", createdAt: createdAt, tags: [
                FerryTags.managed: "true", FerryTags.sourceDatabase: "orders", FerryTags.runID: run.lowercasedString,
            ])
        }
        #expect(ownership.verdict(on: snapshot(createdAt: now.addingTimeInterval(-5_400))) == .ferrys, "made while its run copied it")
        #expect(ownership.verdict(on: snapshot(createdAt: now)) == .copiedTags, "recreated by a person after the run recorded it")
    }

    /// The worker role records a cycle's copy through its checkpoint (the trigger runs as the worker) and
    /// cannot rewrite or remove the record afterwards.
    @Test func theWorkerRecordsCopiesThroughCheckpointsAndCannotRewriteThem() throws {
        let url = try TestDatabase.create()
        let connection = try PostgresConnection(connectionString: url)
        try Migrator(connection: connection, components: DRSchema.all).migrate()
        let catalog = try WorkflowCatalog.load(directory: DRFixture.workflows, contracts: DRWorkflows.declared)
        let definition = try #require(catalog.definition(named: "backup-cycle"))
        try RunStore(connection: connection).register(definition)
        let run = UUID()
        try connection.execute("""
            INSERT INTO ferry.runs (id, workflow, definition_version, status, step_count, step_index, created_by, started_at, finished_at)
            VALUES (\(run), 'backup-cycle', \(definition.version), 'succeeded', 5, 5, 'test', now(), now())
            """)
        let role = try TestDatabase.createLoginRole(granted: "ferry_worker", databaseURL: url)
        defer { #expect(throws: Never.self) { try TestDatabase.dropLoginRole(role.name, databaseURL: url) } }
        let worker = try PostgresConnection(connectionString: role.url)
        let created = Date(timeIntervalSince1970: 1_795_000_000.123_456)
        let copy = DRCopy(database: "orders", drRegion: "us-west-2", snapshotID: "ferry-orders-1",
                          snapshotARN: "arn:aws:rds:us-west-2:123456789012:snapshot:ferry-orders-1", createdAt: created)
        try worker.execute("""
            INSERT INTO ferry.step_checkpoints (run_id, step_index, step_name, output, attempts, polls, started_at, worker_id, lease_epoch)
            VALUES (\(run), 3, 'await_copy', \(try JSONValue.object(["dr_copy": JSONValue(encoding: copy)]).jsonText)::jsonb, 1, 0, now(), 'w', 1)
            """)
        let recorded = try #require(try DRCopyLedger(connection: worker).runs([run])[run])
        #expect(recorded == RecordedRun(finished: true, copy: RecordedCopy(
            database: "orders", snapshotID: "ferry-orders-1", snapshotARN: copy.snapshotARN, created: .at(created))),
            "recorded to the microsecond")
        for statement in ["UPDATE ferry.dr_copies SET created_at = now()", "DELETE FROM ferry.dr_copies", "TRUNCATE ferry.dr_copies"] {
            #expect(throws: PostgresError.self, "\(statement)") { try worker.executeScript(unsafeSQL: statement) }
        }
    }
}
