import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// The roles of migrations engine 6 and dr 6, each used through a login role of its own as a deployment uses them: the
/// worker role runs the engine end to end but cannot touch the audit log's guards or rewrite history; the
/// auditor reads and writes nothing.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct DatabaseRolesTests {
    @Test func theWorkerRoleCannotUndoTheAuditLogsGuardsNorRewriteHistory() throws {
        let fixture = try EngineFixture()
        let run = try fixture.finishedRun()
        let role = try TestDatabase.createLoginRole(granted: "ferry_worker", databaseURL: fixture.url)
        defer { #expect(throws: Never.self) { try TestDatabase.dropLoginRole(role.name, databaseURL: fixture.url) } }
        let worker = try PostgresConnection(connectionString: role.url)
        let before = try fixture.connection.query("SELECT count(*)::int AS n, max(id) AS last FROM ferry.events").first!
        let eventCount: Int = try before.decode("n")

        for statement in [
            "ALTER TABLE ferry.events DISABLE TRIGGER events_append_only",
            "ALTER TABLE ferry.events DISABLE TRIGGER ALL",
            "DROP TRIGGER events_append_only ON ferry.events",
            "DROP TRIGGER events_delete_only_pruned_history ON ferry.events",
            "ALTER TABLE ferry.events DISABLE TRIGGER events_delete_only_pruned_history",
            "CREATE OR REPLACE FUNCTION ferry.refuse_event_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
            "CREATE OR REPLACE FUNCTION ferry.prune_history(keep interval, batch_size integer, actor text) RETURNS integer LANGUAGE sql AS $$ SELECT 0 $$",
            "CREATE OR REPLACE FUNCTION ferry.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            "DROP FUNCTION ferry.refuse_event_change() CASCADE",
            "DROP TABLE ferry.events",
            "DROP TABLE ferry.step_checkpoints CASCADE",
            "DROP SCHEMA ferry CASCADE",
            "ALTER TABLE ferry.events OWNER TO CURRENT_USER",
            "ALTER TABLE ferry.runs ADD COLUMN mine text",
            "CREATE TABLE ferry.mine (id int)",
            "CREATE OR REPLACE VIEW ferry.snapshot_deletions AS SELECT 1 AS run_id",
            "UPDATE ferry.events SET actor = 'mallory'",
            "DELETE FROM ferry.events",
            "SELECT set_config('ferry.history_cutoff', now()::text, false); DELETE FROM ferry.events",
            "TRUNCATE ferry.events",
            "UPDATE ferry.step_checkpoints SET output = '{}'",
            "DELETE FROM ferry.step_checkpoints",
            "TRUNCATE ferry.step_checkpoints CASCADE",
            "UPDATE ferry.step_effects SET target = 'us-east-1/other'",
            "UPDATE ferry.step_effects SET confirmed_at = NULL, detail = '{}'",
            "DELETE FROM ferry.step_effects",
            "UPDATE ferry.runs SET input = '{\"database\": \"other\"}'",
            "UPDATE ferry.runs SET created_by = 'mallory'",
            "DELETE FROM ferry.runs",
            // The DR copies backup cycles recorded: what proves a snapshot Ferry's (010).
            "UPDATE ferry.dr_copies SET created_at = now()",
            "DELETE FROM ferry.dr_copies",
            "TRUNCATE ferry.dr_copies",
            "UPDATE ferry.schema_migrations SET checksum = checksum",
            "SET session_replication_role = replica",
        ] {
            expectRefused(statement, as: worker)
        }
        // What the ledger needs it may do: confirm an effect (a no-op once confirmed).
        #expect(try worker.execute("UPDATE ferry.step_effects SET confirmed_at = now() WHERE run_id = \(run) AND confirmed_at IS NULL") == 0)

        let after = try fixture.connection.query("SELECT count(*)::int AS n FROM ferry.events").first!
        #expect(try after.decode("n", as: Int.self) == eventCount)
        #expect(try fixture.scalar("SELECT count(*)::int FROM pg_trigger WHERE tgname = 'events_append_only' AND tgenabled = 'O'", as: Int.self) == 1)
        #expect(try fixture.scalar("SELECT output::text FROM ferry.step_checkpoints WHERE run_id = \(run)", as: String.self) == #"{"ok": true}"#)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.snapshot_deletions WHERE run_id = \(run)", as: Int.self) == 1)
    }

    @Test func theAuditorReadsTheViewsAndHistoryAndWritesNothing() throws {
        let fixture = try EngineFixture()
        let run = try fixture.finishedRun()
        let role = try TestDatabase.createLoginRole(granted: "ferry_auditor", databaseURL: fixture.url)
        defer { #expect(throws: Never.self) { try TestDatabase.dropLoginRole(role.name, databaseURL: fixture.url) } }
        let auditor = try PostgresConnection(connectionString: role.url)
        for view in ["snapshot_audit", "snapshot_deletions", "events", "runs", "step_checkpoints", "step_effects", "alerts", "restore_points"] {
            #expect(throws: Never.self) { try auditor.query("SELECT * FROM ferry.\(unescaped: view)") }
        }
        #expect(try auditor.query("SELECT snapshot_id FROM ferry.snapshot_deletions WHERE run_id = \(run)").first?.decode("snapshot_id", as: String.self) == "snap")
        for statement in [
            "INSERT INTO ferry.events (kind, actor) VALUES ('run.forged', 'mallory')",
            "UPDATE ferry.runs SET status = status",
            "DELETE FROM ferry.step_effects",
            "SELECT * FROM ferry.workers",
            "SELECT * FROM ferry.semaphores",
            "SELECT ferry.release_permits(gen_random_uuid(), NULL)",
            "ALTER TABLE ferry.events DISABLE TRIGGER events_append_only",
            "DROP VIEW ferry.snapshot_audit",
        ] {
            expectRefused(statement, as: auditor)
        }
        // The CLI's read-only commands work as an auditor.
        let history = try FerryProcess.run(["history", "--run", run.uuidString, "--json"],
                                           environment: ["FERRY_DATABASE_URL": role.url, "FERRY_LOG_LEVEL": "warning"])
        #expect(history.status == 0 && history.stdout.contains("run.succeeded"), "\(history.stderr)")
        for command in [["runs", "list", "--json"], ["runs", "show", run.uuidString, "--json"]] {
            let result = try FerryProcess.run(command, environment: ["FERRY_DATABASE_URL": role.url, "FERRY_LOG_LEVEL": "warning"])
            #expect(result.status == 0 && result.stdout.contains(run.uuidString.lowercased()), "\(command): \(result.stderr)")
        }
    }

    /// A worker and the CLI as a login role granted ferry_worker: claim, checkpoint, park, cancel, resume,
    /// permits, a failure with its alert (written by a trigger as the worker), and the effects ledger.
    @Test func theEngineRunsEndToEndAsTheWorkerRole() throws {
        let fixture = try EngineFixture()
        try fixture.connection.executeScript(unsafeSQL: "GRANT SELECT, INSERT, UPDATE ON crash_test_effects, crash_test_failing_steps TO ferry_worker")
        let role = try TestDatabase.createLoginRole(granted: "ferry_worker", databaseURL: fixture.url)
        defer { #expect(throws: Never.self) { try TestDatabase.dropLoginRole(role.name, databaseURL: fixture.url) } }
        let connection = try PostgresConnection(connectionString: role.url)
        let store = RunStore(connection: connection)
        #expect(try connection.query("SELECT current_user::text AS me").first?.decode("me", as: String.self) == role.name,
                "the worker, the CLI and this store connect as the login role, not as the owner")

        // The crash-test worker: a run that fails after taking a permit undoes what it made, gives the permit
        // back and queues its alert; one parked at `park` is cancelled by an operator and undone.
        let failing = try fixture.start("compensate-test", input: ["fail_at": "make", "semaphore": "pool", "permits": 2])
        let parked = try fixture.start("compensate-test", input: ["wait_at": "park"])
        let crashWorker = try fixture.startCrashTestWorker(id: "role-worker", databaseURL: role.url)
        defer { #expect(FerryProcess.stop(crashWorker)) }
        #expect(try FerryProcess.waitUntil { try fixture.status(failing)?.isFinished == true })
        #expect(try fixture.status(failing) == .failed)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.alerts WHERE run_id = \(failing) AND kind = 'run_failed'", as: Int.self) == 1)
        #expect(try fixture.scalar("SELECT in_use FROM ferry.semaphores WHERE name = 'pool'", as: Int.self) == 0)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.step_effects WHERE run_id = \(failing) AND confirmed_at IS NOT NULL", as: Int.self) == 2)
        #expect(try FerryProcess.waitUntil {
            try fixture.scalar("SELECT status = 'waiting' AND step_index = 3 FROM ferry.runs WHERE id = \(parked)", as: Bool.self) == true
        })
        #expect(try store.cancel(runID: parked, actor: "alice") == .waiting)
        #expect(try FerryProcess.waitUntil { try fixture.status(parked) == .cancelled })
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.events WHERE run_id = \(parked) AND kind = 'run.cancelled' AND actor = 'alice'", as: Int.self) == 1)

        // The ferry CLI and `ferry worker` as the same role: start, cancel at a step boundary, resume.
        let environment = ["FERRY_DATABASE_URL": role.url, "FERRY_WORKFLOWS": EngineFixture.shippedWorkflows,
                           "FERRY_LOG_LEVEL": "warning", "FERRY_CONFIG": "/nonexistent/ferry.yaml"]
        let start = try FerryProcess.run(["runs", "start", "noop", "--input", #"{"steps": 6, "sleep_ms": 150}"#, "--actor", "alice"],
                                         environment: environment)
        #expect(start.status == 0, "\(start.stderr)")
        let run = try #require(UUID(uuidString: start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let worker = try FerryProcess.start(["worker", "--concurrency", "2", "--worker-id", "role-cli-worker"], environment: environment,
                                            logFile: NSTemporaryDirectory() + "/role-cli-worker-\(run).log")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil { try fixture.scalar("SELECT step_index FROM ferry.runs WHERE id = \(run)", as: Int.self) ?? 0 >= 1 })
        #expect(try FerryProcess.run(["runs", "cancel", run.uuidString, "--actor", "bob"], environment: environment).status == 0)
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .cancelled })
        #expect(try FerryProcess.run(["runs", "resume", run.uuidString, "--actor", "carol"], environment: environment).status == 0)
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .succeeded })
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.step_checkpoints WHERE run_id = \(run)", as: Int.self) == 6)
        #expect(try fixture.scalar("SELECT count(*)::int FROM ferry.workers WHERE id = 'role-cli-worker'", as: Int.self) == 1)
    }
}
