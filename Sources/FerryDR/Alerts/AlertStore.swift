public import FerryPostgres

/// An alert waiting in the outbox (`ferry.alerts`) for delivery through SNS.
public struct PendingAlert: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var subject: String
    public var message: String
    public var attempts: Int
}

/// The alert outbox's statements, one method per statement. Alerts are queued by the transaction that
/// causes them (the failed-run trigger, `RecoveryStore.openBreach`/`closeBreach`) and delivered by any
/// worker: claimed with `FOR UPDATE SKIP LOCKED` so that two workers never publish the same alert at once.
public struct AlertStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Locks up to `limit` undelivered alerts that are due, oldest first, until the caller's transaction ends.
    public func claimDue(limit: Int) throws -> [PendingAlert] {
        try connection.query("""
            SELECT id, kind, subject, message, attempts FROM ferry.alerts
            WHERE delivered_at IS NULL AND next_attempt_at <= now()
            ORDER BY next_attempt_at, id
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """).map { row in
            PendingAlert(id: try row.decode("id"), kind: try row.decode("kind"), subject: try row.decode("subject"),
                         message: try row.decode("message"), attempts: try row.decode("attempts"))
        }
    }

    /// Records a successful publish. False if the alert was already delivered.
    @discardableResult
    public func markDelivered(id: Int64) throws -> Bool {
        try connection.execute("""
            UPDATE ferry.alerts SET delivered_at = now(), attempts = attempts + 1, last_error = NULL
            WHERE id = \(id) AND delivered_at IS NULL
            """) == 1
    }

    /// Records a failed publish and when to try again.
    @discardableResult
    public func markFailed(id: Int64, error: String, retryAfter seconds: Double) throws -> Bool {
        try connection.execute("""
            UPDATE ferry.alerts
            SET attempts = attempts + 1, last_error = \(error), next_attempt_at = now() + make_interval(secs => \(seconds))
            WHERE id = \(id) AND delivered_at IS NULL
            """) == 1
    }
}
