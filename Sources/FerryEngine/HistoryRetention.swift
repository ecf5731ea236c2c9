public import FerryPostgres

/// Deletes finished runs older than `keep` with everything that belongs to them, a batch of runs per
/// transaction, through `ferry.prune_history` (sql/engine/007_history_retention.sql): the one path by which anything
/// leaves the audit log. Any number of workers may prune at once; each batch skips the runs another is
/// deleting.
public struct HistoryRetention: Sendable {
    public var keep: Duration
    public var batchSize: Int

    /// How often a worker looks for history to delete.
    public static let interval: Double = 600

    public init(keep: Duration, batchSize: Int = 500) {
        self.keep = keep
        self.batchSize = batchSize
    }

    /// Deletes one batch; returns how many runs it deleted.
    private func pruneBatch(on connection: PostgresConnection, actor: String) throws -> Int {
        let seconds = Double(keep.components.seconds)
        return try connection.query("""
            SELECT ferry.prune_history(make_interval(secs => \(seconds)), \(batchSize), \(actor)) AS pruned
            """).first?.decode("pruned") ?? 0
    }

    /// Deletes batches until one comes back short (nothing more is old enough), at most `maxBatches` (so a
    /// large backlog is worked off over several turns and a stopping worker is not held up); returns how
    /// many runs it deleted.
    public func prune(on connection: PostgresConnection, actor: String, maxBatches: Int = 20) throws -> Int {
        var total = 0
        for _ in 0..<maxBatches {
            let pruned = try pruneBatch(on: connection, actor: actor)
            total += pruned
            if pruned < batchSize { break }
        }
        return total
    }
}
