import FerryPostgres
import FerryPrimitives
import Logging

/// The database connection of one of a worker's long-lived threads: made when the thread first needs it and
/// set up by `prepare` (a LISTEN, say), and made anew after it broke, so that a database restart costs each
/// thread a failed turn, not its life. Used by its thread only.
final class ThreadConnection {
    private let url: String
    private let applicationName: String
    private let prepare: (PostgresConnection) throws -> Void
    private var connection: PostgresConnection?

    init(url: String, applicationName: String, prepare: @escaping (PostgresConnection) throws -> Void) {
        self.url = url
        self.applicationName = applicationName
        self.prepare = prepare
    }

    /// Runs `body` on the connection, connecting first if there is none; a connection error drops it.
    func use<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        do {
            if connection == nil {
                let made = try PostgresConnection(connectionString: url, applicationName: applicationName)
                try prepare(made)
                connection = made
            }
            return try body(connection!)
        } catch let error as PostgresError where error.kind == .connection {
            connection = nil
            throw error
        }
    }
}

extension Worker {
    /// The one shape of every long-lived thread of a worker — its slots, its heartbeat, its listener, its
    /// periodic tasks: `turn` after `turn` while `running` holds, each on the thread's `ThreadConnection`
    /// (each turn waits as it needs to). A turn that throws is logged as `failure` and followed by a pause
    /// that grows while turns keep failing, up to `maxPause` seconds.
    func threadLoop(
        _ applicationName: String, failure: Logger.Message, level: Logger.Level = .error, metadata: Logger.Metadata = [:],
        maxPause: Double = 5, while running: () -> Bool, prepare: @escaping (PostgresConnection) throws -> Void = { _ in },
        turn: (ThreadConnection) throws -> Void
    ) {
        let connection = ThreadConnection(url: configuration.databaseURL, applicationName: applicationName, prepare: prepare)
        var consecutiveFailures = 0
        while running() {
            do {
                try turn(connection)
                consecutiveFailures = 0
            } catch {
                consecutiveFailures += 1
                let delay = Backoff.delay(initial: min(0.2, maxPause), multiplier: 2, cap: maxPause, step: consecutiveFailures - 1)
                logger.log(level: level, failure, metadata: metadata.merging(["error": "\(error)", "retry_in_seconds": "\(delay)"]) { $1 })
                pause(seconds: delay)
            }
        }
    }

    /// One slot: claim a due run, perform it until it parks, finishes or the lease is lost (a run that
    /// finishes hands the slot the next due run, claimed in the same statement); sleep when nothing is due.
    /// A run being performed when the connection broke is left to its lease, which expires and lets any
    /// worker resume it.
    func slotLoop(slot: Int) {
        let locals = SlotLocals()
        threadLoop("ferry-worker", failure: "worker slot error; retrying", metadata: ["slot": "\(slot)"], while: { !isStopping }) { connection in
            let seen = wake.currentGeneration
            try connection.use { connection in
                let store = RunStore(connection: connection)
                let claimStarted = ContinuousClock.now
                if var run = try store.claim(workerID: configuration.workerID, leaseSeconds: configuration.leaseSeconds) {
                    latencyObserver?(.claim, ContinuousClock.now - claimStarted)
                    // Each run's last checkpoint claims the next while work is due: one commit per step.
                    while let next = try perform(run, store: store, locals: locals) { run = next }
                } else {
                    let due = try store.secondsUntilNextDue() ?? configuration.idleSeconds
                    wake.wait(since: seen, seconds: min(max(due, 0.005), configuration.idleSeconds))
                }
            }
        }
    }
}
