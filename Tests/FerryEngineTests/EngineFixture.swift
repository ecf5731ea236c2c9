import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryEngine
import FerryDRSchema

/// A fresh, migrated database with the crash-test workflows, for one test.
struct EngineFixture {
    let url: String
    let connection: PostgresConnection
    let store: RunStore
    let catalog: WorkflowCatalog

    static let crashTestWorkflows = URL(fileURLWithPath: #filePath)
        .appendingPathComponent("../../CrashTestWorker/workflows").standardized.path
    static let shippedWorkflows = URL(fileURLWithPath: #filePath)
        .appendingPathComponent("../../../workflows").standardized.path

    init() throws {
        url = try TestDatabase.create()
        connection = try PostgresConnection(connectionString: url)
        try Migrator(connection: connection, components: DRSchema.all).migrate()
        try connection.executeScript(unsafeSQL: """
            CREATE TABLE crash_test_effects (
                run_id uuid NOT NULL, step_name text NOT NULL, executions integer NOT NULL DEFAULT 1,
                PRIMARY KEY (run_id, step_name));
            CREATE TABLE crash_test_failing_steps (step_name text PRIMARY KEY);
            """)
        store = RunStore(connection: connection)
        let contracts = CrashTestWorkflows.declared
        let crash = try WorkflowCatalog.load(directory: Self.crashTestWorkflows, contracts: contracts)
        let noop = try WorkflowDefinition.load(path: Self.shippedWorkflows + "/noop.yaml", contracts: contracts)
        catalog = WorkflowCatalog(definitions: [crash.definition(named: "crash-test")!, crash.definition(named: "compensate-test")!, noop],
                                  contracts: contracts)
        try catalog.register(in: store)
    }

    func start(_ workflow: String, input: JSONValue = [:], key: String? = nil) throws -> UUID {
        try store.start(RunRequest(definition: catalog.definition(named: workflow)!, input: input, idempotencyKey: key, actor: "test")).runID
    }

    func registerWorker(_ id: String) throws {
        try store.registerWorker(id: id, hostname: "test", pid: 1, concurrency: 1)
    }

    func scalar<T: PostgresDecodable>(_ query: PostgresQuery, as: T.Type = T.self) throws -> T? {
        try connection.query(query).first.flatMap { row in try row.decode(row.columns[0], as: T?.self) }
    }

    func status(_ run: UUID) throws -> RunStatus? {
        try scalar("SELECT status::text FROM ferry.runs WHERE id = \(run)", as: String.self).flatMap(RunStatus.init(rawValue:))
    }

    /// Starts a crash-test worker process (the real engine Worker with counted side effects).
    /// `databaseURL` connects it as another role (default: the fixture's superuser).
    func startCrashTestWorker(id: String, leaseSeconds: Double = 30, crashPoint: String? = nil, databaseURL: String? = nil) throws -> Process {
        try FerryProcess.start(
            [databaseURL ?? url, Self.crashTestWorkflows, id, String(leaseSeconds)],
            environment: crashPoint.map { ["FERRY_CRASH_POINT": $0] } ?? [:],
            executable: FerryProcess.siblingBinary("FerryCrashTestWorker"),
            logFile: NSTemporaryDirectory() + "/\(id).log"
        )
    }
}

extension EngineFixture {
    /// The fence of a claimed run's current step, named as the worker names it (a compensation step once
    /// the run has stopped).
    func fence(of claimed: ClaimedRun, worker: String) throws -> LeaseFence {
        let definition = try catalog.definition(version: claimed.definitionVersion, store: store)
        var plan = try definition.plan(input: claimed.input)
        if let stopped = claimed.compensation {
            plan += definition.compensationPlan(stoppedAt: stopped.stoppedAtStep, plan: plan)
        }
        return LeaseFence(runID: claimed.id, epoch: claimed.leaseEpoch, stepIndex: claimed.stepIndex,
                          stepName: plan[claimed.stepIndex].name, workerID: worker)
    }

    /// Claims the run due longest as `worker`; fails the test if none is due.
    func claim(as worker: String, leaseSeconds: Double = 300) throws -> (run: ClaimedRun, fence: LeaseFence) {
        guard let claimed = try store.claim(workerID: worker, leaseSeconds: leaseSeconds) else {
            throw OperatorError(message: "no run was due for \(worker)")
        }
        return (claimed, try fence(of: claimed, worker: worker))
    }

    /// Makes the run's lease expire now, as if its worker had stopped heartbeating.
    func expireLease(of run: UUID) throws {
        try connection.execute("""
            UPDATE ferry.runs SET lease_expires_at = now(), next_wake_at = now() WHERE id = \(run) AND status = 'running'
            """)
    }

    /// A noop run the owner takes to its end: a checkpoint, its events and a confirmed effect (the deletion
    /// of `snapshot`); with `failing`, its one step fails instead, which queues its alert.
    func finishedRun(snapshot: String = "snap", failing: Bool = false) throws -> UUID {
        let run = try start("noop", input: ["steps": 1])
        try registerWorker("owner-worker")
        let (claimed, fence) = try claim(as: "owner-worker")
        guard claimed.id == run else { throw OperatorError(message: "claimed \(claimed.id), not the new run \(run)") }
        let effect = StepEffect(effect: "snapshot.delete", target: "us-east-1/\(snapshot)", detail: ["region": "us-east-1", "snapshot_id": .string(snapshot)])
        try store.intend(effect, fence: fence)
        try store.confirm(effect, runID: run)
        if failing {
            _ = try store.fail(fence: fence, failedAttempts: 1, polls: 0, error: "the step failed")
        } else {
            _ = try store.checkpoint(StepCompletion(output: ["ok": true], attempts: 1, polls: 0, startedAt: claimed.stepStartedAt), fence: fence, isLastStep: true)
        }
        return run
    }

    /// The names of the run's events, oldest first.
    func eventKinds(_ run: UUID) throws -> [String] {
        try connection.query("SELECT kind FROM ferry.events WHERE run_id = \(run) ORDER BY id").map { try $0.decode("kind") }
    }
}

extension WorkflowContracts {
    /// One workflow's contract, for reading workflow files only: its steps by name (each in `repeats`
    /// repeated by that input field) and its compensation steps, none of which may be performed.
    static func declaring(_ name: String, steps: [String], compensation: [String] = [], repeats: [String: String] = [:]) -> WorkflowContracts {
        let unperformed = ClosureStepAction { context in throw StepFailure.terminal("\(context.stepName) is declared only") }
        return WorkflowContracts([WorkflowContract(
            name, steps: steps.map { ContractStep($0, repeatCount: repeats[$0], unperformed) },
            compensation: compensation.map { ContractStep($0, unperformed) })])
    }
}

/// `statement` (one or more statements) as `connection` must be refused with `sqlState` (42501: not allowed).
func expectRefused(_ statement: String, as connection: PostgresConnection, sqlState: String = "42501",
                   sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try connection.executeScript(unsafeSQL: statement)
        Issue.record("\(statement) was allowed", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        #expect(error.sqlState == sqlState, "\(statement): \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(statement): \(error)", sourceLocation: sourceLocation)
    }
}
