public import FerryEngine
import Foundation

/// The DR work a `ferry worker` does besides performing steps. Every worker runs these; each is safe with
/// any number of workers running it at once.
public enum DRServices {
    /// How often a worker delivers queued alerts, and checks recovery points (one AWS discovery each).
    public static let alertInterval: Double = 5
    public static let rpoInterval: Double = 120

    public static func periodicTasks(runtime: DRRuntime, catalog: WorkflowCatalog) -> [PeriodicTask] {
        [
            PeriodicTask(name: "alerts", interval: alertInterval) { connection in
                let topic = runtime.config.alertTopicARN
                let sns = try runtime.aws.sns(region: topic.region)
                try AlertDelivery.deliverDue(on: connection) { alert in
                    try sns.publish(topicARN: topic.description, message: alert.message, subject: alert.subject)
                }
            },
            PeriodicTask(name: "rpo", interval: rpoInterval) { connection in
                try RPOMonitor(connection: connection).check(protected: try runtime.selectDatabases().protected, now: Date())
            },
        ]
    }
}
