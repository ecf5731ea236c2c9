// A worker for the crash tests: the real engine `Worker`, plus actions whose side effects land in a
// table of their own (`crash_test_effects`), so the tests can count how often each step's effect ran.
//
//   ferry-crash-test-worker DATABASE_URL WORKFLOWS_DIR WORKER_ID LEASE_SECONDS
//
// FERRY_CRASH_POINT=after_effect:STEP kills the process with SIGKILL right after STEP's side effect (before its
// checkpoint); before_effect:STEP kills it when STEP starts (after the previous step's checkpoint);
// after_confirm:STEP kills it after a compensation step confirmed its effect in the ledger (before its checkpoint).
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Logging

let arguments = CommandLine.arguments
guard arguments.count == 5, let leaseSeconds = Double(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: ferry-crash-test-worker DATABASE_URL WORKFLOWS_DIR WORKER_ID LEASE_SECONDS\n".utf8))
    exit(2)
}
let databaseURL = arguments[1]

@Sendable func crash(if point: String) {
    if ProcessInfo.processInfo.environment["FERRY_CRASH_POINT"] == point { kill(getpid(), SIGKILL) }
}

let effect = ClosureStepAction { context in
    crash(if: "before_effect:\(context.stepName)")
    let connection = try PostgresConnection(connectionString: databaseURL, applicationName: "crash-test-effect")
    try connection.execute("""
        INSERT INTO crash_test_effects (run_id, step_name) VALUES (\(context.runID), \(context.stepName))
        ON CONFLICT (run_id, step_name) DO UPDATE SET executions = crash_test_effects.executions + 1
        """)
    crash(if: "after_effect:\(context.stepName)")
    return .done(["step": .string(context.stepName)])
}
let waitOnce = ClosureStepAction { context in
    context.polls == 0 ? .notYet("waiting once") : .done(["polls": .number(Double(context.polls))])
}

// The compensate-test workflow's actions.

/// Counts one more execution of the step's side effect.
@Sendable func recordEffect(_ context: StepContext, on connection: PostgresConnection) throws {
    try connection.execute("""
        INSERT INTO crash_test_effects (run_id, step_name) VALUES (\(context.runID), \(context.stepName))
        ON CONFLICT (run_id, step_name) DO UPDATE SET executions = crash_test_effects.executions + 1
        """)
}

/// Records its effect; fails terminally when input.fail_at names the step, waits when input.wait_at does.
let step = ClosureStepAction { context in
    crash(if: "before_effect:\(context.stepName)")
    if context.input["fail_at"]?.stringValue == context.stepName {
        throw StepFailure.terminal("\(context.stepName) failed as the input asked")
    }
    if context.input["wait_at"]?.stringValue == context.stepName { return .notYet("waiting as the input asked") }
    try recordEffect(context, on: try PostgresConnection(connectionString: databaseURL, applicationName: "crash-test-effect"))
    crash(if: "after_effect:\(context.stepName)")
    return .done(["step": .string(context.stepName)])
}

/// Takes a permit of input.semaphore (of input.permits, default 1), or waits in line for one.
let holdPermit = ClosureStepAction { context in
    guard let semaphore = context.input["semaphore"]?.stringValue else { return .done(["permit": .null]) }
    let grant = try context.session.acquirePermit(of: semaphore, permits: context.input["permits"]?.intValue ?? 1)
    guard grant.acquired else {
        return .notYet("waiting for a permit of \(semaphore): \(grant.inUse) of \(grant.permits) in use")
    }
    return .done(["permit": .string(semaphore)])
}

/// A compensation step: records its effect once through the effects ledger (intent, effect, confirmation),
/// with how many permits the run held meanwhile. Fails terminally while crash_test_failing_steps names it.
let undo = ClosureStepAction { context in
    guard let stopped = context.compensation else {
        throw StepFailure.terminal("\(context.stepName) was performed while the run had not stopped")
    }
    crash(if: "before_effect:\(context.stepName)")
    let connection = try PostgresConnection(connectionString: databaseURL, applicationName: "crash-test-effect")
    let failing: Int = try connection.query("""
        SELECT count(*) AS failing FROM crash_test_failing_steps WHERE step_name = \(context.stepName)
        """).first!.decode("failing")
    if failing > 0 { throw StepFailure.terminal("\(context.stepName) failed as the test asked") }
    if try context.session.effects("test.undo").contains(where: { $0.target == context.stepName && $0.confirmedAt != nil }) {
        return .done(["undone": .string(context.stepName), "found_confirmed": true])
    }
    let held: Int = try connection.query("""
        SELECT count(*) AS held FROM ferry.semaphore_holders WHERE run_id = \(context.runID)
        """).first!.decode("held")
    let effect = StepEffect(effect: "test.undo", target: context.stepName, detail: [
        "stopped_at_step": .number(Double(stopped.stoppedAtStep)), "ends_as": .string(stopped.endsAs.rawValue),
        "reason": .string(stopped.reason), "permits_held": .number(Double(held)),
    ])
    try context.session.intend(effect)
    try recordEffect(context, on: connection)
    crash(if: "after_effect:\(context.stepName)")
    try context.session.confirm(effect)
    crash(if: "after_confirm:\(context.stepName)")
    return .done(["undone": .string(context.stepName)])
}

let handle = WorkerHandle()
TerminationSignals.handle { _ in handle.stop() }
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}
do {
    try handle.run(Worker(
        configuration: WorkerConfiguration(workerID: arguments[3], concurrency: 2, leaseSeconds: leaseSeconds,
                                           databaseURL: databaseURL, idleSeconds: 0.5),
        catalog: try WorkflowCatalog.load(directory: arguments[2], contracts: CrashTestWorkflows.contracts(
            effect: effect, waitOnce: waitOnce, step: step, holdPermit: holdPermit, undo: undo)),
        logger: Logger(label: "crash-test-worker")
    ))
} catch {
    FileHandle.standardError.write(Data("crash-test-worker: \(error)\n".utf8))
    exit(1)
}
