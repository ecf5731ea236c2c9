import ArgumentParser
import FerryEngine
import FerryPostgres
import Foundation
import Logging
import Synchronization
import FerryPrimitives

/// The benchmark: the floor (pgbench), then Ferry with each number of worker processes, then the floor
/// again to show how much the machine drifted, each phase on fresh runs in the same database.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Runs the floor and Ferry's phases and prints them side by side.")

    @Option(name: .customLong("database-url"), help: "A database to benchmark in (its ferry schema is migrated and filled).")
    var databaseURL: String = ProcessInfo.processInfo.environment["FERRY_DATABASE_URL"] ?? ""

    @Option(help: "Runs per phase.")
    var runs: Int = 5000

    @Option(help: "Steps per run.")
    var steps: Int = 5

    @Option(help: "Worker slots in all (threads, each with its own connection), shared evenly by the worker processes; also pgbench's connections.")
    var slots: Int = 4

    @Option(parsing: .upToNextOption, help: "Worker process counts to measure, one Ferry phase each.")
    var processes: [Int] = [1, 2]

    @Option(help: "Finished and parked runs (half each) to put in the tables first, to show the hot path does not slow down with history.")
    var preload: Int = 0

    @Option(help: "The pgbench program that measures the floor; empty to measure Ferry alone.")
    var pgbench: String = ""

    @Option(help: "Rounds of the whole sequence; each prints its table, then the median share of the floor per Ferry phase (one round can be hit by another program's burst on a shared machine).")
    var rounds: Int = 1

    @Flag(help: "Print the statements that took the most time in each Ferry phase (needs pg_stat_statements preloaded).")
    var statements = false

    @Option(help: "SQL run once after the schema is migrated, before the first phase: what a schema change would be worth (e.g. a constraint dropped), measured against the floor. For measurement only; the README lists what was measured this way.")
    var alter: String?

    @Option(help: "The workflows folder holding noop.yaml.")
    var workflows: String = "workflows"

    func validate() throws {
        guard runs > 0, steps > 0, slots > 0, rounds > 0 else { throw ValidationError("--runs, --steps, --slots and --rounds must be positive") }
        for count in processes where count < 1 || slots % count != 0 {
            throw ValidationError("--processes \(count) does not divide --slots \(slots) evenly")
        }
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let connection = try PostgresConnection(connectionString: databaseURL, applicationName: "ferry-bench")
        try Migrator(connection: connection).migrate()
        if let alter { try connection.executeScript(unsafeSQL: alter) }
        let (catalog, noop) = try noopCatalog(workflows: workflows)
        let store = RunStore(connection: connection)
        try catalog.register(in: store)
        if preload > 0 { try preloadHistory(connection, version: noop.version) }
        if statements { try connection.executeScript(unsafeSQL: "CREATE EXTENSION IF NOT EXISTS pg_stat_statements") }
        let floor = pgbench.isEmpty ? nil : Floor(pgbench: pgbench, databaseURL: databaseURL, steps: steps, connections: slots)
        try floor?.prepare(connection)
        try connection.executeScript(unsafeSQL: "CHECKPOINT")

        var shares: [String: [Double]] = [:]
        for round in 1...rounds {
            var phases: [Phase] = []
            if let floor { phases.append(try measureFloor(floor, name: "floor before", connection: connection)) }
            for count in processes {
                phases.append(try measureFerry(processes: count, definition: noop, store: store))
                if statements { try printTopStatements(connection, phase: phases.last!.name) }
            }
            if let floor { phases.append(try measureFloor(floor, name: "floor after", connection: connection)) }
            print("\(rounds > 1 ? "round \(round): " : "")\(runs) runs x \(steps) no-op steps per phase, \(slots) slots (pgbench: as many connections), \(preload) preloaded runs")
            if let alter { print("Ferry's schema altered for this measurement by --alter: \(alter)") }
            print(Phase.table(phases))
            for (name, share) in Phase.sharesOfTheFloor(phases) { shares[name, default: []].append(share) }
        }
        if rounds > 1, !shares.isEmpty {
            print("median share of the floor over \(rounds) rounds: " + processes.map { count in
                let name = "ferry \(count)x\(slots / count)"
                let sorted = shares[name, default: []].sorted()
                return "\(name) \(String(format: "%.0f", 100 * sorted[sorted.count / 2])) %"
            }.joined(separator: ", "))
        }
    }

    private func measureFloor(_ floor: Floor, name: String, connection: PostgresConnection) throws -> Phase {
        let before = try Counters.read(connection)
        let started = ContinuousClock.now
        let performed = try floor.perform(runs: runs, connection: connection)
        let elapsed = ContinuousClock.now - started
        return Phase(name: name, isFloor: true, steps: performed * steps, seconds: elapsed.seconds,
                     cost: try Counters.read(connection) - before, claims: [], checkpoints: [])
    }

    /// Starts `runs` runs, then performs them with `processes` worker processes, timed from their start to
    /// the last checkpoint.
    private func measureFerry(processes count: Int, definition: WorkflowDefinition, store: RunStore) throws -> Phase {
        // One transaction each, as runs are started: one transaction for all would give them all the same
        // next_wake_at, which no real queue has.
        let ids = try (0..<runs).map { _ in
            try store.start(RunRequest(definition: definition, input: ["steps": .number(Double(steps))], actor: "bench")).runID
        }
        if statements { try store.connection.execute("SELECT pg_stat_statements_reset()") }
        let before = try Counters.read(store.connection)
        let latencies = LatencyCollector(expectedCheckpoints: runs * steps)
        let started = ContinuousClock.now
        let workers = try (0..<count).map { index in
            try WorkerProcess(arguments: [
                "worker", "--database-url", databaseURL, "--workflows", workflows, "--slots", "\(slots / count)",
                "--worker-id", "bench-\(getpid())-\(count)x\(slots / count)-\(index)",
            ], collector: latencies)
        }
        latencies.waitForAll()
        let elapsed = ContinuousClock.now - started
        for worker in workers { try worker.stop() }
        let cost = try Counters.read(store.connection) - before
        let unfinished = try store.connection.query("""
            SELECT count(*) AS left FROM ferry.runs WHERE id = ANY(\(ids.map(\.lowercasedString))::uuid[]) AND status <> 'succeeded'
            """).first!.decode("left", as: Int.self)
        guard unfinished == 0, latencies.checkpointCount == runs * steps else {
            throw BenchError(message: "\(unfinished) runs did not succeed and \(latencies.checkpointCount) of \(runs * steps) steps were checkpointed")
        }
        let (claims, checkpoints) = latencies.samples
        return Phase(name: "ferry \(count)x\(slots / count)", isFloor: false, steps: runs * steps, seconds: elapsed.seconds,
                     cost: cost, claims: claims, checkpoints: checkpoints)
    }

    private func printTopStatements(_ connection: PostgresConnection, phase: String) throws {
        print("top statements in \(phase) (pg_stat_statements: calls, mean ms, total ms, shared blocks hit/read/dirtied):")
        for row in try connection.query("""
            SELECT calls, round(mean_exec_time::numeric, 3)::text AS mean, round(total_exec_time::numeric)::text AS total,
                shared_blks_hit, shared_blks_read, shared_blks_dirtied, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 8
            """) {
            print("  \(try row.decode("calls", as: Int.self))\t\(try row.decode("mean", as: String.self))\t\(try row.decode("total", as: String.self))\t"
                  + "\(try row.decode("shared_blks_hit", as: Int.self))/\(try row.decode("shared_blks_read", as: Int.self))/\(try row.decode("shared_blks_dirtied", as: Int.self))\t"
                  + (try row.decode("query", as: String.self)))
        }
    }

    /// Finished runs (with their checkpoints and events) and runs parked far in the future.
    private func preloadHistory(_ connection: PostgresConnection, version: String) throws {
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
        try connection.executeScript(unsafeSQL: "VACUUM ANALYZE ferry.runs, ferry.step_checkpoints, ferry.events")
    }
}

/// A `ferry-bench worker` child process and the thread that reads its latency lines.
private final class WorkerProcess {
    private let process = Process()
    private let input = Pipe()

    init(arguments: [String], collector: LatencyCollector) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).absoluteURL
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let reader = output.fileHandleForReading
        Thread { collector.read(reader) }.start()
    }

    /// Closes the worker's standard input, which stops it, and waits for it to exit.
    func stop() throws {
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(message: "a worker process exited with status \(process.terminationStatus)")
        }
    }
}

/// The latencies the worker processes report; signals once every expected checkpoint was reported, or
/// a worker's output ended before.
private final class LatencyCollector: Sendable {
    private let state = Mutex<(claims: [Double], checkpoints: [Double])>(([], []))
    private let expectedCheckpoints: Int
    private let finished = DispatchSemaphore(value: 0)

    init(expectedCheckpoints: Int) {
        self.expectedCheckpoints = expectedCheckpoints
        state.withLock { $0.checkpoints.reserveCapacity(expectedCheckpoints) }
    }

    var checkpointCount: Int { state.withLock { $0.checkpoints.count } }
    var samples: (claims: [Double], checkpoints: [Double]) { state.withLock { ($0.claims, $0.checkpoints) } }

    func read(_ handle: FileHandle) {
        var pending = Data()
        while case let data = handle.availableData, !data.isEmpty {
            pending.append(data)
            guard let last = pending.lastIndex(of: UInt8(ascii: "\n")) else { continue }
            let lines = String(decoding: pending[..<last], as: UTF8.self).split(separator: "\n")
            pending.removeSubrange(..<pending.index(after: last))
            let reachedAll = state.withLock { state -> Bool in
                let before = state.checkpoints.count
                for line in lines {
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let seconds = Double(parts[1]) else { continue }
                    if parts[0] == "claim" { state.claims.append(seconds) } else { state.checkpoints.append(seconds) }
                }
                return before < expectedCheckpoints && state.checkpoints.count >= expectedCheckpoints
            }
            if reachedAll { finished.signal() }
        }
        if checkpointCount < expectedCheckpoints { finished.signal() }
    }

    /// Waits until every checkpoint was reported, or a worker's output ended early.
    func waitForAll() {
        finished.wait()
    }
}
