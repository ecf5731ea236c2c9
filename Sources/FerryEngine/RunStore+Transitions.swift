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
    /// An operator's cancel was honoured at this step boundary, at a step with compensation: the run goes
    /// on with its compensation steps, the first of which started at `nextStepStartedAt`.
    case compensating(Compensation, nextStepStartedAt: Date)
    /// The run ended: succeeded, cancelled at this boundary, or, after its last compensation step, as it
    /// stopped (failed or cancelled).
    case finished(RunStatus)
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

    /// What a checkpoint sets after the last step: the run ends as it stopped, or succeeded.
    private static let finishRun = """
        step_index = step_index + 1, status = coalesce(ends_as, 'succeeded'),
        last_error = CASE WHEN ends_as = 'failed' THEN stop_reason END,
        compensated_at = CASE WHEN stopped_at_step IS NOT NULL THEN now() END,
        finished_at = now(), next_wake_at = NULL, lease_owner = NULL, lease_expires_at = NULL
        """

    /// What a checkpoint sets after any other step: the run goes on, unless a cancel was requested, which
    /// stops it here or, at a step with compensation, sends it to its compensation steps. Built once:
    /// assembling it for every checkpoint cost the client more than the rest of the statement.
    private static let advanceRun: String = {
        let cancelled = "cancel_requested_at IS NOT NULL AND stopped_at_step IS NULL"
        let undo = "(\(cancelled) AND step_index + 1 = ANY (compensated_stops))"
        let stop = "(\(cancelled) AND NOT step_index + 1 = ANY (compensated_stops))"
        return """
            step_index = CASE WHEN \(undo) THEN step_count ELSE step_index + 1 END,
            stopped_at_step = CASE WHEN \(undo) THEN step_index + 1 ELSE stopped_at_step END,
            ends_as = CASE WHEN \(undo) THEN 'cancelled'::ferry.run_status ELSE ends_as END,
            stop_reason = CASE WHEN \(undo) THEN 'cancelled by ' || cancel_requested_by ELSE stop_reason END,
            last_error = NULL,
            status = CASE WHEN \(stop) THEN 'cancelled' ELSE 'running' END::ferry.run_status,
            finished_at = CASE WHEN \(stop) THEN now() END,
            next_wake_at = CASE WHEN \(stop) THEN NULL ELSE next_wake_at END,
            lease_owner = CASE WHEN \(stop) THEN NULL ELSE lease_owner END,
            lease_expires_at = CASE WHEN \(stop) THEN NULL ELSE lease_expires_at END
            """
    }()

    /// The checkpoint row of the step that a statement's `advanced` CTE moved past, as a CTE named
    /// `checkpoint`: both checkpoint statements write it from this one text.
    private static func checkpointRow(_ completion: StepCompletion, fence: LeaseFence) -> PostgresQuery {
        """
        checkpoint AS (
                INSERT INTO ferry.step_checkpoints
                    (run_id, step_index, step_name, output, attempts, polls, started_at, worker_id, lease_epoch)
                SELECT id, \(fence.stepIndex), \(fence.stepName), \(completion.output.jsonText)::jsonb,
                    \(completion.attempts), \(completion.polls), \(completion.startedAt), \(fence.workerID), \(fence.epoch)
                FROM advanced
            )
        """
    }

    /// The `step.completed` event of that step, as rows for `INSERT INTO ferry.events (run_id, kind,
    /// step_name, actor, detail)`.
    private static func completedEvent(_ completion: StepCompletion, fence: LeaseFence) -> PostgresQuery {
        """
        SELECT id, 'step.completed', \(fence.stepName), \(fence.workerID), jsonb_build_object(
                    'step_index', \(fence.stepIndex)::int, 'attempts', \(completion.attempts)::int, 'polls', \(completion.polls)::int)
                FROM advanced
        """
    }

    /// The `run.succeeded`, `run.failed` or `run.cancelled` event of a run that the `advanced` CTE ended, by
    /// whoever ended it (the worker, or the operator whose cancel it honoured).
    private static func endedEvent(fence: LeaseFence) -> PostgresQuery {
        """
        SELECT id, 'run.' || status, NULL, coalesce(cancel_requested_by, \(fence.workerID)::text),
                    jsonb_build_object('steps_completed', \(fence.stepIndex + 1)::int)
                FROM advanced
        """
    }

    /// Checkpoints a completed step and advances the run, in one statement (one commit): the output row,
    /// the run's new position and the audit event land together or not at all. Nil if the lease was lost.
    ///
    /// A cancel requested meanwhile is honoured here: the run ends cancelled, or goes on with its
    /// compensation steps if the step it stops at has any. After the last step of a compensating run, the
    /// run ends as it stopped, with its original reason.
    ///
    /// A run's last step goes through `finish`. Any other goes through `advance`, which sets none of the
    /// columns the triggers on runs watch; only if it changes no row (a cancel to honour, or the lease lost)
    /// does the statement below run, in a transaction of its own.
    public func checkpoint(_ completion: StepCompletion, fence: LeaseFence, isLastStep: Bool) throws -> CheckpointOutcome? {
        try checkpoint(completion, fence: fence, isLastStep: isLastStep, claimingNext: nil).outcome
    }

    /// `checkpoint`, and after the last step also `claim` for the slot's next run, in the same statement: a
    /// slot goes from one run to the next in one commit. The claim is made whether or not the checkpoint's
    /// lease held; the caller must perform the run it returns.
    public func checkpoint(
        _ completion: StepCompletion, fence: LeaseFence, isLastStep: Bool, claimingNext claim: ClaimRequest?
    ) throws -> (outcome: CheckpointOutcome?, next: ClaimedRun?) {
        if isLastStep {
            return try finish(completion, fence: fence, claimingNext: claim)
        }
        if let nextStepStartedAt = try advance(completion, fence: fence) {
            return (.running(nextStepStartedAt: nextStepStartedAt), nil)
        }
        let rows = try connection.query("""
            WITH advanced AS (
                UPDATE ferry.runs
                SET step_attempt = 0, step_polls = 0, step_started_at = now(), \(unescaped: Self.advanceRun)
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced)
                RETURNING id, status, step_index, step_count, step_started_at, cancel_requested_by,
                    stopped_at_step, ends_as, stop_reason,
                    (status = 'running' AND stopped_at_step IS NOT NULL AND step_index = step_count) AS began_compensation
            ), \(fragment: Self.checkpointRow(completion, fence: fence)), recorded AS (
                INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
                \(fragment: Self.completedEvent(completion, fence: fence))
                UNION ALL
                \(fragment: Self.endedEvent(fence: fence)) WHERE status <> 'running'
                UNION ALL
                SELECT id, 'run.compensating', NULL, cancel_requested_by,
                    jsonb_build_object('step_index', stopped_at_step, 'ends_as', ends_as, 'reason', stop_reason)
                FROM advanced WHERE began_compensation
            )
            SELECT status::text, step_started_at, began_compensation, stopped_at_step, ends_as::text, stop_reason FROM advanced
            """)
        guard let row = rows.first else { return (nil, nil) }
        let status = try Self.runStatus(try row.decode("status"))
        guard status == .running else { return (.finished(status), nil) }
        let nextStepStartedAt: Date = try row.decode("step_started_at")
        guard try row.decode("began_compensation", as: Bool.self) else { return (.running(nextStepStartedAt: nextStepStartedAt), nil) }
        let compensation = Compensation(stoppedAtStep: try row.decode("stopped_at_step"), endsAs: try Self.runStatus(try row.decode("ends_as")),
                                        reason: try row.decode("stop_reason"))
        return (.compensating(compensation, nextStepStartedAt: nextStepStartedAt), nil)
    }

    /// Checkpoints a run's last step, which ends it (succeeded, or as it stopped), and claims the slot's next
    /// run if asked, in one statement.
    private func finish(
        _ completion: StepCompletion, fence: LeaseFence, claimingNext claim: ClaimRequest?
    ) throws -> (outcome: CheckpointOutcome?, next: ClaimedRun?) {
        let claiming: PostgresQuery = claim.map { ", \(fragment: Self.claiming($0, except: fence.runID))" } ?? ""
        guard let row = try connection.query("""
            WITH advanced AS (
                UPDATE ferry.runs
                SET step_attempt = 0, step_polls = 0, step_started_at = now(), \(unescaped: Self.finishRun)
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced)
                RETURNING id, status, cancel_requested_by
            ), \(fragment: Self.checkpointRow(completion, fence: fence)), recorded AS (
                INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
                \(fragment: Self.completedEvent(completion, fence: fence))
                UNION ALL
                \(fragment: Self.endedEvent(fence: fence))
            )\(fragment: claiming)
            SELECT (SELECT status::text FROM advanced) AS finished_status\(unescaped: claim == nil ? "" : ", " + Self.claimedColumns)
            FROM (VALUES (true)) AS one (row)\(unescaped: claim == nil ? "" : " LEFT JOIN claimed ON true")
            """).first else {
            throw PostgresError(kind: .decoding, message: "the statement that finishes a run returned no row")
        }
        let finished: String? = try row.decode("finished_status")
        return (try finished.map { .finished(try Self.runStatus($0)) }, claim == nil ? nil : try Self.claimedRun(row))
    }

    /// Checkpoints a step that is not the last and moves the run to the next, if the run has no cancel to
    /// honour; returns when the next step started (database time). The statement sets only step columns,
    /// none of those (status, next_wake_at, stopped_at_step) whose update fires the triggers on runs: a
    /// trigger's WHEN clause is read and planned again for every statement that sets a column it watches,
    /// which cost more than the rest of the checkpoint. Nil if no run was advanced.
    private func advance(_ completion: StepCompletion, fence: LeaseFence) throws -> Date? {
        try connection.query("""
            WITH advanced AS (
                UPDATE ferry.runs
                SET step_index = step_index + 1, step_attempt = 0, step_polls = 0, step_started_at = now(), last_error = NULL
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced) AND (cancel_requested_at IS NULL OR stopped_at_step IS NOT NULL)
                RETURNING id, step_started_at
            ), \(fragment: Self.checkpointRow(completion, fence: fence)), recorded AS (
                INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
                \(fragment: Self.completedEvent(completion, fence: fence))
            )
            SELECT step_started_at FROM advanced
            """).first?.decode("step_started_at")
    }

    /// The run has failed at its current step, which has compensation: instead of failing, it goes on under
    /// the same lease with its compensation steps, and records why it stopped. Returns when the first
    /// compensation step started (database time); nil if the lease was lost.
    public func beginCompensation(fence: LeaseFence, failedAttempts: Int, polls: Int, error: String) throws -> Date? {
        try connection.query("""
            WITH compensating AS (
                UPDATE ferry.runs
                SET stopped_at_step = step_index, ends_as = 'failed', stop_reason = \(error),
                    step_index = step_count, step_attempt = 0, step_polls = 0, step_started_at = now(), last_error = NULL
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND stopped_at_step IS NULL AND \(unescaped: Self.fenced)
                RETURNING id, step_started_at
            ), recorded AS (
                INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
                SELECT id, 'run.compensating', \(fence.stepName), \(fence.workerID),
                    jsonb_build_object('step_index', \(fence.stepIndex)::int, 'ends_as', 'failed', 'reason', \(error)::text,
                        'failed_attempts', \(failedAttempts)::int, 'polls', \(polls)::int)
                FROM compensating
            )
            SELECT step_started_at FROM compensating
            """).first?.decode("step_started_at")
    }

    /// Parks the run to ask the step again after `delay` seconds and releases the lease. A cancel requested
    /// meanwhile is honoured instead: the run ends cancelled, or, if the step has compensation, is made due
    /// now to perform its compensation steps. `kind` is `step.waiting` for a poll, `step.retrying` after a
    /// retryable error. False if the lease was lost.
    ///
    /// A run waiting in line for a permit that is free for it by now (released after the step was refused,
    /// while the run was still running and so could not be woken) is parked due now instead. The
    /// semaphores are share-locked, so a release under way is either seen here or wakes the parked run
    /// (not for a run being cancelled, which wants no permit). The run's row is locked first and the
    /// semaphores after it, the engine's one lock order (`sql/engine/009_lock_order.sql`).
    public func park(
        fence: LeaseFence, delay: Double, failedAttempts: Int, polls: Int, error: String?, kind: String, reason: String
    ) throws -> Bool {
        try connection.query("""
            WITH target AS (
                SELECT id, cancel_requested_at IS NOT NULL AND stopped_at_step IS NULL AS cancelled,
                    step_index = ANY (compensated_stops) AS compensate
                FROM ferry.runs
                WHERE id = \(fence.runID) AND lease_epoch = \(fence.epoch) AND step_index = \(fence.stepIndex)
                    AND \(unescaped: Self.fenced)
                FOR UPDATE
            ), queued AS (
                -- Read from the locked run, so that its row is locked before any semaphore's.
                SELECT s.name, s.permits - s.in_use AS free, w.since
                FROM target t
                JOIN ferry.semaphore_waiters w ON w.run_id = t.id
                JOIN ferry.semaphores s ON s.name = w.semaphore
                WHERE NOT t.cancelled
                ORDER BY s.name
                FOR SHARE OF s
            ), parked AS (
                UPDATE ferry.runs r
                SET status = CASE WHEN t.cancelled AND NOT t.compensate THEN 'cancelled' ELSE 'waiting' END::ferry.run_status,
                    next_wake_at = CASE WHEN NOT t.cancelled AND EXISTS (
                                            SELECT 1 FROM queued q
                                            WHERE (SELECT count(*) FROM ferry.semaphore_waiters ahead
                                                   WHERE ahead.semaphore = q.name AND ahead.since < q.since) < q.free
                                        ) THEN now()
                                        WHEN NOT t.cancelled THEN now() + make_interval(secs => \(delay))
                                        WHEN t.compensate THEN now() END,
                    finished_at = CASE WHEN t.cancelled AND NOT t.compensate THEN now() END,
                    lease_owner = NULL, lease_expires_at = NULL,
                    step_attempt = CASE WHEN t.cancelled THEN 0 ELSE \(failedAttempts) END,
                    step_polls = CASE WHEN t.cancelled THEN 0 ELSE \(polls) END,
                    last_error = CASE WHEN t.cancelled THEN NULL ELSE \(error) END,
                    stopped_at_step = CASE WHEN t.cancelled AND t.compensate THEN r.step_index ELSE r.stopped_at_step END,
                    ends_as = CASE WHEN t.cancelled AND t.compensate THEN 'cancelled'::ferry.run_status ELSE r.ends_as END,
                    stop_reason = CASE WHEN t.cancelled AND t.compensate THEN 'cancelled by ' || r.cancel_requested_by ELSE r.stop_reason END,
                    step_index = CASE WHEN t.cancelled AND t.compensate THEN r.step_count ELSE r.step_index END,
                    step_started_at = CASE WHEN t.cancelled AND t.compensate THEN NULL ELSE r.step_started_at END
                FROM target t
                WHERE r.id = t.id
                RETURNING r.id, r.status, r.cancel_requested_by, t.cancelled, t.compensate
            )
            INSERT INTO ferry.events (run_id, kind, step_name, actor, detail)
            SELECT id, CASE WHEN NOT cancelled THEN \(kind) WHEN compensate THEN 'run.compensating' ELSE 'run.cancelled' END,
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

    static func runStatus(_ text: String) throws -> RunStatus {
        guard let status = RunStatus(rawValue: text) else {
            throw PostgresError(kind: .decoding, message: "unknown run status \"\(text)\"")
        }
        return status
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
