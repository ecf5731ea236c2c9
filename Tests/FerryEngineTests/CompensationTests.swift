import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine

/// Compensation steps as a workflow file declares them, and which a stop at each step performs.
struct CompensationDefinitionTests {
    static let contracts = WorkflowContracts.declaring(
        "undo", steps: ["a", "b", "c", "d"], compensation: ["undo_bc", "undo_all", "undo_d"], repeats: ["b": "n"])

    static let source = """
        name: undo
        defaults:
          retry: {max_attempts: 4}
          timeout: 2h
        steps:
          - {name: a}
          - {name: b}
          - {name: c}
          - {name: d}
        compensation:
          - name: undo_bc
            from: b
            through: c
            poll: {initial_interval: 1m, max_interval: 10m}
          - name: undo_all
            from: a
          - name: undo_d
            from: d
            through: d
            timeout: 6h
        """

    @Test func parsesRangesAndPoliciesInheritingTheDefaults() throws {
        let definition = try WorkflowDefinition.parse(source: Self.source, file: "undo.yaml", contracts: Self.contracts)
        let retry = StepRetryPolicy(maxAttempts: 4, initialBackoff: 1, maxBackoff: 300, multiplier: 2)
        #expect(definition.compensation == [
            CompensationStep(step: StepDefinition(name: "undo_bc", retry: retry,
                                                  poll: StepPollPolicy(initialInterval: 60, maxInterval: 600, multiplier: 2),
                                                  timeout: 7200, repeatCountInput: nil),
                             from: "b", through: "c"),
            CompensationStep(step: StepDefinition(name: "undo_all", retry: retry, poll: .standard, timeout: 7200, repeatCountInput: nil),
                             from: "a", through: nil),
            CompensationStep(step: StepDefinition(name: "undo_d", retry: retry, poll: .standard, timeout: 21600, repeatCountInput: nil),
                             from: "d", through: "d"),
        ])
        #expect(definition.steps.map(\.name) == ["a", "b", "c", "d"], "compensation steps are not steps of the plan")
    }

    @Test func aWorkflowWithoutCompensationHasNone() throws {
        let definition = try WorkflowDefinition.parse(source: "name: plain\nsteps: [{name: a}]\n",
                                                      file: "plain.yaml", contracts: .declaring("plain", steps: ["a"]))
        #expect(definition.compensation.isEmpty)
        let plan = try definition.plan(input: [:])
        #expect(definition.compensatedStops(plan: plan) == [])
        #expect(definition.compensationPlan(stoppedAt: 0, plan: plan) == [])
    }

    /// Which compensation steps a stop at each step of the plan performs, in the order the file lists them;
    /// a repeated step's range spans all its repeats.
    @Test(arguments: [
        (2, [0: ["undo_all"], 1: ["undo_bc", "undo_all"], 2: ["undo_bc", "undo_all"], 3: ["undo_bc", "undo_all"], 4: ["undo_all", "undo_d"]]),
        (1, [0: ["undo_all"], 1: ["undo_bc", "undo_all"], 2: ["undo_bc", "undo_all"], 3: ["undo_all", "undo_d"]]),
    ])
    func compensationPlanPerStop(repeats: Int, expected: [Int: [String]]) throws {
        let definition = try WorkflowDefinition.parse(source: Self.source, file: "undo.yaml", contracts: Self.contracts)
        let plan = try definition.plan(input: ["n": .number(Double(repeats))])
        #expect(plan.count == expected.count)
        for stop in plan.indices {
            #expect(definition.compensationPlan(stoppedAt: stop, plan: plan).map(\.name) == expected[stop], "stopped at \(plan[stop].name)")
        }
        #expect(definition.compensatedStops(plan: plan) == Array(plan.indices))
    }

    @Test func compensatedStopsAreTheStepsSomeRangeCovers() throws {
        let definition = try WorkflowDefinition.parse(source: """
            name: narrow
            steps:
              - {name: a}
              - {name: b}
              - {name: c}
              - {name: d}
            compensation:
              - {name: undo_b, from: b, through: b}
              - {name: undo_c, from: c, through: c}
            """, file: "narrow.yaml", contracts: .declaring("narrow", steps: ["a", "b", "c", "d"], compensation: ["undo_b", "undo_c"], repeats: ["b": "n"]))
        let plan = try definition.plan(input: ["n": 3]) // a, b.1, b.2, b.3, c, d
        #expect(definition.compensatedStops(plan: plan) == [1, 2, 3, 4])
        #expect(definition.compensationPlan(stoppedAt: 0, plan: plan) == [])
        #expect(definition.compensationPlan(stoppedAt: 3, plan: plan).map(\.name) == ["undo_b"])
        #expect(definition.compensationPlan(stoppedAt: 4, plan: plan).map(\.name) == ["undo_c"])
        #expect(definition.compensationPlan(stoppedAt: 5, plan: plan) == [])
    }

    @Test func reportsEveryProblemWithFileAndLine() {
        let source = """
            name: bad
            steps:
              - {name: a}
              - {name: b}
            compensation:
              - name: a
                from: zzz
                through: yyy
              - name: undo
                from: b
                through: a
              - name: undo
                through: b
                repeat: input.n
              - just a string
            """
        #expect {
            try WorkflowDefinition.parse(source: source, file: "bad.yaml",
                                         contracts: .declaring("bad", steps: ["a", "b"], compensation: ["undo"]))
        } throws: { error in
            let problems = "\(error)".split(separator: "\n").map(String.init)
            return problems == [
                "bad.yaml:6: compensation[0].name: \"a\" is not a step of workflow bad (it declares: undo)",
                "bad.yaml:7: compensation[0].from: \"zzz\" is not a step of this workflow (steps: a, b)",
                "bad.yaml:8: compensation[0].through: \"yyy\" is not a step of this workflow (steps: a, b)",
                "bad.yaml:11: compensation[1].through: must not come before \"from\" (b)",
                "bad.yaml:12: compensation[2].name: \"undo\" is already the name of a compensation step",
                "bad.yaml:12: compensation[2]: missing required key \"from\"",
                "bad.yaml:14: compensation[2].repeat: unknown key (expected one of: from, name, poll, retry, through, timeout)",
                "bad.yaml:15: compensation[3]: expected a mapping, found the scalar \"just a string\"",
            ]
        }
    }
}

/// Compensation in the store: how a stop (a failure, a cancel at a boundary, in a park, or while waiting)
/// turns into compensation steps, and how the run ends.
@Suite(.enabled(if: TestDatabase.isAvailable, "\(TestDatabase.unavailableMessage)"))
struct CompensationStoreTests {
    // compensate-test: prepare(0) hold(1) make(2) park(3) finish(4); undo_make covers 2…4, undo_hold 1…3.

    func completion(_ claimed: ClaimedRun) -> StepCompletion {
        StepCompletion(output: ["ok": true], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt)
    }

    /// Starts a compensate-test run, claims it as `w1` and checkpoints its steps until it is at `step`.
    func runAt(step: Int, _ fixture: EngineFixture) throws -> (run: ClaimedRun, fence: LeaseFence) {
        try fixture.registerWorker("w1")
        _ = try fixture.start("compensate-test")
        var (run, fence) = try fixture.claim(as: "w1")
        while fence.stepIndex < step {
            guard case .running? = try fixture.store.checkpoint(completion(run), fence: fence, isLastStep: false) else {
                throw OperatorError(message: "the run did not go on")
            }
            fence = LeaseFence(runID: run.id, epoch: run.leaseEpoch, stepIndex: fence.stepIndex + 1,
                               stepName: ["prepare", "hold", "make", "park", "finish"][fence.stepIndex + 1], workerID: "w1")
        }
        return (run, fence)
    }

    func fence(_ run: ClaimedRun, _ index: Int, _ name: String) -> LeaseFence {
        LeaseFence(runID: run.id, epoch: run.leaseEpoch, stepIndex: index, stepName: name, workerID: "w1")
    }

    struct Row: Equatable {
        var status: String
        var stepIndex: Int
        var stoppedAtStep: Int?
        var endsAs: String?
        var stopReason: String?
        var lastError: String?
        var compensated: Bool
    }

    func row(_ fixture: EngineFixture, _ run: UUID) throws -> Row {
        let row = try #require(try fixture.connection.query("""
            SELECT status::text, step_index, stopped_at_step, ends_as::text, stop_reason, last_error, compensated_at IS NOT NULL AS compensated
            FROM ferry.runs WHERE id = \(run)
            """).first)
        return Row(status: try row.decode("status"), stepIndex: try row.decode("step_index"), stoppedAtStep: try row.decode("stopped_at_step"),
                   endsAs: try row.decode("ends_as"), stopReason: try row.decode("stop_reason"), lastError: try row.decode("last_error"),
                   compensated: try row.decode("compensated"))
    }

    func alerts(_ fixture: EngineFixture, _ run: UUID) throws -> [String] {
        try fixture.connection.query("SELECT message FROM ferry.alerts WHERE run_id = \(run) AND kind = 'run_failed' ORDER BY id")
            .map { try $0.decode("message") }
    }

    @Test func aRunRecordsTheStopsItsDefinitionCompensates() throws {
        let fixture = try EngineFixture()
        let undo = try fixture.start("compensate-test")
        let plain = try fixture.start("noop", input: ["steps": 3])
        #expect(try fixture.scalar("SELECT compensated_stops::text FROM ferry.runs WHERE id = \(undo)", as: String.self) == "{1,2,3,4}")
        #expect(try fixture.scalar("SELECT compensated_stops::text FROM ferry.runs WHERE id = \(plain)", as: String.self) == "{}")
    }

    @Test func aFailureAtACoveredStepPerformsItsCompensationThenFailsWithTheOriginalError() throws {
        let fixture = try EngineFixture()
        let (run, make) = try runAt(step: 2, fixture)
        let stale = LeaseFence(runID: run.id, epoch: run.leaseEpoch - 1, stepIndex: 2, stepName: "make", workerID: "w1")
        #expect(try fixture.store.beginCompensation(fence: stale, failedAttempts: 1, polls: 0, error: "boom") == nil, "fenced")
        #expect(try fixture.store.beginCompensation(fence: make, failedAttempts: 1, polls: 0, error: "boom") != nil)
        #expect(try row(fixture, run.id) == Row(status: "running", stepIndex: 5, stoppedAtStep: 2, endsAs: "failed", stopReason: "boom",
                                                lastError: nil, compensated: false))
        #expect(try fixture.store.beginCompensation(fence: make, failedAttempts: 1, polls: 0, error: "again") == nil, "stops once")
        #expect(try fixture.store.checkpoint(completion(run), fence: fence(run, 5, "undo_make"), isLastStep: false) != nil)
        #expect(try fixture.store.checkpoint(completion(run), fence: fence(run, 6, "undo_hold"), isLastStep: true) == .finished(.failed))
        #expect(try row(fixture, run.id) == Row(status: "failed", stepIndex: 7, stoppedAtStep: 2, endsAs: "failed", stopReason: "boom",
                                                lastError: "boom", compensated: true))
        #expect(try fixture.eventKinds(run.id) == [
            "run.created", "run.claimed", "step.completed", "step.completed", "run.compensating", "step.completed", "step.completed", "run.failed",
        ])
        #expect(try fixture.scalar("SELECT step_name FROM ferry.events WHERE run_id = \(run.id) AND kind = 'run.compensating'", as: String.self) == "make")
        let messages = try alerts(fixture, run.id)
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("Ferry compensate-test failed at step make: boom (what it had made was undone) — run ") == true, "\(messages)")
    }

    @Test func aCancelAtAStepBoundaryStopsAtTheNextStepAndCompensatesIt() throws {
        let fixture = try EngineFixture()
        let (run, hold) = try runAt(step: 1, fixture)
        #expect(try fixture.store.cancel(runID: run.id, actor: "bob") == .running, "asked to stop at the next boundary")
        let outcome = try fixture.store.checkpoint(completion(run), fence: hold, isLastStep: false)
        guard case .compensating(let stopped, _)? = outcome else { Issue.record("expected compensation, got \(String(describing: outcome))"); return }
        #expect(stopped == Compensation(stoppedAtStep: 2, endsAs: .cancelled, reason: "cancelled by bob"))
        #expect(try row(fixture, run.id) == Row(status: "running", stepIndex: 5, stoppedAtStep: 2, endsAs: "cancelled",
                                                stopReason: "cancelled by bob", lastError: nil, compensated: false))
        #expect(try fixture.store.checkpoint(completion(run), fence: fence(run, 5, "undo_make"), isLastStep: false) != nil)
        #expect(try fixture.store.checkpoint(completion(run), fence: fence(run, 6, "undo_hold"), isLastStep: true) == .finished(.cancelled))
        #expect(try row(fixture, run.id) == Row(status: "cancelled", stepIndex: 7, stoppedAtStep: 2, endsAs: "cancelled",
                                                stopReason: "cancelled by bob", lastError: nil, compensated: true))
        #expect(try fixture.connection.query("""
            SELECT kind, actor FROM ferry.events WHERE run_id = \(run.id) AND kind LIKE 'run.c%' ORDER BY id
            """).map { "\(try $0.decode("kind", as: String.self)) by \(try $0.decode("actor", as: String.self))" }
            == ["run.created by test", "run.claimed by w1", "run.cancel_requested by bob", "run.compensating by bob", "run.cancelled by bob"])
        #expect(try alerts(fixture, run.id) == [])
    }

    @Test(arguments: [0, 3])
    func aCancelHonouredWhenTheStepParks(at step: Int) throws {
        let fixture = try EngineFixture()
        let (run, parking) = try runAt(step: step, fixture)
        #expect(try fixture.store.cancel(runID: run.id, actor: "bob") == .running)
        #expect(try fixture.store.park(fence: parking, delay: 3600, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "x"))
        if step == 0 {
            // prepare has no compensation: the run ends at once.
            #expect(try row(fixture, run.id) == Row(status: "cancelled", stepIndex: 0, stoppedAtStep: nil, endsAs: nil, stopReason: nil,
                                                    lastError: nil, compensated: false))
            return
        }
        #expect(try row(fixture, run.id) == Row(status: "waiting", stepIndex: 5, stoppedAtStep: 3, endsAs: "cancelled",
                                                stopReason: "cancelled by bob", lastError: nil, compensated: false))
        #expect(try fixture.scalar("SELECT next_wake_at <= now() FROM ferry.runs WHERE id = \(run.id)", as: Bool.self) == true, "due now")
        #expect(try fixture.scalar("SELECT step_name FROM ferry.events WHERE run_id = \(run.id) AND kind = 'run.compensating'", as: String.self) == "park")
        let (again, next) = try fixture.claim(as: "w1")
        #expect(again.compensation == Compensation(stoppedAtStep: 3, endsAs: .cancelled, reason: "cancelled by bob"))
        #expect(again.stepIndex == 5 && next.stepName == "undo_make" && again.failedAttempts == 0 && again.polls == 0)
    }

    @Test func anOperatorCancelCompensatesAStartedRunAtACoveredStepAndEndsAnyOtherAtOnce() throws {
        let fixture = try EngineFixture()
        // Pending, never started: nothing to undo.
        let pending = try fixture.start("compensate-test")
        #expect(try fixture.store.cancel(runID: pending, actor: "alice") == .cancelled)
        #expect(try row(fixture, pending) == Row(status: "cancelled", stepIndex: 0, stoppedAtStep: nil, endsAs: nil, stopReason: nil,
                                                 lastError: nil, compensated: false))
        #expect(try fixture.eventKinds(pending) == ["run.created", "run.cancelled"])

        // Waiting at make (a retry): undone first.
        let (run, make) = try runAt(step: 2, fixture)
        #expect(try fixture.store.park(fence: make, delay: 3600, failedAttempts: 1, polls: 0, error: "flaky", kind: "step.retrying", reason: "flaky"))
        #expect(try fixture.store.cancel(runID: run.id, actor: "alice") == .waiting)
        #expect(try row(fixture, run.id) == Row(status: "waiting", stepIndex: 5, stoppedAtStep: 2, endsAs: "cancelled",
                                                stopReason: "cancelled by alice", lastError: "flaky", compensated: false))
        #expect(try fixture.scalar("SELECT next_wake_at <= now() FROM ferry.runs WHERE id = \(run.id)", as: Bool.self) == true)
        #expect(try fixture.scalar("""
            SELECT actor || ' ' || (detail->>'step_index') FROM ferry.events WHERE run_id = \(run.id) AND kind = 'run.compensating'
            """, as: String.self) == "alice 2")
        #expect {
            try fixture.store.cancel(runID: run.id, actor: "alice")
        } throws: { error in
            (error as? OperatorError)?.message == "run \(run.id.lowercasedString) is already being cancelled or undone"
        }
        let (again, next) = try fixture.claim(as: "w1")
        #expect(again.id == run.id && again.compensation == Compensation(stoppedAtStep: 2, endsAs: .cancelled, reason: "cancelled by alice"))
        #expect(next.stepName == "undo_make" && again.failedAttempts == 0)

        // Waiting at prepare, which nothing compensates: ends at once.
        let (early, prepare) = try runAt(step: 0, fixture)
        #expect(try fixture.store.park(fence: prepare, delay: 3600, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "x"))
        #expect(try fixture.store.cancel(runID: early.id, actor: "alice") == .cancelled)
    }

    @Test func aCompensatedRunCannotResumeOneWhoseUndoFailedResumesItsUndo() throws {
        let fixture = try EngineFixture()
        let (run, make) = try runAt(step: 2, fixture)
        #expect(try fixture.store.beginCompensation(fence: make, failedAttempts: 1, polls: 0, error: "boom") != nil)
        #expect(try fixture.store.checkpoint(completion(run), fence: fence(run, 5, "undo_make"), isLastStep: false) != nil)
        #expect(try fixture.store.fail(fence: fence(run, 6, "undo_hold"), failedAttempts: 1, polls: 0, error: "undoing failed: nope"))
        #expect(try row(fixture, run.id) == Row(status: "failed", stepIndex: 6, stoppedAtStep: 2, endsAs: "failed", stopReason: "boom",
                                                lastError: "undoing failed: nope", compensated: false))
        #expect(try alerts(fixture, run.id).first?.hasPrefix("Ferry compensate-test failed at step make: undoing failed: nope — run") == true)

        try fixture.store.resume(runID: run.id, actor: "carol")
        #expect(try row(fixture, run.id) == Row(status: "pending", stepIndex: 6, stoppedAtStep: 2, endsAs: "failed", stopReason: "boom",
                                                lastError: nil, compensated: false))
        let (again, undoHold) = try fixture.claim(as: "w1")
        #expect(again.compensation == Compensation(stoppedAtStep: 2, endsAs: .failed, reason: "boom"))
        #expect(undoHold.stepIndex == 6 && undoHold.stepName == "undo_hold")
        #expect(try fixture.store.checkpoint(completion(again), fence: undoHold, isLastStep: true) == .finished(.failed))
        #expect(try row(fixture, run.id) == Row(status: "failed", stepIndex: 7, stoppedAtStep: 2, endsAs: "failed", stopReason: "boom",
                                                lastError: "boom", compensated: true))
        #expect(try alerts(fixture, run.id).count == 2, "one alert per failure")
        #expect {
            try fixture.store.resume(runID: run.id, actor: "carol")
        } throws: { error in
            (error as? OperatorError)?.message
                == "run \(run.id.lowercasedString) cannot resume: what it had made was undone when it stopped; start a new run"
        }
        #expect(try fixture.status(run.id) == .failed)
    }

    /// An operator's cancel names no step; the alert of its failed undo names the step the run stopped at.
    @Test func theAlertOfAFailedUndoAfterACancelNamesTheStepTheRunStoppedAt() throws {
        let fixture = try EngineFixture()
        let (run, park) = try runAt(step: 3, fixture)
        #expect(try fixture.store.park(fence: park, delay: 3600, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "x"))
        #expect(try fixture.store.cancel(runID: run.id, actor: "alice") == .waiting)
        let (_, undoMake) = try fixture.claim(as: "w1")
        #expect(try fixture.store.fail(fence: undoMake, failedAttempts: 1, polls: 0, error: "undoing failed: nope"))
        let messages = try alerts(fixture, run.id)
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("Ferry compensate-test failed at step 4 of 5: undoing failed: nope — run") == true, "\(messages)")
    }

    /// A stopped run leaves the lines it waits in, and passes its turn on.
    @Test func aStoppedRunLeavesTheSemaphoreLineAndWakesTheNext() throws {
        let fixture = try EngineFixture()
        let (run, hold) = try runAt(step: 1, fixture)
        let holder = try fixture.start("noop")
        let behind = try fixture.start("noop")
        let holderFence = try fixture.claim(as: "w1").fence
        let behindFence = try fixture.claim(as: "w1").fence
        #expect(holderFence.runID == holder && behindFence.runID == behind)
        #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: holderFence).acquired)
        for fence in [hold, behindFence] {
            #expect(try fixture.store.acquirePermit(of: "pool", permits: 1, fence: fence).acquired == false)
            #expect(try fixture.store.park(fence: fence, delay: 3600, failedAttempts: 0, polls: 1, error: nil, kind: "step.waiting", reason: "x"))
        }
        try StepSession(store: fixture.store, fence: holderFence).releasePermit(of: "pool")
        func dueNow(_ id: UUID) throws -> Bool? { try fixture.scalar("SELECT next_wake_at <= now() FROM ferry.runs WHERE id = \(id)", as: Bool.self) }
        #expect(try dueNow(run.id) == true && dueNow(behind) == false, "the compensate-test run is first in line")
        #expect(try fixture.store.cancel(runID: run.id, actor: "alice") == .waiting, "stopped at hold, which undo_hold covers")
        #expect(try fixture.scalar("SELECT count(*) FROM ferry.semaphore_waiters WHERE run_id = \(run.id)", as: Int.self) == 0)
        #expect(try dueNow(behind) == true, "the permit is free for the run now first in line")
    }

    @Test func theSchemaRefusesAnInconsistentStop() throws {
        let fixture = try EngineFixture()
        let run = try fixture.start("compensate-test")
        func refused(_ sql: String, _ constraint: String) {
            do {
                try fixture.connection.execute(PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "$RUN", with: "'\(run.lowercasedString)'")))
                Issue.record("accepted: \(sql)")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23514" && error.message.contains(constraint), "\(error)")
            } catch {
                Issue.record("\(error)")
            }
        }
        refused("UPDATE ferry.runs SET stopped_at_step = 1 WHERE id = $RUN", "runs_compensation_complete")
        refused("UPDATE ferry.runs SET stopped_at_step = 1, ends_as = 'failed' WHERE id = $RUN", "runs_compensation_complete")
        refused("UPDATE ferry.runs SET stopped_at_step = 1, ends_as = 'succeeded', stop_reason = 'x' WHERE id = $RUN", "runs_ends_as_check")
        refused("UPDATE ferry.runs SET compensated_at = now() WHERE id = $RUN", "runs_compensated_when_finished")
        refused("""
            UPDATE ferry.runs SET stopped_at_step = 1, ends_as = 'failed', stop_reason = 'x', compensated_at = now() WHERE id = $RUN
            """, "runs_compensated_when_finished")
        refused("UPDATE ferry.runs SET step_index = 6 WHERE id = $RUN", "runs_step_in_range")
    }
}
