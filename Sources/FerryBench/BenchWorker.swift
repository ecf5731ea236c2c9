import ArgumentParser
import FerryEngine
import Foundation
import Logging
import Synchronization
import FerryPrimitives

/// One worker process of a benchmark phase: performs due runs of the no-op workflow until its standard input
/// closes, reporting a line per claim and per checkpoint (`claim <seconds>`, `checkpoint <seconds>`) on its
/// standard output, from which the parent counts progress and takes latencies without querying the database.
struct BenchWorker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "A worker process of the benchmark (started by ferry-bench itself).",
        shouldDisplay: false)

    @Option(name: .customLong("database-url")) var databaseURL: String
    @Option var workflows: String
    @Option var slots: Int
    @Option(name: .customLong("worker-id")) var workerID: String

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let (catalog, _) = try noopCatalog(workflows: workflows)
        let report = LatencyReport()
        let worker = Worker(
            configuration: WorkerConfiguration(workerID: workerID, concurrency: slots, leaseSeconds: 30,
                                               databaseURL: databaseURL, idleSeconds: 0.2),
            catalog: catalog, logger: Logger(label: "bench"),
            latencyObserver: { statement, duration in report.append(statement, duration) }
        )
        let done = DispatchSemaphore(value: 0)
        Thread {
            do { try worker.run() } catch { FileHandle.standardError.write(Data("worker: \(error)\n".utf8)) }
            done.signal()
        }.start()
        Thread {
            while true {
                Thread.sleep(forTimeInterval: 0.01)
                report.flush()
            }
        }.start()
        while !FileHandle.standardInput.availableData.isEmpty {}
        worker.stop()
        done.wait()
        report.flush()
    }
}

/// The latency lines, written to standard output every 10 ms rather than one write per statement, which
/// would add a system call to each step the benchmark measures.
private final class LatencyReport: Sendable {
    private let pending = Mutex<[UInt8]>([])

    func append(_ statement: TimedStatement, _ duration: Duration) {
        let line = "\(statement == .claim ? "claim" : "checkpoint") \(duration.seconds)\n"
        pending.withLock { $0.append(contentsOf: line.utf8) }
    }

    /// Writes what was appended, under the lock, so that two flushes never interleave their lines.
    func flush() {
        pending.withLock { bytes in
            var written = 0
            while written < bytes.count {
                let result = bytes[written...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
                guard result > 0 else { break }
                written += result
            }
            bytes.removeAll(keepingCapacity: true)
        }
    }
}

/// The no-op workflow and the catalog holding it.
func noopCatalog(workflows: String) throws -> (WorkflowCatalog, WorkflowDefinition) {
    let contracts = WorkflowContracts([BuiltinWorkflows.noop])
    let noop = try WorkflowDefinition.load(path: workflows + "/noop.yaml", contracts: contracts)
    return (WorkflowCatalog(definitions: [noop], contracts: contracts), noop)
}
