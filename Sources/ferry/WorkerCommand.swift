import ArgumentParser
import FerryAWS
import FerryDR
import FerryEngine
import Foundation
import Logging
import FerryDRSchema

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Runs workflow steps until SIGTERM or SIGINT, then releases what it holds and exits 0."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var workflows: WorkflowOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var logging: LoggingOptions

    @Option(name: .customLong("worker-id"), help: "This worker's name in leases and the audit log (default: host:pid:random).")
    var workerID: String?

    @Option(help: "Runs performed at once.")
    var concurrency: Int = 4

    @Option(name: .customLong("lease-seconds"), help: "How long a claimed run stays this worker's without a heartbeat.")
    var leaseSeconds: Double = 30

    @Option(name: .customLong("http-port"),
            help: "Serve /metrics, /healthz and /readyz on this port, all interfaces; 0: any free port (default: $FERRY_HTTP_PORT, else none).")
    var httpPort: Int?

    /// `--http-port`, else `FERRY_HTTP_PORT`, else nil (no HTTP server).
    func resolvedHTTPPort() throws -> Int? {
        if let httpPort { return try Self.checkedPort(httpPort, name: "--http-port") }
        guard let text = ProcessInfo.processInfo.environment["FERRY_HTTP_PORT"], !text.isEmpty else { return nil }
        guard let port = Int(text) else {
            throw ValidationError("FERRY_HTTP_PORT must be a port number 0-65535, not \"\(text.escapingControlCharacters)\"")
        }
        return try Self.checkedPort(port, name: "FERRY_HTTP_PORT")
    }

    private static func checkedPort(_ port: Int, name: String) throws -> Int {
        guard (0...65_535).contains(port) else { throw ValidationError("\(name) must be a port number 0-65535") }
        return port
    }

    func validate() throws {
        _ = try resolvedHTTPPort()
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1-256") }
        guard leaseSeconds >= 1, leaseSeconds <= 3600 else { throw ValidationError("--lease-seconds must be 1-3600") }
        if let workerID, workerID.isEmpty || workerID.count > 200 { throw ValidationError("--worker-id must be 1-200 characters") }
    }

    func run() throws {
        let worker = WorkerHandle()
        TerminationSignals.handle { _ in worker.stop() }
        FerryLogging.bootstrap(format: try logging.resolvedFormat())
        let id = workerID ?? WorkerConfiguration.defaultWorkerID()
        var logger = Logger(label: "ferry.worker")
        logger[metadataKey: "worker_id"] = "\(id)"
        try reportingErrors {
            let httpPort = try resolvedHTTPPort()
            let catalog: WorkflowCatalog
            let tasks: [PeriodicTask]
            if config.config != nil || FileManager.default.fileExists(atPath: config.path) {
                let runtime = try config.runtime()
                catalog = try workflows.catalog(contracts: runtime.workflowContracts())
                tasks = DRServices.periodicTasks(runtime: runtime, catalog: catalog, workerID: id, exportsMetrics: httpPort != nil)
            } else {
                logger.notice("no configuration file: schedules, alerts and RPO checks are off", metadata: ["path": "\(config.path)"])
                catalog = try workflows.catalog()
                tasks = []
            }
            let server = try httpPort.map { port in
                try OperationsServer(port: port, readiness: Readiness(databaseURL: database.resolvedURL), logger: Logger(label: "ferry.http"))
            }
            defer { server?.stop() }
            try worker.run(Worker(
                configuration: WorkerConfiguration(
                    workerID: id, concurrency: concurrency, leaseSeconds: leaseSeconds, databaseURL: database.resolvedURL
                ),
                catalog: catalog, schema: DRSchema.all, logger: logger,
                periodicTasks: tasks + (httpPort != nil ? [EngineMetrics.gaugeTask()] : [])
            ))
        }
    }
}
