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

    @Option(name: .customLong("worker-id"), help: "This worker's name in leases and the audit log (default: host:pid:random).")
    var workerID: String?

    @Option(help: "Runs performed at once.")
    var concurrency: Int = 4

    @Option(name: .customLong("lease-seconds"), help: "How long a claimed run stays this worker's without a heartbeat.")
    var leaseSeconds: Double = 30

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be 1-256") }
        guard leaseSeconds >= 1, leaseSeconds <= 3600 else { throw ValidationError("--lease-seconds must be 1-3600") }
        if let workerID, workerID.isEmpty || workerID.count > 200 { throw ValidationError("--worker-id must be 1-200 characters") }
    }

    func run() throws {
        let worker = WorkerHandle()
        TerminationSignals.handle { _ in worker.stop() }
        FerryLogging.bootstrap()
        let logger = Logger(label: "ferry.worker")
        try reportingErrors {
            let catalog: WorkflowCatalog
            let tasks: [PeriodicTask]
            if config.config != nil || FileManager.default.fileExists(atPath: config.path) {
                let runtime = try config.runtime()
                catalog = try workflows.catalog(contracts: runtime.workflowContracts())
                tasks = DRServices.periodicTasks(runtime: runtime, catalog: catalog)
            } else {
                logger.notice("no configuration file: schedules, alerts and RPO checks are off", metadata: ["path": "\(config.path)"])
                catalog = try workflows.catalog()
                tasks = []
            }
            try worker.run(Worker(
                configuration: WorkerConfiguration(
                    workerID: workerID ?? WorkerConfiguration.defaultWorkerID(), concurrency: concurrency,
                    leaseSeconds: leaseSeconds, databaseURL: database.resolvedURL
                ),
                catalog: catalog, schema: DRSchema.all, logger: logger, periodicTasks: tasks
            ))
        }
    }
}
