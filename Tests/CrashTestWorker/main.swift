// A worker for the crash tests: the real engine `Worker`, plus actions whose side effects land in a
// table of their own (`crash_test_effects`), so the tests can count how often each step's effect ran.
//
//   ferry-crash-test-worker DATABASE_URL WORKFLOWS_DIR WORKER_ID LEASE_SECONDS
//
// FERRY_CRASH_POINT=after_effect:STEP kills the process with SIGKILL right after STEP's side effect (before its
// checkpoint); before_effect:STEP kills it when STEP starts (after the previous step's checkpoint).
import FerryEngine
import FerryPostgres
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

var actions = ActionRegistry()
BuiltinActions.register(into: &actions)
actions.register("test.effect", ClosureStepAction { context in
    crash(if: "before_effect:\(context.stepName)")
    let connection = try PostgresConnection(connectionString: databaseURL, applicationName: "crash-test-effect")
    try connection.execute("""
        INSERT INTO crash_test_effects (run_id, step_name) VALUES (\(context.runID), \(context.stepName))
        ON CONFLICT (run_id, step_name) DO UPDATE SET executions = crash_test_effects.executions + 1
        """)
    crash(if: "after_effect:\(context.stepName)")
    return .done(["step": .string(context.stepName)])
})
actions.register("test.wait_once", ClosureStepAction { context in
    context.polls == 0 ? .notYet("waiting once") : .done(["polls": .number(Double(context.polls))])
})

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
        catalog: try WorkflowCatalog.load(directory: arguments[2], knownActions: actions.names),
        actions: actions, logger: Logger(label: "crash-test-worker")
    ))
} catch {
    FileHandle.standardError.write(Data("crash-test-worker: \(error)\n".utf8))
    exit(1)
}
