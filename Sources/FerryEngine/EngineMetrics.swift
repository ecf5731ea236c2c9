import FerryPostgres
import Metrics

/// The engine's metrics, through swift-metrics: whatever backend the program bootstrapped (Prometheus in
/// `ferry worker --http-port`) receives them. Counters and timers are counted where things happen, in
/// the worker's threads (a lock and an add each); gauges of the whole fleet are read from PostgreSQL by
/// `gaugeTask`, so every worker reports the same numbers.
public enum EngineMetrics {
    /// The name every metric of the step timer goes by, for its histogram buckets.
    public static let stepDurationLabel = "ferry_step_duration_seconds"

    /// A run's first step began on this worker (not a retry, a poll, a takeover or a resumption).
    static func runStarted(workflow: String) {
        Counter(label: "ferry_runs_started_total", dimensions: [("workflow", workflow)]).increment()
    }

    /// A run reached its end on this worker.
    static func runFinished(workflow: String, outcome: RunStatus) {
        Counter(label: "ferry_runs_finished_total", dimensions: [("workflow", workflow), ("outcome", outcome.rawValue)]).increment()
    }

    /// One attempt or poll of a step, from the action's start to its answer.
    static func stepPerformed(workflow: String, step: String, duration: Duration) {
        Timer(label: stepDurationLabel, dimensions: [("workflow", workflow), ("step", step)]).recordNanoseconds(
            Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000))
    }

    /// A step failed and is parked to be tried again.
    static func stepRetried(workflow: String, step: String) {
        Counter(label: "ferry_step_retries_total", dimensions: [("workflow", workflow), ("step", step)]).increment()
    }

    /// This worker claimed a run whose previous holder's lease had expired.
    static func leaseTakenOver(workflow: String) {
        Counter(label: "ferry_leases_taken_over_total", dimensions: [("workflow", workflow)]).increment()
    }

    /// How often `gaugeTask` reads the fleet's gauges.
    public static let gaugeInterval: Double = 10

    /// Reads the runs waiting (parked until a wake-up) and due (claimable now: pending or waiting runs whose
    /// time has come, running runs whose lease expired), in one statement.
    public static func gaugeTask(interval: Double = gaugeInterval) -> PeriodicTask {
        PeriodicTask(name: "engine-gauges", interval: interval) { connection in
            let row = try connection.query("""
                SELECT count(*) FILTER (WHERE status = 'waiting')::int AS waiting,
                    count(*) FILTER (WHERE next_wake_at <= now())::int AS due
                FROM ferry.runs WHERE next_wake_at IS NOT NULL
                """).first
            Gauge(label: "ferry_runs_waiting").record(try row?.decode("waiting", as: Int.self) ?? 0)
            Gauge(label: "ferry_runs_due").record(try row?.decode("due", as: Int.self) ?? 0)
        }
    }
}
