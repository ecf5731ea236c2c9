import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// History retention (sql/engine/007_history_retention.sql): the workers delete finished runs older than the configured
/// age with everything they own, a batch per transaction, as the worker role; the audit log refuses every
/// other deletion.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct HistoryRetentionTests {
    static let thirtyDays = HistoryRetention(keep: .seconds(30 * 86_400), batchSize: 1)

    /// Moves a finished run's end (and start) `days` into the past, as time passing would.
    func age(_ run: UUID, days: Int, _ fixture: EngineFixture) throws {
        try fixture.connection.execute("""
            UPDATE ferry.runs SET created_at = now() - make_interval(days => \(days)), started_at = now() - make_interval(days => \(days)),
                finished_at = CASE WHEN finished_at IS NOT NULL THEN now() - make_interval(days => \(days)) END
            WHERE id = \(run)
            """)
    }

    func count(_ table: String, run: UUID, _ fixture: EngineFixture) throws -> Int {
        try fixture.scalar("SELECT count(*)::int FROM ferry.\(unescaped: table) WHERE run_id = \(run)", as: Int.self) ?? -1
    }

    @Test func pruningDeletesOnlyOldFinishedRunsWithEverythingTheyOwn() throws {
        let fixture = try EngineFixture()
        let oldSucceeded = try fixture.finishedRun(snapshot: "old")
        let oldFailed = try fixture.finishedRun(snapshot: "failed", failing: true)
        let recent = try fixture.finishedRun(snapshot: "recent")
        let oldUnfinished = try fixture.start("noop", input: ["steps": 1])
        for run in [oldSucceeded, oldFailed, oldUnfinished] { try age(run, days: 40, fixture) }
        try fixture.connection.execute("INSERT INTO ferry.events (kind, actor) VALUES ('schedule.created', 'test')")
        #expect(try count("alerts", run: oldFailed, fixture) == 1, "the failed run queued its alert")
        let recentEvents = try count("events", run: recent, fixture)

        let role = try TestDatabase.createLoginRole(granted: "ferry_worker", databaseURL: fixture.url)
        defer { #expect(throws: Never.self) { try TestDatabase.dropLoginRole(role.name, databaseURL: fixture.url) } }
        let worker = try PostgresConnection(connectionString: role.url)
        // Batches of one: the two old finished runs, then an empty batch that ends the turn.
        #expect(try Self.thirtyDays.prune(on: worker, actor: "pruner") == 2)

        for run in [oldSucceeded, oldFailed] {
            #expect(try fixture.status(run) == nil)
            for table in ["events", "step_checkpoints", "step_effects", "alerts"] {
                #expect(try count(table, run: run, fixture) == 0, "\(table) of \(run)")
            }
        }
        #expect(try fixture.status(recent) == .succeeded)
        #expect(try count("events", run: recent, fixture) == recentEvents)
        #expect(try count("step_checkpoints", run: recent, fixture) == 1)
        #expect(try fixture.status(oldUnfinished) == .pending, "an unfinished run is kept however old")
        #expect(try count("events", run: oldUnfinished, fixture) == 1)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.events WHERE kind = 'schedule.created'", as: Int.self) == 1)
        // Each batch that deleted says so in the audit log, by whom and up to when.
        let pruned = try fixture.connection.query("""
            SELECT actor, (detail->>'runs')::int AS runs, (detail->>'finished_before')::timestamptz < now() - interval '29 days' AS cutoff_ok
            FROM ferry.events WHERE kind = 'history.pruned' ORDER BY id
            """)
        #expect(try pruned.map { try $0.decode("actor", as: String.self) } == ["pruner", "pruner"])
        #expect(try pruned.map { try $0.decode("runs", as: Int.self) } == [1, 1])
        #expect(try pruned.allSatisfy { try $0.decode("cutoff_ok", as: Bool.self) })

        #expect(try Self.thirtyDays.prune(on: worker, actor: "pruner") == 0)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.events WHERE kind = 'history.pruned'", as: Int.self) == 2,
                "a batch that deletes nothing records nothing")
    }

    /// A cycle's row in ferry.dr_copies is what proves its DR copy Ferry's: the run stays while the copy's
    /// restore point is not marked deleted, and goes with that row once it is.
    @Test func aCycleWhoseDRCopyMayStillExistIsKept() throws {
        let fixture = try EngineFixture()
        let copyKept = try fixture.finishedRun(snapshot: "kept")
        let copyDeleted = try fixture.finishedRun(snapshot: "deleted")
        for (run, snapshot, deleted) in [(copyKept, "copy-kept", false), (copyDeleted, "copy-deleted", true)] {
            try age(run, days: 40, fixture)
            try fixture.connection.execute("""
                INSERT INTO ferry.dr_copies (run_id, database, dr_region, snapshot_id, snapshot_arn, created_at, recorded_at)
                VALUES (\(run), 'orders', 'us-west-2', \(snapshot), 'arn:aws:rds:us-west-2:123456789012:snapshot:' || \(snapshot), now(), now());
                """)
            try fixture.connection.execute("""
                INSERT INTO ferry.restore_points (dr_region, snapshot_id, snapshot_arn, database, kind, taken_at, run_id, source, recorded_by, deleted_at)
                VALUES ('us-west-2', \(snapshot), 'arn:aws:rds:us-west-2:123456789012:snapshot:' || \(snapshot), 'orders', 'instance',
                    now(), \(run), '{}', 'backup-cycle', CASE WHEN \(deleted) THEN now() END)
                """)
        }
        #expect(try HistoryRetentionTests.thirtyDays.prune(on: fixture.connection, actor: "pruner") == 1)
        #expect(try fixture.status(copyKept) == .succeeded)
        #expect(try count("dr_copies", run: copyKept, fixture) == 1)
        #expect(try fixture.status(copyDeleted) == nil)
        #expect(try count("dr_copies", run: copyDeleted, fixture) == 0)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.restore_points", as: Int.self) == 2, "restore points are never pruned")
    }

    @Test func theAuditLogRefusesEveryOtherDeletion() throws {
        let fixture = try EngineFixture()
        let old = try fixture.finishedRun(snapshot: "old")
        let recent = try fixture.finishedRun(snapshot: "recent")
        try age(old, days: 40, fixture)
        let worker = try TestDatabase.createLoginRole(granted: "ferry_worker", databaseURL: fixture.url)
        let auditor = try TestDatabase.createLoginRole(granted: "ferry_auditor", databaseURL: fixture.url)
        defer {
            #expect(throws: Never.self) {
                try TestDatabase.dropLoginRole(worker.name, databaseURL: fixture.url)
                try TestDatabase.dropLoginRole(auditor.name, databaseURL: fixture.url)
            }
        }
        let asWorker = try PostgresConnection(connectionString: worker.url)
        let asAuditor = try PostgresConnection(connectionString: auditor.url)
        let events = try fixture.scalar("SELECT count(*)::int FROM ferry.events", as: Int.self)

        // The owner (the trigger, whatever the privileges): not even an old finished run's events outside
        // ferry.prune_history, nor a recent run's with a cutoff of its own making.
        expectRefused("DELETE FROM ferry.events WHERE run_id = '\(old.lowercasedString)'", as: fixture.connection)
        expectRefused("""
            BEGIN; SELECT set_config('ferry.history_cutoff', (now() + interval '1 hour')::text, true);
            DELETE FROM ferry.events WHERE run_id = '\(recent.lowercasedString)'; COMMIT
            """, as: fixture.connection)
        try? fixture.connection.executeScript(unsafeSQL: "ROLLBACK")
        expectRefused("UPDATE ferry.events SET actor = 'mallory'", as: fixture.connection)
        expectRefused("TRUNCATE ferry.events CASCADE", as: fixture.connection)
        // The worker has no DELETE at all, and keeps at least a day.
        expectRefused("DELETE FROM ferry.events WHERE run_id = '\(old.lowercasedString)'", as: asWorker)
        expectRefused("DELETE FROM ferry.runs WHERE id = '\(old.lowercasedString)'", as: asWorker)
        expectRefused("SELECT ferry.prune_history(interval '23 hours', 10, 'pruner')", as: asWorker, sqlState: "22023")
        expectRefused("SELECT ferry.prune_history(interval '30 days', 0, 'pruner')", as: asWorker, sqlState: "22023")
        // The auditor prunes nothing.
        expectRefused("SELECT ferry.prune_history(interval '30 days', 10, 'auditor')", as: asAuditor)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.events", as: Int.self) == events)
        #expect(try fixture.status(old) == .succeeded)
    }
}
