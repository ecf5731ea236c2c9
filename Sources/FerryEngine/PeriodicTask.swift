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
        var connection: PostgresConnection?
        while !isStopping {
            do {
                if connection == nil {
                    connection = try PostgresConnection(connectionString: configuration.databaseURL, applicationName: "ferry-\(task.name)")
                }
                try task.body(connection!)
            } catch {
                logger.error("periodic task failed; it runs again at its next turn", metadata: ["task": "\(task.name)", "error": "\(error)"])
                if (error as? PostgresError)?.kind == .connection { connection = nil }
            }
            pause(seconds: task.interval)
        }
    }
}
