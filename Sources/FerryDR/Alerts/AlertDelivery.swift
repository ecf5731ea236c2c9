public import FerryPostgres
import Foundation
import FerryPrimitives

/// Delivers the alert outbox: publishes each due alert and marks it delivered in the transaction that
/// claimed it. Delivery is at least once: a worker that dies after a publish but before its commit leaves
/// the alert to be published again by the next worker.
public enum AlertDelivery {
    /// The wait before the next attempt after `attempts` earlier failed ones: 30 s doubling up to an hour.
    public static func retryDelay(afterAttempts attempts: Int) -> Double {
        Backoff.delay(initial: 30, multiplier: 2, cap: 3_600, step: attempts)
    }

    /// Delivers up to `limit` due alerts with `publish` (SNS Publish in production), which throws if the
    /// alert was not accepted; returns how many were published.
    @discardableResult
    public static func deliverDue(on connection: PostgresConnection, limit: Int = 20, publish: (PendingAlert) throws -> Void) throws -> Int {
        let store = AlertStore(connection: connection)
        return try connection.transaction {
            var published = 0
            for alert in try store.claimDue(limit: limit) {
                do {
                    try publish(alert)
                } catch {
                    try store.markFailed(id: alert.id, error: "\(error)", retryAfter: retryDelay(afterAttempts: alert.attempts))
                    continue
                }
                try store.markDelivered(id: alert.id)
                published += 1
            }
            return published
        }
    }
}
