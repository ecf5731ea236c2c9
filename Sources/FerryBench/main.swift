// ferry-bench: the engine's throughput on a real PostgreSQL. Starts N runs of the no-op workflow, performs
// them with one worker of W slots, and prints workflows/s, steps/s, the step-checkpoint latency and the
// PostgreSQL commits per step (from pg_stat_database). `scripts/bench` runs it on a throwaway cluster.
import ArgumentParser
import FerryEngine
import FerryPostgres
import Foundation
import Logging
import Synchronization

@main
struct FerryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry-bench", abstract: "Measures the workflow engine's throughput on PostgreSQL.")

    @Option(name: .customLong("database-url"), help: "A database to benchmark in (its ferry schema is migrated and filled).")
    var databaseURL: String = ProcessInfo.processInfo.environment["FERRY_DATABASE_URL"] ?? ""

    @Option(help: "Runs to perform.")
    var runs: Int = 2000

    @Option(help: "Steps per run.")
    var steps: Int = 5

    @Option(help: "Worker slots (threads, each with its own connection).")
    var workers: Int = 4

    @Option(help: "Finished and parked runs to put in the tables first, to show the claim path does not slow down with history.")
    var preload: Int = 0

    @Option(help: "The workflows folder holding noop.yaml.")
    var workflows: String = "workflows"

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let connection = try PostgresConnection(connectionString: databaseURL, applicationName: "ferry-bench")
        try Migrator(connection: connection).migrate()
        let contracts = WorkflowContracts([BuiltinWorkflows.noop])
        let noop = try WorkflowDefinition.load(path: workflows + "/noop.yaml", contracts: contracts)
        let catalog = WorkflowCatalog(definitions: [noop], contracts: contracts)
        let store = RunStore(connection: connection)
        try catalog.register(in: store)
        if preload > 0 { try preloadHistory(connection, version: noop.version) }

        let runIDs = try (0..<runs).map { _ in
            try store.start(RunRequest(definition: noop, input: ["steps": .number(Double(steps))], actor: "bench")).runID
        }
        let ids = runIDs.map(\.lowercasedString)
        let latencies = Mutex<[Double]>([])
        latencies.withLock { $0.reserveCapacity(runs * steps) }
        let worker = Worker(
            configuration: WorkerConfiguration(workerID: "bench-\(getpid())", concurrency: workers, leaseSeconds: 30,
                                               databaseURL: databaseURL, idleSeconds: 0.2),
            catalog: catalog, logger: Logger(label: "bench"),
            checkpointObserver: { seconds in latencies.withLock { $0.append(seconds) } }
        )
        let commitsBefore = try commits(connection)
        let started = ContinuousClock.now
        let done = DispatchSemaphore(value: 0)
        Thread { try? worker.run(); done.signal() }.start()
        while try connection.query("""
            SELECT count(*) AS left FROM ferry.runs WHERE id = ANY(\(ids)::uuid[]) AND status <> 'succeeded'
            """).first!.decode("left", as: Int.self) > 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let elapsed = ContinuousClock.now - started
        worker.stop()
        done.wait()
        // Backends report their statistics when they exit, as the worker's did on stopping; give the
        // collector a moment.
        Thread.sleep(forTimeInterval: 1)
        let commitsAfter = try commits(connection)

        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = latencies.withLock { $0.sorted() }
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
        let totalSteps = runs * steps
        print("runs            \(runs) x \(steps) no-op steps, \(workers) worker slots, \(preload) preloaded runs")
        print("elapsed         \(String(format: "%.2f", seconds)) s")
        print("workflows/s     \(String(format: "%.0f", Double(runs) / seconds))")
        print("steps/s         \(String(format: "%.0f", Double(totalSteps) / seconds))")
        print("checkpoint p50  \(String(format: "%.2f", percentile(0.50))) ms")
        print("checkpoint p99  \(String(format: "%.2f", percentile(0.99))) ms")
        print("commits/step    \(String(format: "%.2f", Double(commitsAfter - commitsBefore) / Double(totalSteps))) (every commit in the database while the runs ran, idle polling and progress checks included)")
    }

    func commits(_ connection: PostgresConnection) throws -> Int64 {
        try connection.execute("SELECT pg_stat_force_next_flush()")
        try connection.execute("SELECT pg_stat_clear_snapshot()")
        return try connection.query("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").first!.decode("xact_commit")
    }

    /// Finished runs (with their checkpoints and events) and runs parked far in the future.
    func preloadHistory(_ connection: PostgresConnection, version: String) throws {
        try connection.execute("""
            WITH finished AS (
                INSERT INTO ferry.runs (workflow, definition_version, status, step_count, step_index, created_by,
                    started_at, finished_at, next_wake_at)
                SELECT 'noop', \(version), 'succeeded', 1, 1, 'bench-preload', now(), now(), NULL
                FROM generate_series(1, \(preload / 2))
                RETURNING id
            ), checkpoints AS (
                INSERT INTO ferry.step_checkpoints (run_id, step_index, step_name, output, attempts, polls, started_at, worker_id, lease_epoch)
                SELECT id, 0, 'tick.1', '{}', 1, 0, now(), 'bench-preload', 1 FROM finished
            )
            INSERT INTO ferry.events (run_id, kind, actor) SELECT id, 'run.succeeded', 'bench-preload' FROM finished
            """)
        try connection.execute("""
            INSERT INTO ferry.runs (workflow, definition_version, status, step_count, created_by, next_wake_at)
            SELECT 'noop', \(version), 'waiting', 1, 'bench-preload', now() + interval '1 day'
            FROM generate_series(1, \(preload - preload / 2))
            """)
        try connection.executeScript(unsafeSQL: "ANALYZE ferry.runs")
    }
}
