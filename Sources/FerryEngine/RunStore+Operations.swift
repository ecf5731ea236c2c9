import FerryPostgres
public import Foundation

/// A request to start a run.
public struct RunRequest: Sendable {
    public var definition: WorkflowDefinition
    public var input: JSONValue
    /// Makes the start idempotent: a second start with the same key returns the first run.
    public var idempotencyKey: String?
    /// At most one unfinished run per key (e.g. one backup cycle per database).
    public var concurrencyKey: String?
    public var scheduleID: String?
    public var scheduledFor: Date?
    public var actor: String

    public init(
        definition: WorkflowDefinition, input: JSONValue = .object([:]), idempotencyKey: String? = nil,
        concurrencyKey: String? = nil, scheduleID: String? = nil, scheduledFor: Date? = nil, actor: String
    ) {
        self.definition = definition
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.concurrencyKey = concurrencyKey
        self.scheduleID = scheduleID
        self.scheduledFor = scheduledFor
        self.actor = actor
    }
}

public enum StartOutcome: Sendable, Equatable {
    case created(UUID)
    /// A run with the same idempotency key (or schedule fire) already exists.
    case existing(UUID)
    /// Another run with the same concurrency key is still in flight.
    case skipped(inFlight: UUID)

    public var runID: UUID {
        switch self {
        case .created(let id), .existing(let id), .skipped(let id): id
        }
    }
}

/// An operator's request refused because of the run's state.
public struct OperatorError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}

extension RunStore {
    /// Starts a run (one statement: the run, its `run.created` event and the wake-up notification).
    public func start(_ request: RunRequest) throws -> StartOutcome {
        let plan = try request.definition.plan(input: request.input)
        guard case .object = request.input else { throw WorkflowInputError(message: "the input must be a JSON object") }
        let compensatedStops = request.definition.compensatedStops(plan: plan).map(String.init)
        try register(request.definition)
        let created = try connection.query("""
            WITH created AS (
                INSERT INTO ferry.runs (workflow, definition_version, input, idempotency_key, concurrency_key,
                    schedule_id, scheduled_for, step_count, compensated_stops, next_wake_at, created_by)
                VALUES (\(request.definition.name), \(request.definition.version), \(request.input.jsonText)::jsonb,
                    \(request.idempotencyKey), \(request.concurrencyKey), \(request.scheduleID), \(request.scheduledFor),
                    \(plan.count), \(compensatedStops)::integer[], now(), \(request.actor))
                ON CONFLICT DO NOTHING
                RETURNING id, workflow
            ), recorded AS (
                INSERT INTO ferry.events (run_id, kind, actor, detail)
                SELECT id, 'run.created', \(request.actor), jsonb_build_object('workflow', workflow,
                    'idempotency_key', \(request.idempotencyKey)::text, 'schedule_id', \(request.scheduleID)::text)
                FROM created
            )
            SELECT id FROM created
            """)
        if let id: UUID = try created.first?.decode("id") { return .created(id) }
        // Nothing inserted: a unique key was taken. Read it in a new snapshot, so a concurrent start that
        // committed while this one waited is seen.
        if let existing: UUID = try connection.query("""
            SELECT id FROM ferry.runs
            WHERE idempotency_key = \(request.idempotencyKey)
                OR (schedule_id = \(request.scheduleID) AND scheduled_for = \(request.scheduledFor))
            """).first?.decode("id") {
            return .existing(existing)
        }
        if let inFlight: UUID = try connection.query("""
            SELECT id FROM ferry.runs
            WHERE concurrency_key = \(request.concurrencyKey) AND status IN ('pending', 'running', 'waiting')
            """).first?.decode("id") {
            return .skipped(inFlight: inFlight)
        }
        throw OperatorError(message: "the run was not created and no conflicting run was found; try again")
    }

    /// Cancels a pending or waiting run (and a running one whose lease expired) at once, or, when the
    /// step it stopped at has compensation, makes it due now to undo what it made first; a running one is
    /// asked to stop at its next step boundary. Returns the run's status after the request.
    public func cancel(runID: UUID, actor: String) throws -> RunStatus {
        let rows = try connection.query("""
            WITH target AS (
                SELECT id, (status IN ('pending', 'waiting') OR lease_expires_at <= now()) AS at_once,
                    (started_at IS NOT NULL AND step_index = ANY (compensated_stops)) AS compensate
                FROM ferry.runs
                WHERE id = \(runID) AND status IN ('pending', 'running', 'waiting') AND cancel_requested_at IS NULL
                    AND stopped_at_step IS NULL
                FOR UPDATE
            ), cancelled AS (
                UPDATE ferry.runs r
                SET cancel_requested_at = now(), cancel_requested_by = \(actor),
                    status = CASE WHEN NOT t.at_once THEN r.status WHEN t.compensate THEN 'waiting' ELSE 'cancelled' END::ferry.run_status,
                    finished_at = CASE WHEN t.at_once AND NOT t.compensate THEN now() END,
                    next_wake_at = CASE WHEN NOT t.at_once THEN r.next_wake_at WHEN t.compensate THEN now() END,
                    lease_owner = CASE WHEN t.at_once THEN NULL ELSE r.lease_owner END,
                    lease_expires_at = CASE WHEN t.at_once THEN NULL ELSE r.lease_expires_at END,
                    stopped_at_step = CASE WHEN t.at_once AND t.compensate THEN r.step_index END,
                    ends_as = CASE WHEN t.at_once AND t.compensate THEN 'cancelled'::ferry.run_status END,
                    stop_reason = CASE WHEN t.at_once AND t.compensate THEN 'cancelled by ' || \(actor)::text END,
                    step_index = CASE WHEN t.at_once AND t.compensate THEN r.step_count ELSE r.step_index END,
                    step_attempt = CASE WHEN t.at_once AND t.compensate THEN 0 ELSE r.step_attempt END,
                    step_polls = CASE WHEN t.at_once AND t.compensate THEN 0 ELSE r.step_polls END,
                    step_started_at = CASE WHEN t.at_once AND t.compensate THEN NULL ELSE r.step_started_at END
                FROM target t
                WHERE r.id = t.id
                RETURNING r.id, r.status, r.step_index, r.stopped_at_step
            ), recorded AS (
                INSERT INTO ferry.events (run_id, kind, actor, detail)
                SELECT id, CASE WHEN status = 'cancelled' THEN 'run.cancelled'
                                WHEN stopped_at_step IS NOT NULL THEN 'run.compensating'
                                ELSE 'run.cancel_requested' END,
                    \(actor), jsonb_build_object('step_index', coalesce(stopped_at_step, step_index), 'ends_as', 'cancelled')
                FROM cancelled
            )
            SELECT status::text FROM cancelled
            """)
        if let row = rows.first, let status = RunStatus(rawValue: try row.decode("status")) {
            return status
        }
        let status = try currentStatus(of: runID)
        if status == .running || status == .waiting || status == .pending {
            throw OperatorError(message: "run \(runID.lowercasedString) is already being cancelled or undone")
        }
        throw OperatorError(message: "run \(runID.lowercasedString) is \(status.rawValue); only a pending, running or waiting run can be cancelled")
    }

    /// Makes a failed or cancelled run due again from the step that did not complete, with a fresh attempt
    /// and poll budget. A run whose effects were undone by its compensation steps cannot resume; one whose
    /// compensation failed resumes its compensation.
    public func resume(runID: UUID, actor: String) throws {
        do {
            let rows = try connection.query("""
                WITH target AS (
                    SELECT id, status AS previous_status, last_error FROM ferry.runs
                    WHERE id = \(runID) AND status IN ('failed', 'cancelled') AND compensated_at IS NULL
                    FOR UPDATE
                ), resumed AS (
                    UPDATE ferry.runs r
                    SET status = 'pending', step_attempt = 0, step_polls = 0, step_started_at = NULL, last_error = NULL,
                        finished_at = NULL, next_wake_at = now(), cancel_requested_at = NULL, cancel_requested_by = NULL
                    FROM target t
                    WHERE r.id = t.id
                    RETURNING r.id, r.step_index, t.previous_status, t.last_error
                )
                INSERT INTO ferry.events (run_id, kind, actor, detail)
                SELECT id, 'run.resumed', \(actor), jsonb_build_object('step_index', step_index,
                    'previous_status', previous_status, 'previous_error', last_error)
                FROM resumed
                """)
            if rows.affectedRows == 1 { return }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw OperatorError(message: "run \(runID.lowercasedString) cannot resume: another run for the same target is in flight")
        }
        let status = try currentStatus(of: runID)
        if status == .failed || status == .cancelled {
            throw OperatorError(message: "run \(runID.lowercasedString) cannot resume: what it had made was undone when it stopped; start a new run")
        }
        throw OperatorError(message: "run \(runID.lowercasedString) is \(status.rawValue); only a failed or cancelled run can be resumed")
    }

    private func currentStatus(of runID: UUID) throws -> RunStatus {
        guard let text: String = try connection.query("SELECT status::text FROM ferry.runs WHERE id = \(runID)")
            .first?.decode("status") else {
            throw OperatorError(message: "no run \(runID.lowercasedString)")
        }
        guard let status = RunStatus(rawValue: text) else {
            throw PostgresError(kind: .decoding, message: "unknown run status \"\(text)\"")
        }
        return status
    }
}

extension UUID {
    /// The UUID as PostgreSQL and the CLI write it.
    public var lowercasedString: String { uuidString.lowercased() }
}
