import FerryPostgres
public import Foundation

/// A run as `ferry runs list` shows it. JSON field names are the snake_case of these properties.
/// Run ids are lower-case UUID text, as PostgreSQL writes them.
public struct RunSummary: Sendable, Codable, Equatable {
    public var id: String
    public var workflow: String
    public var status: RunStatus
    public var stepIndex: Int
    public var stepCount: Int
    public var stepAttempt: Int
    public var stepPolls: Int
    public var lastError: String?
    public var definitionVersion: String
    public var idempotencyKey: String?
    public var concurrencyKey: String?
    public var scheduleId: String?
    public var scheduledFor: Date?
    public var leaseOwner: String?
    public var nextWakeAt: Date?
    public var cancelRequestedBy: String?
    public var createdBy: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why the run stopped (its error, or who cancelled it) once it performs, or performed, its
    /// compensation steps; `compensatedAt` is when they completed: what the run had made was undone.
    public var stoppedAtStep: Int?
    public var stopReason: String?
    public var compensatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case workflow
        case status
        case stepIndex = "step_index"
        case stepCount = "step_count"
        case stepAttempt = "step_attempt"
        case stepPolls = "step_polls"
        case lastError = "last_error"
        case definitionVersion = "definition_version"
        case idempotencyKey = "idempotency_key"
        case concurrencyKey = "concurrency_key"
        case scheduleId = "schedule_id"
        case scheduledFor = "scheduled_for"
        case leaseOwner = "lease_owner"
        case nextWakeAt = "next_wake_at"
        case cancelRequestedBy = "cancel_requested_by"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case stoppedAtStep = "stopped_at_step"
        case stopReason = "stop_reason"
        case compensatedAt = "compensated_at"
    }
}

/// A completed step's checkpoint.
public struct StepCheckpoint: Sendable, Codable, Equatable {
    public var stepIndex: Int
    public var stepName: String
    public var output: JSONValue
    public var attempts: Int
    public var polls: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var workerId: String

    enum CodingKeys: String, CodingKey {
        case stepIndex = "step_index"
        case stepName = "step_name"
        case output
        case attempts
        case polls
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case workerId = "worker_id"
    }
}

/// One audit event.
public struct AuditEvent: Sendable, Codable, Equatable {
    public var id: Int64
    public var occurredAt: Date
    public var runId: String?
    public var kind: String
    public var stepName: String?
    public var actor: String
    public var detail: JSONValue

    enum CodingKeys: String, CodingKey {
        case id
        case occurredAt = "occurred_at"
        case runId = "run_id"
        case kind
        case stepName = "step_name"
        case actor
        case detail
    }
}

public struct RunFilter: Sendable {
    public var status: RunStatus?
    public var workflow: String?
    public var limit: Int

    public init(status: RunStatus? = nil, workflow: String? = nil, limit: Int = 50) {
        self.status = status
        self.workflow = workflow
        self.limit = limit
    }
}

extension RunStore {
    private static let summaryColumns = """
        id, workflow, status::text, step_index, step_count, step_attempt, step_polls, last_error, definition_version,
        idempotency_key, concurrency_key, schedule_id, scheduled_for, lease_owner, next_wake_at, cancel_requested_by,
        created_by, created_at, started_at, finished_at, stopped_at_step, stop_reason, compensated_at
        """

    /// The newest runs first.
    public func listRuns(_ filter: RunFilter) throws -> [RunSummary] {
        try connection.query("""
            SELECT \(unescaped: Self.summaryColumns) FROM ferry.runs
            WHERE (\(filter.status?.rawValue)::ferry.run_status IS NULL OR status = \(filter.status?.rawValue)::ferry.run_status)
                AND (\(filter.workflow)::text IS NULL OR workflow = \(filter.workflow))
            ORDER BY created_at DESC, id
            LIMIT \(filter.limit)
            """).map(Self.summary)
    }

    public func run(id: UUID) throws -> RunSummary? {
        try connection.query("SELECT \(unescaped: Self.summaryColumns) FROM ferry.runs WHERE id = \(id)")
            .first.map(Self.summary)
    }

    public func runInput(id: UUID) throws -> JSONValue {
        guard let text: String = try connection.query("SELECT input FROM ferry.runs WHERE id = \(id)").first?.decode("input") else {
            throw OperatorError(message: "no run \(id)")
        }
        return try JSONValue(parsing: text)
    }

    public func checkpoints(runID: UUID) throws -> [StepCheckpoint] {
        try connection.query("""
            SELECT step_index, step_name, output, attempts, polls, started_at, finished_at, worker_id
            FROM ferry.step_checkpoints WHERE run_id = \(runID) ORDER BY step_index
            """).map { row in
            StepCheckpoint(
                stepIndex: try row.decode("step_index"), stepName: try row.decode("step_name"),
                output: try JSONValue(parsing: try row.decode("output")), attempts: try row.decode("attempts"),
                polls: try row.decode("polls"), startedAt: try row.decode("started_at"),
                finishedAt: try row.decode("finished_at"), workerId: try row.decode("worker_id")
            )
        }
    }

    /// Audit events in the order they happened, optionally of one run and from a time on.
    public func events(runID: UUID?, since: Date?, limit: Int) throws -> [AuditEvent] {
        try connection.query("""
            SELECT id, occurred_at, run_id, kind, step_name, actor, detail FROM ferry.events
            WHERE (\(runID)::uuid IS NULL OR run_id = \(runID)) AND (\(since)::timestamptz IS NULL OR occurred_at >= \(since))
            ORDER BY id
            LIMIT \(limit)
            """).map { row in
            AuditEvent(
                id: try row.decode("id"), occurredAt: try row.decode("occurred_at"), runId: try row.decode("run_id"),
                kind: try row.decode("kind"), stepName: try row.decode("step_name"), actor: try row.decode("actor"),
                detail: try JSONValue(parsing: try row.decode("detail"))
            )
        }
    }

    private static func summary(_ row: PostgresRow) throws -> RunSummary {
        let statusText: String = try row.decode("status")
        guard let status = RunStatus(rawValue: statusText) else {
            throw PostgresError(kind: .decoding, message: "unknown run status \"\(statusText)\"")
        }
        return RunSummary(
            id: try row.decode("id"), workflow: try row.decode("workflow"), status: status,
            stepIndex: try row.decode("step_index"), stepCount: try row.decode("step_count"),
            stepAttempt: try row.decode("step_attempt"), stepPolls: try row.decode("step_polls"),
            lastError: try row.decode("last_error"), definitionVersion: try row.decode("definition_version"),
            idempotencyKey: try row.decode("idempotency_key"), concurrencyKey: try row.decode("concurrency_key"),
            scheduleId: try row.decode("schedule_id"), scheduledFor: try row.decode("scheduled_for"),
            leaseOwner: try row.decode("lease_owner"), nextWakeAt: try row.decode("next_wake_at"),
            cancelRequestedBy: try row.decode("cancel_requested_by"), createdBy: try row.decode("created_by"),
            createdAt: try row.decode("created_at"), startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"), stoppedAtStep: try row.decode("stopped_at_step"), stopReason: try row.decode("stop_reason"),
            compensatedAt: try row.decode("compensated_at")
        )
    }
}
