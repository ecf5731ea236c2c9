import FerryPostgres
import Foundation

/// PostgreSQL's commit floor for the benchmark's workload: the same runs done as bare SQL by pgbench, with
/// prepared statements, on as many connections as Ferry has slots. A run is one INSERT, then per step one
/// transaction that advances the run and inserts its checkpoint — as Ferry does, in one statement — with
/// no claim, lease, fencing, audit event or client work: what the database itself needs.
struct Floor {
    var pgbench: String
    var databaseURL: String
    var steps: Int
    var connections: Int

    func prepare(_ connection: PostgresConnection) throws {
        try connection.executeScript(unsafeSQL: """
            CREATE SCHEMA IF NOT EXISTS bench_floor;
            CREATE TABLE IF NOT EXISTS bench_floor.runs (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                step_index integer NOT NULL DEFAULT 0,
                step_count integer NOT NULL
            );
            CREATE TABLE IF NOT EXISTS bench_floor.checkpoints (
                run_id bigint NOT NULL,
                step_index integer NOT NULL,
                output jsonb NOT NULL,
                PRIMARY KEY (run_id, step_index)
            );
            """)
    }

    /// The pgbench script for one run.
    var script: String {
        var lines = ["INSERT INTO bench_floor.runs (step_count) VALUES (\(steps)) RETURNING id \\gset"]
        for step in 0..<steps {
            lines.append("""
                WITH advanced AS (UPDATE bench_floor.runs SET step_index = step_index + 1 WHERE id = :id AND step_index = \(step) RETURNING id) \
                INSERT INTO bench_floor.checkpoints (run_id, step_index, output) SELECT id, \(step), '{}' FROM advanced;
                """)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Performs `runs` runs (rounded down to a multiple of the connections) and returns how many.
    func perform(runs: Int, connection: PostgresConnection) throws -> Int {
        try connection.executeScript(unsafeSQL: "TRUNCATE bench_floor.runs, bench_floor.checkpoints RESTART IDENTITY")
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-bench-floor-\(getpid()).sql")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        let perConnection = max(1, runs / connections)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgbench)
        process.arguments = ["--no-vacuum", "--protocol=prepared", "--client=\(connections)", "--jobs=\(connections)",
                             "--transactions=\(perConnection)", "--file=\(scriptURL.path)", databaseURL]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, report.contains("number of failed transactions: 0") else {
            throw BenchError(message: "pgbench failed (exit \(process.terminationStatus)):\n\(report)")
        }
        return perConnection * connections
    }
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
