public import FerryPostgres
import Foundation
import Logging

/// Work a worker process does besides performing steps — firing schedules, delivering alerts, checking
/// recovery points. Each task runs on a thread of its own with its own database connection, every
/// `interval` seconds (and once at start), until the worker stops. Errors are logged and the task tries
/// again at its next turn.
public struct PeriodicTask: Sendable {
    public var name: String
    public var interval: Double
    public var body: @Sendable (PostgresConnection) throws -> Void

    public init(name: String, interval: Double, body: @escaping @Sendable (PostgresConnection) throws -> Void) {
        self.name = name
        self.interval = interval
        self.body = body
    }
}

extension Worker {
    func periodicLoop(_ task: PeriodicTask) {
        threadLoop("ferry-\(task.name)", failure: "periodic task failed; it runs again at its next turn", metadata: ["task": "\(task.name)"],
                   maxPause: task.interval, while: { !isStopping }) { connection in
            try connection.use(task.body)
            pause(seconds: task.interval)
        }
    }
}
