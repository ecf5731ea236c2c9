import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// Compensation performed by real worker processes (the crash-test worker and its `compensate-test`
/// workflow): prepare(0) hold(1) make(2) park(3) finish(4); undo_make covers a stop at make…finish,
/// undo_hold one at hold…park. Compensation steps record their effect through the effects ledger.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct CompensationWorkerTests {
    /// The names of the run's checkpointed steps, in the order performed.
    func checkpoints(_ fixture: EngineFixture, _ run: UUID) throws -> [String] {
        try fixture.connection.query("SELECT step_name FROM ferry.step_checkpoints WHERE run_id = \(run) ORDER BY step_index")
            .map { try $0.decode("step_name") }
    }

    /// How often each step's side effect ran, by step name.
    func executions(_ fixture: EngineFixture, _ run: UUID) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try fixture.connection.query("""
            SELECT step_name, executions FROM crash_test_effects WHERE run_id = \(run)
            """).map { (try $0.decode("step_name", as: String.self), try $0.decode("executions", as: Int.self)) })
    }

    /// The run's ledger entries of the compensation steps: target, whether confirmed, and what they saw.
    func undone(_ fixture: EngineFixture, _ run: UUID) throws -> [String] {
        try fixture.connection.query("""
            SELECT target || ' ' || (confirmed_at IS NOT NULL)::text || ' stopped_at=' || (detail->>'stopped_at_step')
                || ' ends_as=' || (detail->>'ends_as') || ' permits_held=' || (detail->>'permits_held') AS entry
            FROM ferry.step_effects WHERE run_id = \(run) AND effect = 'test.undo' ORDER BY id
            """).map { try $0.decode("entry") }
    }

    func alerts(_ fixture: EngineFixture, _ run: UUID) throws -> [String] {
        try fixture.connection.query("SELECT message FROM ferry.alerts WHERE run_id = \(run) AND kind = 'run_failed' ORDER BY id")
            .map { try $0.decode("message") }
    }

    func finished(_ fixture: EngineFixture, _ run: UUID) throws -> Bool {
        try FerryProcess.waitUntil { try fixture.status(run)?.isFinished == true }
    }

    /// The run-level events that tell a stop from an end.
    func stopEvents(_ fixture: EngineFixture, _ run: UUID) throws -> [String] {
        try fixture.eventKinds(run).filter { ["run.compensating", "run.failed", "run.cancelled", "run.succeeded"].contains($0) }
    }

    @Test(arguments: [
        ("make", ["prepare", "hold", "undo_make", "undo_hold"]),
        ("finish", ["prepare", "hold", "make", "park", "undo_make"]),
        ("prepare", []),
    ])
    func aFailingRunUndoesWhatItMadeThenFailsWithItsOriginalError(failAt: String, performed: [String]) throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("compensate-test", input: ["fail_at": .string(failAt), "semaphore": "pool", "permits": 2])
        let worker = try fixture.startCrashTestWorker(id: "undoer")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try finished(fixture, run))
        let error = "\(failAt) failed as the input asked"
        #expect(try fixture.status(run) == .failed)
        #expect(try fixture.scalar("SELECT last_error FROM ferry.runs WHERE id = \(run)", as: String.self) == error)
        let messages = try alerts(fixture, run)
        #expect(messages.count == 1)
        if performed.isEmpty {
            // Nothing covers prepare: a plain failure, which an operator may resume.
            #expect(try checkpoints(fixture, run) == [])
            #expect(try stopEvents(fixture, run) == ["run.failed"])
            #expect(try fixture.scalar("SELECT compensated_at IS NULL AND stopped_at_step IS NULL FROM ferry.runs WHERE id = \(run)", as: Bool.self) == true)
            #expect(messages.first?.hasPrefix("Ferry compensate-test failed at step prepare: \(error) — run") == true, "\(messages)")
            try fixture.store.resume(runID: run, actor: "carol")
            return
        }
        #expect(try checkpoints(fixture, run) == performed, "the steps before the failure, then exactly the covered compensation steps, in order")
        #expect(try stopEvents(fixture, run) == ["run.compensating", "run.failed"])
        #expect(try fixture.scalar("SELECT compensated_at >= finished_at - interval '1 second' FROM ferry.runs WHERE id = \(run)", as: Bool.self) == true)
        let stoppedAt = failAt == "make" ? 2 : 4
        #expect(try fixture.scalar("SELECT stopped_at_step FROM ferry.runs WHERE id = \(run)", as: Int.self) == stoppedAt)
        #expect(messages.first?.hasPrefix("Ferry compensate-test failed at step \(failAt): \(error) (what it had made was undone) — run") == true,
                "\(messages)")
        let undoSteps = performed.filter { $0.hasPrefix("undo_") }
        #expect(try undone(fixture, run) == undoSteps.map { "\($0) true stopped_at=\(stoppedAt) ends_as=failed permits_held=1" },
                "each compensation step ran once, while the run still held its permit")
        #expect(try executions(fixture, run) == Dictionary(uniqueKeysWithValues: performed.filter { $0 != "hold" }.map { ($0, 1) }))
        #expect(try fixture.store.semaphores() == [SemaphoreUse(name: "pool", permits: 2, inUse: 0, waiting: 0)], "given back when it ended")
        #expect(throws: OperatorError.self) { try fixture.store.resume(runID: run, actor: "carol") }
    }

    @Test func anOperatorCancelOfAWaitingRunUndoesWhatItMadeThenCancels() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("compensate-test", input: ["wait_at": "park"])
        let worker = try fixture.startCrashTestWorker(id: "undoer")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil {
            try fixture.scalar("SELECT status = 'waiting' AND step_index = 3 FROM ferry.runs WHERE id = \(run)", as: Bool.self) == true
        })
        #expect(try fixture.store.cancel(runID: run, actor: "alice") == .waiting, "due now, to undo what it made")
        #expect(try finished(fixture, run))
        #expect(try fixture.status(run) == .cancelled)
        #expect(try fixture.connection.query("""
            SELECT last_error IS NULL AND compensated_at IS NOT NULL AND stop_reason = 'cancelled by alice' AND stopped_at_step = 3 AS ok
            FROM ferry.runs WHERE id = \(run)
            """).first?.decode("ok", as: Bool.self) == true)
        #expect(try checkpoints(fixture, run) == ["prepare", "hold", "make", "undo_make", "undo_hold"])
        #expect(try fixture.connection.query("""
            SELECT kind, actor FROM ferry.events WHERE run_id = \(run) AND kind IN ('run.compensating', 'run.cancelled') ORDER BY id
            """).map { "\(try $0.decode("kind", as: String.self)) by \(try $0.decode("actor", as: String.self))" }
            == ["run.compensating by alice", "run.cancelled by alice"])
        #expect(try undone(fixture, run) == ["undo_make true stopped_at=3 ends_as=cancelled permits_held=0",
                                             "undo_hold true stopped_at=3 ends_as=cancelled permits_held=0"])
        #expect(try alerts(fixture, run) == [], "a cancel is no failure")
        #expect(throws: OperatorError.self) { try fixture.store.resume(runID: run, actor: "alice") }
    }

    @Test func aFailedUndoIsResumedAndGoesOnUndoing() throws {
        let fixture = try EngineFixture()
        try fixture.connection.execute("INSERT INTO crash_test_failing_steps VALUES ('undo_hold')")
        let run = try fixture.start("compensate-test", input: ["fail_at": "make"])
        let worker = try fixture.startCrashTestWorker(id: "undoer")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try finished(fixture, run))
        #expect(try fixture.status(run) == .failed)
        #expect(try fixture.scalar("SELECT last_error FROM ferry.runs WHERE id = \(run)", as: String.self)
                == "undoing failed: undo_hold failed as the test asked (the run had stopped: make failed as the input asked)")
        #expect(try fixture.scalar("SELECT compensated_at IS NULL AND step_index = 6 FROM ferry.runs WHERE id = \(run)", as: Bool.self) == true)
        #expect(try checkpoints(fixture, run) == ["prepare", "hold", "undo_make"])

        try fixture.connection.execute("DELETE FROM crash_test_failing_steps")
        try fixture.store.resume(runID: run, actor: "carol")
        #expect(try FerryProcess.waitUntil {
            try fixture.scalar("SELECT compensated_at IS NOT NULL FROM ferry.runs WHERE id = \(run)", as: Bool.self) == true
        })
        #expect(try fixture.status(run) == .failed)
        #expect(try fixture.scalar("SELECT last_error FROM ferry.runs WHERE id = \(run)", as: String.self) == "make failed as the input asked")
        #expect(try checkpoints(fixture, run) == ["prepare", "hold", "undo_make", "undo_hold"], "went on where the undo had failed")
        #expect(try executions(fixture, run) == ["prepare": 1, "undo_make": 1, "undo_hold": 1])
        #expect(try stopEvents(fixture, run) == ["run.compensating", "run.failed", "run.failed"])
        let messages = try alerts(fixture, run)
        #expect(messages.count == 2)
        #expect(messages.last?.contains("failed at step make: make failed as the input asked (what it had made was undone)") == true, "\(messages)")
        #expect {
            try fixture.store.resume(runID: run, actor: "carol")
        } throws: { error in
            (error as? OperatorError)?.message.hasSuffix("cannot resume: what it had made was undone when it stopped; start a new run") == true
        }
    }

    /// A worker killed (SIGKILL) during a compensation step: another finishes the run; each compensation
    /// step is checkpointed once and its effect, recorded through the ledger, is not made again once confirmed.
    @Test(arguments: [
        ("before_effect:undo_make", ["undo_make": 1, "undo_hold": 1], false),
        ("after_effect:undo_make", ["undo_make": 2, "undo_hold": 1], false), // intended, made, not confirmed: made again
        ("after_confirm:undo_make", ["undo_make": 1, "undo_hold": 1], true),
        ("after_confirm:undo_hold", ["undo_make": 1, "undo_hold": 1], true),
    ])
    func killedDuringACompensationStep(crashPoint: String, expected: [String: Int], foundConfirmed: Bool) throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("compensate-test", input: ["fail_at": "make", "semaphore": "pool"])
        let doomed = try fixture.startCrashTestWorker(id: "doomed", crashPoint: crashPoint)
        doomed.waitUntilExit()
        #expect(doomed.terminationReason == .uncaughtSignal && doomed.terminationStatus == SIGKILL)
        #expect(try fixture.scalar("SELECT status = 'running' AND lease_owner = 'doomed' AND stopped_at_step = 2 FROM ferry.runs WHERE id = \(run)",
                                   as: Bool.self) == true, "killed while undoing")
        #expect(try fixture.scalar("SELECT in_use FROM ferry.semaphores WHERE name = 'pool'", as: Int.self) == 1, "the permit outlives the worker")
        try fixture.expireLease(of: run)
        let rescuer = try fixture.startCrashTestWorker(id: "rescuer")
        defer { #expect(FerryProcess.stop(rescuer)) }
        #expect(try finished(fixture, run))
        #expect(try fixture.status(run) == .failed)
        #expect(try fixture.scalar("SELECT compensated_at IS NOT NULL AND last_error = 'make failed as the input asked' FROM ferry.runs WHERE id = \(run)",
                                   as: Bool.self) == true)
        #expect(try checkpoints(fixture, run) == ["prepare", "hold", "undo_make", "undo_hold"])
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'step.completed'", as: Int.self) == 4,
                "no step completed twice")
        #expect(try stopEvents(fixture, run) == ["run.compensating", "run.failed"])
        #expect(try alerts(fixture, run).count == 1)
        #expect(try fixture.scalar("""
            SELECT count(*) FROM ferry.events WHERE run_id = \(run) AND kind = 'run.claimed' AND detail->>'took_over_from' = 'doomed'
            """, as: Int.self) == 1, "the rescuer took the run over")
        var effects = try executions(fixture, run)
        effects["prepare"] = nil
        #expect(effects == expected)
        #expect(try undone(fixture, run) == ["undo_make true stopped_at=2 ends_as=failed permits_held=1",
                                             "undo_hold true stopped_at=2 ends_as=failed permits_held=1"], "one ledger entry each, confirmed")
        let crashedStep = String(crashPoint.split(separator: ":")[1])
        #expect(try fixture.scalar("""
            SELECT (output->>'found_confirmed')::boolean IS TRUE FROM ferry.step_checkpoints WHERE run_id = \(run) AND step_name = \(crashedStep)
            """, as: Bool.self) == foundConfirmed)
        #expect(try fixture.store.semaphores() == [SemaphoreUse(name: "pool", permits: 1, inUse: 0, waiting: 0)])
    }

    /// A run holds its permit through its compensation and gives it back when that ends; the run waiting
    /// in line is woken then (its hold step asks again only every hour) and goes on.
    @Test func aPermitIsHeldThroughCompensationAndWakesTheNextRunWhenItEnds() throws {
        let fixture = try EngineFixture()
        let first = try fixture.start("compensate-test", input: ["semaphore": "pool", "wait_at": "park"])
        let worker = try fixture.startCrashTestWorker(id: "undoer")
        defer { #expect(FerryProcess.stop(worker)) }
        #expect(try FerryProcess.waitUntil {
            try fixture.scalar("SELECT status = 'waiting' AND step_index = 3 FROM ferry.runs WHERE id = \(first)", as: Bool.self) == true
        })
        let second = try fixture.start("compensate-test", input: ["semaphore": "pool"])
        #expect(try FerryProcess.waitUntil {
            try fixture.scalar("""
                SELECT r.status = 'waiting' AND r.next_wake_at > now() + interval '50 minutes'
                FROM ferry.runs r JOIN ferry.semaphore_waiters w ON w.run_id = r.id WHERE r.id = \(second)
                """, as: Bool.self) == true
        }, "refused, in line, parked for an hour")
        #expect(try fixture.store.cancel(runID: first, actor: "alice") == .waiting)
        #expect(try FerryProcess.waitUntil { try fixture.status(second) == .succeeded }, "woken when the first run ended")
        #expect(try fixture.status(first) == .cancelled)
        #expect(try undone(fixture, first) == ["undo_make true stopped_at=3 ends_as=cancelled permits_held=1",
                                               "undo_hold true stopped_at=3 ends_as=cancelled permits_held=1"])
        #expect(try fixture.scalar("""
            SELECT (SELECT min(id) FROM ferry.events WHERE run_id = \(second) AND kind = 'step.completed' AND step_name = 'hold')
                 > (SELECT id FROM ferry.events WHERE run_id = \(first) AND kind = 'run.cancelled')
            """, as: Bool.self) == true, "the second run got the permit only once the first had finished")
        #expect(try fixture.scalar("""
            SELECT count(*) FROM ferry.events WHERE run_id = \(second) AND kind = 'step.waiting' AND step_name = 'hold'
            """, as: Int.self) == 1)
        #expect(try fixture.store.semaphores() == [SemaphoreUse(name: "pool", permits: 1, inUse: 0, waiting: 0)])
    }
}
