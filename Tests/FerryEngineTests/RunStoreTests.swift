import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct RunStoreTests {
    @Test func startWithKeyIsIdempotent() throws {
        let fixture = try EngineFixture()
        let first = try fixture.store.start(RunRequest(definition: fixture.catalog.definition(named: "noop")!, idempotencyKey: "k", actor: "a"))
        let second = try fixture.store.start(RunRequest(definition: fixture.catalog.definition(named: "noop")!, idempotencyKey: "k", actor: "a"))
        guard case .created(let id) = first else { Issue.record("first start did not create"); return }
        #expect(second == .existing(id))
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.runs", as: Int.self) == 1)
    }

    @Test func concurrencyKeyAllowsOneRunInFlight() throws {
        let fixture = try EngineFixture()
        let noop = fixture.catalog.definition(named: "noop")!
        let first = try fixture.store.start(RunRequest(definition: noop, concurrencyKey: "backup:db1", actor: "a"))
        let second = try fixture.store.start(RunRequest(definition: noop, concurrencyKey: "backup:db1", actor: "a"))
        #expect(second == .skipped(inFlight: first.runID))
    }

    @Test func checkpointAdvancesAndRecordsInOneStatement() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w1")
        let run = try fixture.start("noop", input: ["steps": 2])
        let claimed = try #require(try fixture.store.claim(workerID: "w1", leaseSeconds: 30))
        #expect(claimed.id == run && claimed.leaseEpoch == 1 && claimed.stepIndex == 0)
        let fence = LeaseFence(runID: run, epoch: 1, stepIndex: 0, stepName: "tick.1", workerID: "w1")
        let outcome = try fixture.store.checkpoint(
            StepCompletion(output: ["n": 1], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt), fence: fence, isLastStep: false)
        guard case .running = outcome else { Issue.record("expected the run to go on, got \(String(describing: outcome))"); return }
        // The same checkpoint again (a replay) is refused by the step-index guard.
        #expect(try fixture.store.checkpoint(
            StepCompletion(output: ["n": 1], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt), fence: fence, isLastStep: false) == nil)
        let last = LeaseFence(runID: run, epoch: 1, stepIndex: 1, stepName: "tick.2", workerID: "w1")
        #expect(try fixture.store.checkpoint(
            StepCompletion(output: [:], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt), fence: last, isLastStep: true) == .finished(.succeeded))
        #expect(try fixture.status(run) == .succeeded)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.step_checkpoints WHERE run_id = \(run)", as: Int.self) == 2)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'step.completed'", as: Int.self) == 2)
    }

    /// A run's last checkpoint claims the slot's next due run in the same statement (one commit for both),
    /// recording the claim as a claim does; it never claims the run it finishes, even when that run's lease
    /// ran out (the checkpoint is then refused and the run is left to be taken over), and claims nothing
    /// when nothing else is due.
    @Test func theLastCheckpointClaimsTheNextDueRun() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w1")
        let first = try fixture.start("noop", input: ["steps": 1])
        let second = try fixture.start("noop", input: ["steps": 1])
        let (claimed, fence) = try fixture.claim(as: "w1")
        #expect(claimed.id == first)
        let completion = StepCompletion(output: ["n": 1], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt)
        let claim = ClaimRequest(workerID: "w1", leaseSeconds: 30)
        let (outcome, next) = try fixture.store.checkpoint(completion, fence: fence, isLastStep: true, claimingNext: claim)
        #expect(outcome == .finished(.succeeded))
        let nextRun = try #require(next)
        #expect(nextRun.id == second && nextRun.leaseEpoch == 1 && nextRun.stepIndex == 0 && nextRun.tookOverFrom == nil)
        #expect(try fixture.status(first) == .succeeded && fixture.status(second) == .running)
        #expect(try fixture.eventKinds(first) == ["run.created", "run.claimed", "step.completed", "run.succeeded"])
        #expect(try fixture.eventKinds(second) == ["run.created", "run.claimed"])
        #expect(try fixture.scalar("""
            SELECT count(DISTINCT xmin::text) FROM ferry.runs WHERE id IN (\(first), \(second))
            """, as: Int.self) == 1, "both rows were written by one transaction")

        // The second run's lease runs out before its last checkpoint: refused, and not claimed back by it.
        let secondFence = try fixture.fence(of: nextRun, worker: "w1")
        try fixture.expireLease(of: second)
        let late = StepCompletion(output: [:], attempts: 1, polls: 0, startedAt: nextRun.stepStartedAt)
        let (refused, claimedInstead) = try fixture.store.checkpoint(late, fence: secondFence, isLastStep: true, claimingNext: claim)
        #expect(refused == nil && claimedInstead == nil, "nothing else is due, and a run never claims itself back")
        #expect(try fixture.status(second) == .running, "left for a takeover")
        try fixture.registerWorker("w2")
        #expect(try fixture.store.claim(workerID: "w2", leaseSeconds: 30)?.id == second)
    }

    @Test func workerWithExpiredLeaseCannotWrite() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("slow")
        try fixture.registerWorker("fast")
        let run = try fixture.start("noop", input: ["steps": 2])
        let slow = try #require(try fixture.store.claim(workerID: "slow", leaseSeconds: 30))
        #expect(try fixture.store.claim(workerID: "fast", leaseSeconds: 30) == nil, "a live lease is not claimable")
        // Time passes: the slow worker's lease expires (it was paused, or partitioned).
        try fixture.connection.execute("""
            UPDATE ferry.runs SET lease_expires_at = now() - interval '1 second', next_wake_at = now() - interval '1 second'
            WHERE id = \(run)
            """)
        let slowFence = LeaseFence(runID: run, epoch: slow.leaseEpoch, stepIndex: 0, stepName: "tick.1", workerID: "slow")
        let completion = StepCompletion(output: [:], attempts: 1, polls: 0, startedAt: slow.stepStartedAt)
        // Expired and not yet taken: still refused, and the heartbeat does not revive it.
        #expect(try fixture.store.heartbeat(workerID: "slow", runIDs: [run.lowercasedString], epochs: [slow.leaseEpoch], leaseSeconds: 30) == 0)
        #expect(try fixture.store.checkpoint(completion, fence: slowFence, isLastStep: false) == nil)
        // Taken over: the fencing epoch moves on and every write of the old holder lands nowhere.
        let fast = try #require(try fixture.store.claim(workerID: "fast", leaseSeconds: 30))
        #expect(fast.leaseEpoch == slow.leaseEpoch + 1 && fast.tookOverFrom == "slow")
        #expect(try fixture.store.checkpoint(completion, fence: slowFence, isLastStep: false) == nil)
        #expect(try fixture.store.park(fence: slowFence, delay: 1, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "x") == false)
        #expect(try fixture.store.fail(fence: slowFence, failedAttempts: 1, polls: 0, error: "x") == false)
        #expect(try fixture.store.release(fence: slowFence) == false)
        let fastFence = LeaseFence(runID: run, epoch: fast.leaseEpoch, stepIndex: 0, stepName: "tick.1", workerID: "fast")
        guard case .running = try fixture.store.checkpoint(completion, fence: fastFence, isLastStep: false) else {
            Issue.record("the new holder must be able to write"); return
        }
        #expect(try fixture.scalar("SELECT lease_owner FROM ferry.runs WHERE id = \(run)", as: String.self) == "fast")
    }

    @Test func cancelAndResumeThroughTheStore() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w1")
        let waiting = try fixture.start("noop")
        #expect(try fixture.store.cancel(runID: waiting, actor: "alice") == .cancelled, "a pending run is cancelled at once")
        #expect(throws: OperatorError.self) { try fixture.store.cancel(runID: waiting, actor: "alice") }

        let running = try fixture.start("noop", input: ["steps": 3])
        let claimed = try #require(try fixture.store.claim(workerID: "w1", leaseSeconds: 30))
        #expect(claimed.id == running)
        #expect(try fixture.store.cancel(runID: running, actor: "bob") == .running, "a running run stops at its next boundary")
        let fence = LeaseFence(runID: running, epoch: claimed.leaseEpoch, stepIndex: 0, stepName: "tick.1", workerID: "w1")
        #expect(try fixture.store.checkpoint(StepCompletion(output: [:], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt),
                                             fence: fence, isLastStep: false) == .finished(.cancelled))
        #expect(try fixture.scalar("SELECT actor FROM ferry.events WHERE run_id = \(running) AND kind = 'run.cancelled'", as: String.self) == "bob")

        try fixture.store.resume(runID: running, actor: "carol")
        #expect(try fixture.status(running) == .pending)
        #expect(try fixture.scalar("SELECT step_index FROM ferry.runs WHERE id = \(running)", as: Int.self) == 1, "resumes at the step that did not complete")
        #expect(throws: OperatorError.self) { try fixture.store.resume(runID: running, actor: "carol") }
        #expect(throws: OperatorError.self) { try fixture.store.cancel(runID: UUID(), actor: "carol") }
    }

    @Test func schemaRefusesIllegalRows() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("noop")
        // Running without a lease, succeeded before the last step, editing the audit log: each refused by the
        // rule written for it (SQLSTATE and constraint), not by some other error.
        func refusal(_ statement: PostgresQuery) -> (sqlState: String?, message: String)? {
            do {
                try fixture.connection.execute(statement)
                return nil
            } catch let error as PostgresError {
                return (error.sqlState, error.message)
            } catch {
                return (nil, "\(error)")
            }
        }
        let unleased = refusal("UPDATE ferry.runs SET status = 'running' WHERE id = \(run)")
        #expect(unleased?.sqlState == "23514" && unleased?.message.contains("runs_lease_iff_running") == true, "\(String(describing: unleased))")
        let early = refusal("UPDATE ferry.runs SET status = 'succeeded', next_wake_at = NULL, finished_at = now() WHERE id = \(run)")
        #expect(early?.sqlState == "23514" && early?.message.contains("runs_succeeded_after_last_step") == true, "\(String(describing: early))")
        for statement: PostgresQuery in ["DELETE FROM ferry.events", "UPDATE ferry.events SET actor = 'mallory'"] {
            let edited = refusal(statement)
            #expect(edited?.sqlState == "42501" && edited?.message.contains("ferry.events is append-only") == true, "\(String(describing: edited))")
        }
    }

    /// Each of the seventeen rules of a run (one function since engine 008) refuses a row under its own name;
    /// some are broken through each of several columns they read, two on a running, claimed run.
    @Test func eachRuleOfARunRefusesUnderItsName() throws {
        let fixture = try EngineFixture()
        try fixture.registerWorker("w")
        let running = try fixture.start("noop")
        _ = try #require(try fixture.store.claim(workerID: "w", leaseSeconds: 30))
        let pending = try fixture.start("noop")
        for (run, assignments, rule) in [
            (pending, "cancel_requested_at = now()", "runs_cancel_request_has_actor"),
            (pending, "cancel_requested_by = 'operator'", "runs_cancel_request_has_actor"),
            (pending, "compensated_at = now()", "runs_compensated_when_finished"),
            (pending, "stop_reason = 'why'", "runs_compensation_complete"),
            (pending, "stopped_at_step = 0", "runs_compensation_complete"),
            (pending, "ends_as = 'failed'", "runs_compensation_complete"),
            (pending, "next_wake_at = NULL", "runs_due_iff_unfinished"),
            (pending, "stopped_at_step = 0, ends_as = 'succeeded', stop_reason = 'why'", "runs_ends_as_check"),
            (pending, "status = 'failed', next_wake_at = NULL, finished_at = now()", "runs_failed_with_error"),
            (pending, "finished_at = now()", "runs_finished_at_iff_finished"),
            (pending, "input = '[]'", "runs_input_check"),
            (pending, "status = 'running'", "runs_lease_iff_running"),
            (running, "lease_owner = NULL", "runs_lease_iff_running"),
            (running, "lease_expires_at = lease_expires_at + interval '1 minute'", "runs_running_due_at_lease_expiry"),
            (pending, "step_attempt = -1", "runs_step_attempt_check"),
            (pending, "step_count = 0", "runs_step_count_check"),
            (pending, "step_index = step_count + 1", "runs_step_in_range"),
            (pending, "step_index = -1", "runs_step_index_check"),
            (pending, "step_polls = -1", "runs_step_polls_check"),
            (pending, "stopped_at_step = -1, ends_as = 'failed', stop_reason = 'why'", "runs_stopped_at_step_check"),
            (pending, "status = 'succeeded', next_wake_at = NULL, finished_at = now()", "runs_succeeded_after_last_step"),
        ] {
            do {
                try fixture.connection.execute(PostgresQuery(unsafeSQL: "UPDATE ferry.runs SET \(assignments) WHERE id = $1", parameters: [run.postgresText]))
                Issue.record("accepted: \(assignments)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23514" && error.message.contains("\"\(rule)\""), "\(assignments): \(error)")
            }
        }
    }

    @Test func migrationsAreIdempotentAndRefuseANewerSchema() throws {
        let fixture = try EngineFixture()
        #expect(try Migrator(connection: fixture.connection, components: DRSchema.all).migrate().isEmpty)
        try Migrator(connection: fixture.connection, components: DRSchema.all).requireCurrentSchema()
        try fixture.connection.execute("""
            INSERT INTO ferry.schema_migrations (component, version, name, checksum) VALUES ('dr', 999, 'future', repeat('0', 64))
            """)
        #expect(throws: SchemaError.self) { try Migrator(connection: fixture.connection, components: DRSchema.all).migrate() }
        #expect(throws: SchemaError.self) { try Migrator(connection: fixture.connection, components: DRSchema.all).requireCurrentSchema() }
        // The engine alone does not look at the DR layer's rows.
        try Migrator(connection: fixture.connection).requireCurrentSchema()
    }

    /// The engine's schema and the DR layer's are separate components: the engine's migrations create no DR
    /// table, and the DR layer's come after them.
    @Test func theEngineSchemaHoldsEngineTablesOnly() throws {
        let connection = try PostgresConnection(connectionString: try TestDatabase.create())
        #expect(try Migrator(connection: connection).migrate().map(\.component) == Array(repeating: "engine", count: Schema.engine.latestVersion))
        let tables = try connection.query("SELECT tablename FROM pg_tables WHERE schemaname = 'ferry' ORDER BY 1").map { try $0.decode("tablename", as: String.self) }
        #expect(tables == ["events", "runs", "schedules", "schema_migrations", "semaphore_holders", "semaphore_waiters", "semaphores",
                           "step_checkpoints", "step_effects", "workers", "workflow_definitions"])
        #expect(try Migrator(connection: connection, components: DRSchema.all).migrate().map(\.description)
                == DRSchema.component.migrations.map { "dr \($0.version)" })
    }

    /// A database migrated before components (one sequence, versions 1-10) is converted, not migrated again:
    /// each version becomes the component migrations it was split into, with the time it was applied.
    @Test(arguments: [10, 9, 6])
    func aDatabaseMigratedBeforeComponentsIsConverted(legacyVersion: Int) throws {
        let connection = try PostgresConnection(connectionString: try TestDatabase.create())
        // Build the schema the old sequence up to `legacyVersion` built, then record it as that sequence did.
        let built = DRSchema.all.map { component in
            SchemaComponent(name: component.name, migrations: component.migrations.filter { ($0.legacyVersion ?? .max) <= legacyVersion })
        }
        try Migrator(connection: connection, components: built).migrate()
        try connection.executeScript(unsafeSQL: """
            DROP TABLE ferry.schema_migrations;
            CREATE TABLE ferry.schema_migrations (
                version integer PRIMARY KEY CHECK (version > 0), name text NOT NULL,
                checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'), applied_at timestamptz NOT NULL DEFAULT now());
            """)
        for version in 1...legacyVersion {
            try connection.execute("""
                INSERT INTO ferry.schema_migrations (version, name, checksum, applied_at)
                VALUES (\(version), 'old', \(Migrator.legacyChecksums[version]!), '2026-11-01T00:00:00Z')
                """)
        }
        #expect(throws: SchemaError.self) { try Migrator(connection: connection, components: DRSchema.all).requireCurrentSchema() }
        #expect(throws: SchemaError.self, "the engine alone cannot convert a history it only partly knows") {
            try Migrator(connection: connection).migrate()
        }
        let applied = try Migrator(connection: connection, components: DRSchema.all).migrate()
        let expected = DRSchema.all.flatMap { component in
            component.migrations.filter { ($0.legacyVersion ?? .max) > legacyVersion }.map { MigrationID(component: component.name, version: $0.version) }
        }
        #expect(applied == expected, "only what the old sequence had not applied runs")
        try Migrator(connection: connection, components: DRSchema.all).requireCurrentSchema()
        let converted = try connection.query("""
            SELECT count(*)::int AS rows FROM ferry.schema_migrations WHERE applied_at = '2026-11-01T00:00:00Z'
            """).first!.decode("rows", as: Int.self)
        #expect(converted == DRSchema.all.flatMap(\.migrations).filter { ($0.legacyVersion ?? .max) <= legacyVersion }.count)
    }

    @Test func aLegacyMigrationWithOtherContentsIsRefused() throws {
        let connection = try PostgresConnection(connectionString: try TestDatabase.create())
        try connection.executeScript(unsafeSQL: """
            CREATE SCHEMA ferry;
            CREATE TABLE ferry.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            INSERT INTO ferry.schema_migrations (version, name, checksum) VALUES (1, 'engine', repeat('a', 64));
            """)
        #expect {
            try Migrator(connection: connection, components: DRSchema.all).migrate()
        } throws: { error in "\(error)".contains("migration 1 was applied with different contents") }
    }

    @Test func concurrentMigrationsApplyOnce() throws {
        let url = try TestDatabase.create()
        let results = Mutex<[Result<[MigrationID], any Error>]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let result = Result { try Migrator(connection: try PostgresConnection(connectionString: url), components: DRSchema.all).migrate() }

            results.withLock { $0.append(result) }
        }
        let applied = try results.withLock { try $0.map { try $0.get() } }
        #expect(applied.filter { !$0.isEmpty }.count == 1)
    }
}

import Synchronization
import FerryDRSchema
import FerrySchema
