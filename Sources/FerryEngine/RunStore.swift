public import FerryPostgres
public import Foundation

/// A run a worker holds under a lease. Every write it makes is fenced by `leaseEpoch`.
public struct ClaimedRun: Sendable {
    public var id: UUID
    public var workflow: String
    public var definitionVersion: String
    public var input: JSONValue
    public var stepIndex: Int
    public var stepCount: Int
    public var failedAttempts: Int
    public var polls: Int
    public var stepStartedAt: Date
    public var leaseEpoch: Int64
    public var scheduledFor: Date?
    public var createdAt: Date
    /// The database's clock when the run was claimed: step time budgets are measured against it.
    public var databaseNow: Date
    /// The outputs of completed steps, by step name.
    public var outputs: [String: JSONValue]
    /// The worker whose expired lease this claim took over, if any.
    public var tookOverFrom: String?
    /// Set once the run stopped and is performing its compensation steps.
    public var compensation: Compensation?
}

/// Who claims a run, and for how long: a slot's claim, made on its own or by the statement that finishes the
/// slot's run.
public struct ClaimRequest: Sendable {
    public var workerID: String
    public var leaseSeconds: Double

    public init(workerID: String, leaseSeconds: Double) {
        self.workerID = workerID
        self.leaseSeconds = leaseSeconds
    }
}

/// Why and where a run stopped, while it undoes what it made (its compensation steps).
public struct Compensation: Sendable, Equatable {
    /// The step index at which the run failed or was cancelled.
    public var stoppedAtStep: Int
    /// What the run ends as once compensated: failed or cancelled.
    public var endsAs: RunStatus
    /// The error, or who cancelled.
    public var reason: String

    public init(stoppedAtStep: Int, endsAs: RunStatus, reason: String) {
        self.stoppedAtStep = stoppedAtStep
        self.endsAs = endsAs
        self.reason = reason
    }
}

/// The engine's statements: one method per statement, each a guarded transition whose zero-row result
/// means another worker or an operator changed the run first.
public struct RunStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    // MARK: Definitions and workers

    /// Records a definition version so that any worker can finish runs started under it.
    public func register(_ definition: WorkflowDefinition) throws {
        try connection.execute("""
            INSERT INTO ferry.workflow_definitions (version, name, source)
            VALUES (\(definition.version), \(definition.name), \(definition.source))
            ON CONFLICT (version) DO NOTHING
            """)
    }

    public func definitionSource(version: String) throws -> String? {
        try connection.query("SELECT source FROM ferry.workflow_definitions WHERE version = \(version)")
            .first?.decode("source")
    }

    public func registerWorker(id: String, hostname: String, pid: Int32, concurrency: Int) throws {
        try connection.execute("""
            INSERT INTO ferry.workers (id, hostname, pid, concurrency) VALUES (\(id), \(hostname), \(pid), \(concurrency))
            ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
                concurrency = excluded.concurrency, started_at = now(), heartbeat_at = now(), stopped_at = NULL
            """)
    }

    public func markWorkerStopped(id: String) throws {
        try connection.execute("UPDATE ferry.workers SET stopped_at = now() WHERE id = \(id)")
    }

    /// Extends the leases this worker's slots still hold, each under the epoch it was claimed with (never
    /// one that already expired or that another worker took), and records that the worker is alive.
    /// Returns how many leases were extended.
    ///
    /// A run whose row is locked is skipped, not waited for: its slot is writing it (a checkpoint, a park, a
    /// permit), and a heartbeat that waited while holding the rows of the worker's other runs would close a
    /// deadlock with a slot that holds its run and waits for a semaphore another slot's park shares (see
    /// `sql/engine/009_lock_order.sql`). The skipped lease is extended at the next beat, a third of a lease later.
    @discardableResult
    public func heartbeat(workerID: String, runIDs: [String], epochs: [Int64], leaseSeconds: Double) throws -> Int {
        try connection.query("""
            WITH alive AS (UPDATE ferry.workers SET heartbeat_at = now() WHERE id = \(workerID)),
            held AS (
                SELECT r.id FROM ferry.runs r
                JOIN unnest(\(runIDs)::uuid[], \(epochs.map(String.init))::bigint[]) AS h (id, epoch)
                    ON r.id = h.id AND r.lease_epoch = h.epoch
                WHERE r.lease_owner = \(workerID) AND r.status = 'running' AND r.lease_expires_at > now()
                FOR UPDATE OF r SKIP LOCKED
            )
            UPDATE ferry.runs r
            SET lease_expires_at = now() + make_interval(secs => \(leaseSeconds)),
                next_wake_at = now() + make_interval(secs => \(leaseSeconds))
            FROM held h
            WHERE r.id = h.id
            """).affectedRows
    }

    // MARK: Claiming

    /// Claims the run that has been due longest (pending, waiting and woken, or running under an expired
    /// lease), bumping its fencing epoch. Nil when nothing is due.
    public func claim(workerID: String, leaseSeconds: Double) throws -> ClaimedRun? {
        let claim = ClaimRequest(workerID: workerID, leaseSeconds: leaseSeconds)
        guard let row = try connection.query("""
            WITH \(fragment: Self.claiming(claim, except: nil))
            SELECT \(unescaped: Self.claimedColumns) FROM claimed
            """).first else { return nil }
        return try Self.claimedRun(row)
    }

    /// The CTEs of a claim (`candidate`, `claimed`, `claim_recorded`), shared by `claim` and by the checkpoint
    /// that finishes a run and claims the slot's next in the same statement; `except` is the run that
    /// statement finishes.
    static func claiming(_ claim: ClaimRequest, except finishing: UUID?) -> PostgresQuery {
        """
        candidate AS (
                SELECT id, status AS previous_status, lease_owner AS previous_owner
                FROM ferry.runs
                WHERE next_wake_at <= now() AND id IS DISTINCT FROM \(finishing)
                ORDER BY next_wake_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE ferry.runs r
                SET status = 'running', lease_owner = \(claim.workerID), lease_epoch = r.lease_epoch + 1,
                    lease_expires_at = now() + make_interval(secs => \(claim.leaseSeconds)),
                    next_wake_at = now() + make_interval(secs => \(claim.leaseSeconds)),
                    started_at = coalesce(r.started_at, now()),
                    step_started_at = coalesce(r.step_started_at, now())
                FROM candidate c
                WHERE r.id = c.id
                RETURNING r.id, r.workflow, r.definition_version, r.input, r.step_index, r.step_count,
                    r.step_attempt, r.step_polls, r.step_started_at, r.lease_epoch, r.scheduled_for, r.created_at,
                    r.stopped_at_step, r.ends_as::text, r.stop_reason, c.previous_status, c.previous_owner
            ), claim_recorded AS (
                INSERT INTO ferry.events (run_id, kind, actor, detail)
                SELECT id, 'run.claimed', \(claim.workerID), jsonb_build_object(
                    'lease_epoch', lease_epoch, 'step_index', step_index, 'previous_status', previous_status,
                    'took_over_from', CASE WHEN previous_status = 'running' THEN previous_owner END)
                FROM claimed
            )
        """
    }

    /// What a statement with the claim's CTEs selects of the claimed run, for `claimedRun`.
    static let claimedColumns = """
        claimed.*, now() AS database_now,
            (SELECT coalesce(jsonb_object_agg(step_name, output), '{}')
             FROM ferry.step_checkpoints s WHERE s.run_id = claimed.id) AS outputs
        """

    /// The run a statement claimed, from the columns `claimedColumns` names; nil if they are NULL (nothing was due).
    static func claimedRun(_ row: PostgresRow) throws -> ClaimedRun? {
        guard let id: UUID = try row.decode("id") else { return nil }
        let previousStatus: String = try row.decode("previous_status")
        var compensation: Compensation?
        if let stoppedAt: Int = try row.decode("stopped_at_step") {
            compensation = Compensation(stoppedAtStep: stoppedAt, endsAs: try runStatus(try row.decode("ends_as")),
                                        reason: try row.decode("stop_reason"))
        }
        return ClaimedRun(
            id: id,
            workflow: try row.decode("workflow"),
            definitionVersion: try row.decode("definition_version"),
            input: try JSONValue(parsing: try row.decode("input")),
            stepIndex: try row.decode("step_index"),
            stepCount: try row.decode("step_count"),
            failedAttempts: try row.decode("step_attempt"),
            polls: try row.decode("step_polls"),
            stepStartedAt: try row.decode("step_started_at"),
            leaseEpoch: try row.decode("lease_epoch"),
            scheduledFor: try row.decode("scheduled_for"),
            createdAt: try row.decode("created_at"),
            databaseNow: try row.decode("database_now"),
            outputs: try JSONValue(parsing: try row.decode("outputs")).objectValue ?? [:],
            tookOverFrom: previousStatus == "running" ? try row.decode("previous_owner") : nil,
            compensation: compensation
        )
    }

    /// Seconds until the next run is due (zero or less if one is due now), nil if none is waiting.
    public func secondsUntilNextDue() throws -> Double? {
        try connection.query("""
            SELECT extract(epoch FROM min(next_wake_at) - now())::float8 AS seconds
            FROM ferry.runs WHERE next_wake_at IS NOT NULL
            """).first?.decode("seconds")
    }
}
