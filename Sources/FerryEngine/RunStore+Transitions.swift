import FerryPostgres
public import Foundation

/// The lease a worker writes under: a write lands only while the run is still running under this epoch
/// and the lease has not expired.
public struct LeaseFence: Sendable {
    public var runID: UUID
    public var epoch: Int64
    public var stepIndex: Int
    public var stepName: String
    public var workerID: String

    public init(runID: UUID, epoch: Int64, stepIndex: Int, stepName: String, workerID: String) {
        self.runID = runID
        self.epoch = epoch
        self.stepIndex = stepIndex
        self.stepName = stepName
        self.workerID = workerID
    }
}

/// What became of a run after its step's checkpoint.
public enum CheckpointOutcome: Sendable, Equatable {
    /// The run goes on; the next step started at `nextStepStartedAt` (database time).
    case running(nextStepStartedAt: Date)
    case succeeded
    /// An operator asked to cancel: honoured at this step boundary.
    case cancelled
}

/// A completed step as it is checkpointed.
public struct StepCompletion: Sendable {
    public var output: JSONValue
    /// Attempts in all, this successful one included.
    public var attempts: Int
    public var polls: Int
    public var startedAt: Date

    public init(output: JSONValue, attempts: Int, polls: Int, startedAt: Date) {
        self.output = output
        self.attempts = attempts
        self.polls = polls
        self.startedAt = startedAt
    }
}

extension RunStore {
    /// The guard every fenced write repeats.
    private static let fenced = "status = 'running' AND lease_expires_at > now()"

    /// Checkpoints a completed step and advances the run, in one statement (one commit): the output row,
    /// the run's new position and the audit event land together or not at all. Nil if the lease was lost.
    public func checkpoint(_ completion: StepCompletion, fence: LeaseFence, isLastStep: Bool) throws -> CheckpointOutcome? {
        let next = isLastStep
            ? """
              status = 'succeeded', finished_at = now(), next_wake_at = NULL, lease_owner = NULL, lease_expires_at = NULL
              """
            : """
              status = CASE WHEN cancel_requested_at IS NULL THEN 'running' ELSE 'cancelled' END::ferry.run_status,
              finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
              next_wake_at = CASE WHEN cancel_requested_at IS NULL THEN next_wake_at END,
              lease_owner = CASE WHEN cancel_requested_at IS NULL THEN lease_owner END,
              lease_expires_at = CASE WHEN cancel_requested_at IS NULL THEN lease_expires_at END
              """
        let rows = try connection.query("""
            WITH advanced AS (
                UPDATE ferry.runs
                SET step_index = step_index + 1, step_attempt = 0, step_polls = 0, last_error = NULL,
                    step_started_at = now(), \(unescaped: next)
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced)
                RETURNING id, status, step_started_at, cancel_requested_by
            ), checkpoint AS (
                INSERT INTO ferry.step_checkpoints
                    (run_id, step_index, step_name, output, attempts, polls, started_at, worker_id, lease_epoch)
                SELECT id, \(fence.stepIndex), \(fence.stepName), \(completion.output.jsonText)::jsonb,
                    \(completion.attempts), \(completion.polls), \(completion.startedAt), \(fence.workerID), \(fence.epoch)
                FROM advanced
            ), recorded AS (
                INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
                SELECT id, 'step.completed', \(fence.stepName), \(fence.workerID), jsonb_build_object(
                    'step_index', \(fence.stepIndex)::int, 'attempts', \(completion.attempts)::int, 'polls', \(completion.polls)::int)
                FROM advanced
                UNION ALL
                SELECT id, 'run.' || status, NULL, coalesce(cancel_requested_by, \(fence.workerID)::text),
                    jsonb_build_object('steps_completed', \(fence.stepIndex + 1)::int)
                FROM advanced WHERE status <> 'running'
            )
            SELECT status::text, step_started_at FROM advanced
            """)
        guard let row = rows.first else { return nil }
        switch try row.decode("status", as: String.self) {
        case "running": return .running(nextStepStartedAt: try row.decode("step_started_at"))
        case "succeeded": return .succeeded
        default: return .cancelled
        }
    }

    /// Parks the run to ask the step again after `delay` seconds and releases the lease (or cancels it, if
    /// an operator asked). `kind` is `step.waiting` for a poll, `step.retrying` after a retryable error.
    /// False if the lease was lost.
    public func park(
        fence: LeaseFence, delay: Double, failedAttempts: Int, polls: Int, error: String?, kind: String, reason: String
    ) throws -> Bool {
        try connection.query("""
            WITH parked AS (
                UPDATE ferry.runs
                SET status = CASE WHEN cancel_requested_at IS NULL THEN 'waiting' ELSE 'cancelled' END::ferry.run_status,
                    next_wake_at = CASE WHEN cancel_requested_at IS NULL THEN now() + make_interval(secs => \(delay)) END,
                    finished_at = CASE WHEN cancel_requested_at IS NULL THEN NULL ELSE now() END,
                    lease_owner = NULL, lease_expires_at = NULL,
                    step_attempt = \(failedAttempts), step_polls = \(polls), last_error = \(error)
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced)
                RETURNING id, status, cancel_requested_by
            )
            INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
            SELECT id, CASE WHEN status = 'cancelled' THEN 'run.cancelled' ELSE \(kind) END,
                \(fence.stepName), coalesce(cancel_requested_by, \(fence.workerID)::text),
                jsonb_build_object('step_index', \(fence.stepIndex)::int, 'delay_seconds', \(delay)::float8,
                    'failed_attempts', \(failedAttempts)::int, 'polls', \(polls)::int, 'reason', \(reason)::text)
            FROM parked
            """).affectedRows == 1
    }

    /// Fails the run with `error`. False if the lease was lost.
    public func fail(fence: LeaseFence, failedAttempts: Int, polls: Int, error: String) throws -> Bool {
        try connection.query("""
            WITH failed AS (
                UPDATE ferry.runs
                SET status = 'failed', finished_at = now(), next_wake_at = NULL, lease_owner = NULL,
                    lease_expires_at = NULL, step_attempt = \(failedAttempts), step_polls = \(polls), last_error = \(error)
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced)
                RETURNING id
            )
            INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
            SELECT id, 'run.failed', \(fence.stepName), \(fence.workerID),
                jsonb_build_object('step_index', \(fence.stepIndex)::int, 'error', \(error)::text)
            FROM failed
            """).affectedRows == 1
    }

    /// Gives the run back, due now, for another worker (graceful shutdown). False if the lease was lost.
    public func release(fence: LeaseFence) throws -> Bool {
        try connection.query("""
            WITH released AS (
                UPDATE ferry.runs
                SET status = 'waiting', next_wake_at = now(), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND \(unescaped: Self.fenced)
                RETURNING id
            )
            INSERT INTO ferry.events (run_id, kind, actor, detail)
            SELECT id, 'run.released', \(fence.workerID), jsonb_build_object('step_index', \(fence.stepIndex)::int)
            FROM released
            """).affectedRows == 1
    }

}
