import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// Workers are killed with SIGKILL at chosen and random points; another worker finishes every run, and
/// each step's side effect happened exactly once per checkpoint.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct CrashRecoveryTests {
    /// The invariants that must hold once every run has finished.
    func assertEveryStepOnce(_ fixture: EngineFixture, runs: [UUID], effectSteps: Int) throws {
        for run in runs {
            #expect(try fixture.status(run) == .succeeded)
        }
        let stepsPerRun = 2 + effectSteps
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.step_checkpoints", as: Int.self) == runs.count * stepsPerRun)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE kind = 'step.completed'", as: Int.self) == runs.count * stepsPerRun,
                "no step was completed twice")
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE kind = 'run.succeeded'", as: Int.self) == runs.count,
                "no run finished twice")
        // Effects: one row per checkpointed effect step, and no effect without its checkpoint.
        #expect(try fixture.scalar("""
            SELECT count(*) FROM crash_test_effects e
            FULL JOIN (SELECT * FROM ferry.step_checkpoints WHERE step_name <> 'wait') c
                ON c.run_id = e.run_id AND c.step_name = e.step_name
            WHERE e.run_id IS NULL OR c.run_id IS NULL
            """, as: Int.self) == 0)
    }

    func waitForAll(_ fixture: EngineFixture, _ runs: [UUID]) throws {
        let finished = try FerryProcess.waitUntil {
            try fixture.scalar("SELECT count(*) FROM ferry.runs WHERE status = 'succeeded'", as: Int.self) == runs.count
        }
        #expect(finished, "every run finished")
    }

    /// Makes the killed worker's leases expire now, as they would after the lease period.
    func expireLeases(of worker: String, _ fixture: EngineFixture) throws {
        try fixture.connection.execute("""
            UPDATE ferry.runs SET lease_expires_at = now(), next_wake_at = now() WHERE lease_owner = \(worker) AND status = 'running'
            """)
    }

    @Test(arguments: [
        // Killed after the side effect, before the checkpoint: the step runs again, its effect is idempotent.
        "after_effect:first", "after_effect:effect.2",
        // Killed after a checkpoint, before the next step did anything.
        "before_effect:effect.1", "before_effect:effect.3",
    ])
    func killedAtAChosenPoint(crashPoint: String) throws {
        let fixture = try EngineFixture()
        let runs = try (0..<3).map { _ in try fixture.start("crash-test", input: ["steps": 3]) }
        let doomed = try fixture.startCrashTestWorker(id: "doomed", crashPoint: crashPoint)
        doomed.waitUntilExit()
        #expect(doomed.terminationReason == .uncaughtSignal && doomed.terminationStatus == SIGKILL)
        let stepName = String(crashPoint.split(separator: ":")[1])
        let interrupted = try fixture.scalar("SELECT count(*) FROM ferry.runs WHERE lease_owner = 'doomed'", as: Int.self) ?? 0
        #expect(interrupted >= 1, "the killed worker held a run")
        if crashPoint.hasPrefix("after_effect") {
            #expect(try fixture.scalar("""
                SELECT count(*) FROM crash_test_effects e WHERE step_name = \(stepName)
                AND NOT EXISTS (SELECT 1 FROM ferry.step_checkpoints c WHERE c.run_id = e.run_id AND c.step_name = e.step_name)
                """, as: Int.self)! >= 1, "an effect happened whose checkpoint did not")
        }
        try expireLeases(of: "doomed", fixture)
        let rescuer = try fixture.startCrashTestWorker(id: "rescuer")
        defer { #expect(FerryProcess.stop(rescuer)) }
        try waitForAll(fixture, runs)
        try assertEveryStepOnce(fixture, runs: runs, effectSteps: 3)
        #expect(try fixture.scalar("""
            SELECT count(*) FROM ferry.events WHERE kind = 'run.claimed' AND detail->>'took_over_from' = 'doomed'
            """, as: Int.self)! >= 1, "the audit log shows the takeover")
        if crashPoint.hasPrefix("after_effect") {
            #expect(try fixture.scalar("SELECT max(executions) FROM crash_test_effects WHERE step_name = \(stepName)", as: Int.self) == 2,
                    "the interrupted step ran again and found its effect")
        }
    }

    @Test func killedWhileRunsWait() throws {
        let fixture = try EngineFixture()
        let runs = try (0..<4).map { _ in try fixture.start("crash-test", input: ["steps": 1]) }
        // The wait step parks each run for 100 ms; stall the wake-up so the kill lands while they wait.
        try fixture.connection.execute("CREATE FUNCTION hold_parked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.status = 'waiting' THEN NEW.next_wake_at := now() + interval '1 hour'; END IF; RETURN NEW; END $$")
        try fixture.connection.execute("CREATE TRIGGER hold_parked BEFORE UPDATE ON ferry.runs FOR EACH ROW EXECUTE FUNCTION hold_parked()")
        let worker = try fixture.startCrashTestWorker(id: "killed-while-waiting")
        #expect(try FerryProcess.waitUntil {
            try fixture.scalar("SELECT count(*) FROM ferry.runs WHERE status = 'waiting'", as: Int.self) == runs.count
        })
        kill(worker.processIdentifier, SIGKILL)
        worker.waitUntilExit()
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.runs WHERE lease_owner IS NOT NULL", as: Int.self) == 0,
                "a waiting run holds no lease, so nothing is lost with the worker")
        try fixture.connection.execute("DROP TRIGGER hold_parked ON ferry.runs")
        try fixture.connection.execute("UPDATE ferry.runs SET next_wake_at = now() WHERE status = 'waiting'")
        let rescuer = try fixture.startCrashTestWorker(id: "after-wait")
        defer { #expect(FerryProcess.stop(rescuer)) }
        try waitForAll(fixture, runs)
        try assertEveryStepOnce(fixture, runs: runs, effectSteps: 1)
    }

    /// Several workers, killed and replaced at random moments, with real lease expiry (1 s).
    @Test func killedAtRandomPoints() throws {
        let fixture = try EngineFixture()
        let runs = try (0..<60).map { _ in try fixture.start("crash-test", input: ["steps": 4]) }
        var generator = SystemRandomNumberGenerator()
        var workers: [Process] = []
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        var killedHolding: Set<String> = []
        for round in 0..<6 {
            let id = "random-\(round)"
            let worker = try fixture.startCrashTestWorker(id: id, leaseSeconds: 1)
            workers.append(worker)
            // Killed at a random moment once it holds runs: mid-step, mid-checkpoint, between runs.
            _ = try FerryProcess.waitUntil(seconds: 30) { try fixture.scalar("SELECT count(*) FROM ferry.runs WHERE lease_owner = \(id)", as: Int.self)! > 0 }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.3, using: &generator))
            kill(worker.processIdentifier, SIGKILL)
            worker.waitUntilExit()
            if try fixture.scalar("SELECT count(*) FROM ferry.runs WHERE lease_owner = \(id) AND status = 'running'", as: Int.self)! > 0 {
                killedHolding.insert(id)
            }
        }
        workers.append(try fixture.startCrashTestWorker(id: "survivor-a", leaseSeconds: 1))
        workers.append(try fixture.startCrashTestWorker(id: "survivor-b", leaseSeconds: 1))
        try waitForAll(fixture, runs)
        try assertEveryStepOnce(fixture, runs: runs, effectSteps: 4)
        // Every worker that died holding a run had it taken over once its lease expired.
        let tookOverFrom = Set(try fixture.connection.query("""
            SELECT DISTINCT detail->>'took_over_from' AS previous FROM ferry.events
            WHERE kind = 'run.claimed' AND detail->>'took_over_from' IS NOT NULL AND run_id = ANY(\(runs.map(\.lowercasedString))::uuid[])
            """).map { try $0.decode("previous", as: String.self) })
        #expect(tookOverFrom.isSuperset(of: killedHolding), "taken over from \(tookOverFrom.sorted()); killed holding \(killedHolding.sorted())")
    }

    /// Three workers race on the same runs; each step completes once.
    @Test func workersRacing() throws {
        let fixture = try EngineFixture()
        let runs = try (0..<30).map { _ in try fixture.start("crash-test", input: ["steps": 3]) }
        let workers = try (0..<3).map { try fixture.startCrashTestWorker(id: "racer-\($0)") }
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        try waitForAll(fixture, runs)
        try assertEveryStepOnce(fixture, runs: runs, effectSteps: 3)
        #expect(try fixture.scalar("SELECT max(executions) FROM crash_test_effects", as: Int.self) == 1, "no effect repeated without a crash")
    }

    /// A step busy for longer than the lease keeps its lease: heartbeats do not wait for step work.
    @Test func heartbeatKeepsALongStepsLease() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("noop", input: ["steps": 2, "sleep_ms": 3000])
        let holder = try fixture.startCrashTestWorker(id: "holder", leaseSeconds: 1)
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .running })
        let thief = try fixture.startCrashTestWorker(id: "thief", leaseSeconds: 1)
        defer { #expect(FerryProcess.stop(holder)); #expect(FerryProcess.stop(thief)) }
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .succeeded })
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'run.claimed'", as: Int.self) == 1,
                "nobody took over a run whose worker was alive")
        #expect(try fixture.scalar("SELECT count(DISTINCT worker_id) FROM ferry.step_checkpoints WHERE run_id = \(run)", as: Int.self) == 1)
    }

    /// A frozen worker (SIGSTOP) loses its lease; when it thaws, its writes land nowhere.
    @Test func frozenWorkerLosesItsLease() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("noop", input: ["steps": 4, "sleep_ms": 400])
        let frozen = try fixture.startCrashTestWorker(id: "frozen", leaseSeconds: 1)
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .running })
        kill(frozen.processIdentifier, SIGSTOP)
        let rescuer = try fixture.startCrashTestWorker(id: "rescuer", leaseSeconds: 1)
        defer { #expect(FerryProcess.stop(rescuer)) }
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .succeeded })
        kill(frozen.processIdentifier, SIGCONT)
        // Thawed, it finishes the step it was in and checkpoints it under its old epoch: the write matches no row.
        let frozenLog = NSTemporaryDirectory() + "/frozen.log"
        #expect(try FerryProcess.waitUntil {
            (try? String(contentsOfFile: frozenLog, encoding: .utf8))?.contains("lease lost") == true
        }, "the thawed worker attempted its stale write and was refused")
        #expect(FerryProcess.stop(frozen))
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.step_checkpoints WHERE run_id = \(run)", as: Int.self) == 4)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'step.completed'", as: Int.self) == 4)
        #expect(try fixture.scalar("""
            SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'run.claimed' AND detail->>'took_over_from' = 'frozen'
            """, as: Int.self) == 1)
        #expect(try fixture.status(run) == .succeeded, "the stale worker changed nothing")
    }

    /// The database drops every worker connection, again and again: workers reconnect, nothing is lost or
    /// done twice.
    @Test func databaseConnectionsDroppedUnderTheWorkers() throws {
        let fixture = try EngineFixture()
        let runs = try (0..<20).map { _ in try fixture.start("crash-test", input: ["steps": 3]) }
        let workers = try (0..<2).map { try fixture.startCrashTestWorker(id: "reconnecting-\($0)", leaseSeconds: 2) }
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        for _ in 0..<10 {
            Thread.sleep(forTimeInterval: 0.1)
            try fixture.connection.execute("""
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'ferry-%'
                """)
        }
        try waitForAll(fixture, runs)
        try assertEveryStepOnce(fixture, runs: runs, effectSteps: 3)
        let alive = workers.filter { $0.isRunning }.count
        #expect(alive == workers.count, "the workers survived")
    }

    /// PostgreSQL is gone for longer than the lease while a long step runs (12 s, lease 2 s). When it is back,
    /// the worker's idle slot takes the expired run over while the first slot still sleeps; that slot then
    /// finds its lease lost, and its clean-up must not take the new lease with it (held leases are keyed by
    /// run and epoch). Keyed by run alone, the new lease expired unheartbeaten and the run was taken over
    /// again and again, never finishing.
    @Test func aDatabaseOutageLongerThanTheLeaseDoesNotLivelockTheRun() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("noop", input: ["steps": 1, "sleep_ms": 12000])
        let worker = try fixture.startCrashTestWorker(id: "outage", leaseSeconds: 2)
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil { try fixture.status(run) == .running })
        let name = try #require(try fixture.scalar("SELECT current_database()", as: String.self))
        let admin = try PostgresConnection(connectionString: try #require(TestDatabase.serverURL))
        try admin.executeScript(unsafeSQL: "ALTER DATABASE \(name) ALLOW_CONNECTIONS false")
        try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(name)")
        Thread.sleep(forTimeInterval: 3.5) // longer than the lease: it expires
        try admin.executeScript(unsafeSQL: "ALTER DATABASE \(name) ALLOW_CONNECTIONS true")
        _ = try? fixture.connection.execute("SELECT 1") // the fixture's own connection was dropped too: it reconnects after this
        #expect(try FerryProcess.waitUntil(seconds: 90) { try fixture.status(run) == .succeeded })
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'run.claimed'", as: Int.self) == 2,
                "claimed once, and taken over once after the outage")
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'step.completed'", as: Int.self) == 1)
    }

    @Test func sigtermReleasesHeldRunsAndExitsZero() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("noop", input: ["steps": 50, "sleep_ms": 100])
        let worker = try fixture.startCrashTestWorker(id: "graceful")
        #expect(try FerryProcess.waitUntil { try fixture.scalar("SELECT step_index FROM ferry.runs WHERE id = \(run)", as: Int.self)! >= 1 })
        #expect(FerryProcess.stop(worker), "SIGTERM stops the worker")
        #expect(worker.terminationReason == .exit && worker.terminationStatus == 0)
        #expect(try fixture.status(run) == .waiting)
        #expect(try fixture.scalar("SELECT lease_owner FROM ferry.runs WHERE id = \(run)", as: String.self) == nil)
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'run.released'", as: Int.self) == 1)
        #expect(try fixture.scalar("SELECT stopped_at IS NOT NULL FROM ferry.workers WHERE id = 'graceful'", as: Bool.self) == true)
    }
}
