public import FerryEngine
import Foundation
import Synchronization
import FerryAWS

/// The DR work a `ferry worker` does besides performing steps. Every worker runs these; each is safe with
/// any number of workers running it at once.
public enum DRServices {
    /// How often the scheduler looks for due schedules.
    static let schedulerInterval = 15.0
    /// How often it re-discovers the fleet and syncs the schedules (and at its first turn).
    static let syncInterval = 300.0
    /// How often a worker delivers queued alerts, and checks recovery points (one AWS discovery each).
    public static let alertInterval: Double = 5
    public static let rpoInterval: Double = 120
    /// How often a worker publishes the dead-man's switch to CloudWatch (the alarms allow a few missed turns).
    public static let deadMansSwitchInterval: Double = 60
    /// How often a worker that serves `/metrics` refreshes the recovery-point and copy-pool gauges.
    public static let gaugeInterval: Double = 10

    /// `workerID` names the worker in alerts and in the history's `history.pruned` events; `exportsMetrics`
    /// adds the task that keeps the Prometheus gauges current.
    public static func periodicTasks(runtime: DRRuntime, catalog: WorkflowCatalog, workerID: String,
                                     exportsMetrics: Bool = false) -> [PeriodicTask] {
        let scheduler = DRScheduler(runtime: runtime, catalog: catalog)
        // The fleet as last discovered, and when (monotonic): only the scheduler task's thread touches it.
        let discovered = Mutex<(selection: DatabaseSelection, at: ContinuousClock.Instant)?>(nil)
        return [
            PeriodicTask(name: "scheduler", interval: schedulerInterval) { connection in
                let store = RunStore(connection: connection)
                let now = try store.databaseNow()
                let selection: DatabaseSelection
                if let cached = discovered.withLock({ $0 }), ContinuousClock.now - cached.at < .seconds(syncInterval) {
                    selection = cached.selection
                } else {
                    do {
                        selection = try runtime.selectDatabases()
                    } catch {
                        try FleetAlerts(connection: connection).credentialsFailing(error, workerID: workerID)
                        throw error
                    }
                    try FleetAlerts(connection: connection).databasesUnmatched(selection.missing, primaryRegion: runtime.config.primaryRegion.name)
                    try DRScheduler.sync(selection, store: store, now: now)
                    discovered.withLock { $0 = (selection, ContinuousClock.now) }
                }
                try scheduler.fireDue(selection, store: store, now: now)
            },
            PeriodicTask(name: "alerts", interval: alertInterval) { connection in
                let topic = runtime.config.alertTopicARN
                let sns = try runtime.aws.sns(region: topic.region)
                try AlertDelivery.deliverDue(on: connection) { alert in
                    try sns.publish(topicARN: topic.description, message: alert.message, subject: alert.subject)
                }
            },
            // From Ferry's database only (the catalog and the schedules), so that RPO alerts go on when the
            // primary region is down.
            PeriodicTask(name: "rpo", interval: rpoInterval) { connection in
                let known = try RecoveryStore(connection: connection).knownDatabases()
                try RPOMonitor(connection: connection).check(
                    protected: DatabaseSelection(rules: runtime.config.databases, discovered: known).protected, now: Date())
            },
            // The dead-man's switch: CloudWatch alarms page when these stop arriving (every worker dead, or
            // none able to reach AWS) or report a database behind its objective.
            PeriodicTask(name: "dead-mans-switch", interval: deadMansSwitchInterval) { connection in
                let telemetry = try RecoveryTelemetry.read(rules: runtime.config.databases, connection: connection, now: Date())
                do {
                    let cloudWatch = try runtime.aws.cloudWatch(region: runtime.config.drRegion.name)
                    let data = telemetry.cloudWatchData
                    for start in stride(from: 0, to: data.count, by: 1_000) {
                        try cloudWatch.putMetricData(namespace: RecoveryTelemetry.namespace, Array(data[start..<min(start + 1_000, data.count)]))
                    }
                } catch {
                    try FleetAlerts(connection: connection).credentialsFailing(error, workerID: workerID)
                    throw error
                }
            },
        ] + (exportsMetrics ? [
            PeriodicTask(name: "recovery-gauges", interval: gaugeInterval) { connection in
                try RecoveryTelemetry.read(rules: runtime.config.databases, connection: connection, now: Date()).recordGauges()
            },
        ] : []) + (runtime.config.historyRetention.map { keep in
            [PeriodicTask(name: "history-retention", interval: HistoryRetention.interval) { connection in
                _ = try HistoryRetention(keep: keep).prune(on: connection, actor: workerID)
            }]
        } ?? [])
    }
}
