import FerryPostgres
public import FerrySchema
import Foundation
public import Logging
import Synchronization
import FerryPrimitives

public struct WorkerConfiguration: Sendable {
    public var workerID: String
    /// Runs executed at once, each on its own thread with its own database connection.
    public var concurrency: Int
    public var leaseSeconds: Double
    public var databaseURL: String
    /// The longest an idle slot sleeps before looking for due runs again (NOTIFY usually wakes it sooner).
    public var idleSeconds: Double

    public init(workerID: String, concurrency: Int, leaseSeconds: Double, databaseURL: String, idleSeconds: Double = 5) {
        self.workerID = workerID
        self.concurrency = concurrency
        self.leaseSeconds = leaseSeconds
        self.databaseURL = databaseURL
        self.idleSeconds = idleSeconds
    }

    /// `hostname:pid:random`, unique across restarts.
    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// Runs workflow steps until stopped. Each slot is a thread with its own connection that claims a due
/// run, performs its steps and checkpoints each; a heartbeat thread extends the leases the slots hold;
/// a listener thread wakes idle slots on NOTIFY. Blocking C calls never run on Swift's shared executor.
public final class Worker: Sendable {
    public let configuration: WorkerConfiguration
    /// The definitions runs start and finish under, and the contracts whose code performs their steps.
    let catalog: WorkflowCatalog
    let logger: Logger
    let wake = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    /// The leases slots hold right now, each a run and the epoch it was claimed under: what the heartbeat
    /// extends. Keyed by both, because after a database outage longer than a lease a slot may re-claim a run
    /// that another slot of this worker still thinks it holds; the stale slot's clean-up must not remove
    /// the new lease.
    let held = Mutex<Set<HeldLease>>([])
    /// The schema components the database must be current with.
    let schema: [SchemaComponent]
    /// Observes the latency of each claim that took a run and of each checkpoint (for the benchmark).
    let latencyObserver: (@Sendable (TimedStatement, Duration) -> Void)?
    let periodicTasks: [PeriodicTask]

    public init(
        configuration: WorkerConfiguration, catalog: WorkflowCatalog, schema: [SchemaComponent] = [Schema.engine], logger: Logger,
        periodicTasks: [PeriodicTask] = [], latencyObserver: (@Sendable (TimedStatement, Duration) -> Void)? = nil
    ) {
        self.schema = schema
        self.configuration = configuration
        self.catalog = catalog
        self.logger = logger
        self.periodicTasks = periodicTasks
        self.latencyObserver = latencyObserver
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Sleeps `seconds`; only `stop()` cuts it short (new-work notifications, which wake idle slots, do not).
    func pause(seconds: Double) {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !isStopping, ContinuousClock.now < deadline {
            wake.wait(since: wake.currentGeneration, seconds: min((deadline - ContinuousClock.now).seconds, 1))
        }
    }

    /// Asks the worker to stop: each slot finishes its current step, checkpoints it and releases its run.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        wake.wakeAll()
    }

    /// Runs until `stop()`; returns once every slot has released what it held.
    public func run() throws {
        let store = try registered()
        logger.info("worker started", metadata: [
            "worker_id": "\(configuration.workerID)", "concurrency": "\(configuration.concurrency)",
            "lease_seconds": "\(configuration.leaseSeconds)",
        ])
        let threads = DispatchGroup()
        spawn("ferry-heartbeat", in: threads) { self.heartbeatLoop() }
        spawn("ferry-listener", in: threads) { self.listenLoop() }
        for slot in 0..<configuration.concurrency {
            spawn("ferry-slot-\(slot)", in: threads) { self.slotLoop(slot: slot) }
        }
        for task in periodicTasks {
            spawn("ferry-\(task.name)", in: threads) { self.periodicLoop(task) }
        }
        threads.wait()
        try? store.markWorkerStopped(id: configuration.workerID)
        logger.info("worker stopped", metadata: ["worker_id": "\(configuration.workerID)"])
    }

    /// Connects, checks the schema, records the definitions and the worker. A connection that fails or breaks
    /// meanwhile is tried again for up to 30 seconds (the database restarting as workers start is no reason to
    /// exit; a wrong address or password still ends the worker with its error); anything else, such as a
    /// schema this worker was not built for, is thrown at once.
    private func registered() throws -> RunStore {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                let connection = try PostgresConnection(connectionString: configuration.databaseURL, applicationName: "ferry-worker")
                let store = RunStore(connection: connection)
                try Migrator(connection: connection, components: schema).requireCurrentSchema()
                try catalog.register(in: store)
                try store.registerWorker(
                    id: configuration.workerID, hostname: ProcessInfo.processInfo.hostName, pid: getpid(),
                    concurrency: configuration.concurrency
                )
                return store
            } catch let error as PostgresError where error.kind == .connection && !isStopping && ContinuousClock.now < deadline {
                logger.warning("cannot reach the database to start; retrying", metadata: ["error": "\(error)"])
                pause(seconds: 1)
            }
        }
    }

    private func spawn(_ name: String, in group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }

    // MARK: Heartbeat and wake-ups

    /// Extends the leases the slots hold every third of a lease. It goes on while slots still hold runs after
    /// `stop()`, and retries within half a second after a failure, so that a database back from an outage
    /// hears from this worker before its leases expire.
    private func heartbeatLoop() {
        let interval = configuration.leaseSeconds / 3
        var lastBeat = ContinuousClock.now
        threadLoop("ferry-heartbeat", failure: "heartbeat failed; leases expire unless the database comes back", level: .warning,
                   maxPause: 0.5, while: { !isStopping || !held.withLock(\.isEmpty) }) { connection in
            let seen = wake.currentGeneration
            if ContinuousClock.now - lastBeat >= .seconds(interval) {
                let runs = held.withLock { $0.map { ($0.runID.lowercasedString, $0.epoch) } }
                _ = try connection.use { try RunStore(connection: $0).heartbeat(
                    workerID: configuration.workerID, runIDs: runs.map(\.0), epochs: runs.map(\.1), leaseSeconds: configuration.leaseSeconds) }
                lastBeat = ContinuousClock.now
            }
            wake.wait(since: seen, seconds: min(interval, 0.5))
        }
    }

    /// Wakes idle slots when a run becomes due (NOTIFY ferry_run_due), and once after each (re)connection:
    /// anything announced while it was not listening is found by the next claim.
    private func listenLoop() {
        threadLoop("ferry-listener", failure: "listening for new work failed; retrying", level: .warning, maxPause: 1,
                   while: { !isStopping }, prepare: { listener in
            try listener.listen("ferry_run_due")
            self.wake.wakeAll()
        }) { connection in
            if try !connection.use({ try $0.waitForNotifications(timeout: 0.5) }).isEmpty {
                wake.wakeAll()
            }
        }
    }
}

/// The hot-path statements whose latency a worker reports to its observer.
public enum TimedStatement: Sendable {
    case claim, checkpoint
}

/// A lease one of the worker's slots holds.
struct HeldLease: Hashable, Sendable {
    var runID: UUID
    var epoch: Int64
}
