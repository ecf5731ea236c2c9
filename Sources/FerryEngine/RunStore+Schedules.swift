import FerryPostgres
public import Foundation

/// A stored schedule: a cron expression in a time zone that starts runs of `workflow`.
public struct ScheduleRecord: Sendable, Equatable {
    public var id: String
    public var workflow: String
    public var cron: String
    public var timeZone: String
    public var paused: Bool
    public var nextFireAt: Date
    public var lastFireAt: Date?
    /// Set while the schedule's target is no longer in the configuration: it does not fire.
    public var retiredAt: Date?
}

/// A schedule as the configuration wants it.
public struct ScheduleDefinition: Sendable, Equatable {
    public var id: String
    public var workflow: String
    public var cron: String
    public var timeZone: String
    public var input: JSONValue
    public var concurrencyKey: String?
    /// Taken only by a new schedule, one whose cron or zone changed, or one coming back from retirement.
    public var nextFireAt: Date

    public init(id: String, workflow: String, cron: String, timeZone: String, input: JSONValue,
                concurrencyKey: String?, nextFireAt: Date) {
        self.id = id
        self.workflow = workflow
        self.cron = cron
        self.timeZone = timeZone
        self.input = input
        self.concurrencyKey = concurrencyKey
        self.nextFireAt = nextFireAt
    }
}

/// What became of a schedule's fire (or trigger), for the audit log: `schedule.fired`, `schedule.triggered`,
/// `schedule.skipped` or `schedule.failed`, about the run it started (if any).
public struct ScheduleEvent: Sendable, Equatable {
    public var kind: String
    public var runID: UUID?
    public var detail: JSONValue

    public init(kind: String, runID: UUID?, detail: JSONValue) {
        self.kind = kind
        self.runID = runID
        self.detail = detail
    }
}

extension RunStore {
    private static let scheduleColumns = """
        id, workflow, cron, time_zone, paused, next_fire_at, last_fire_at, retired_at
        """

    /// The database's clock: schedules fire by it, so that workers with skewed clocks agree.
    public func databaseNow() throws -> Date {
        guard let now: Date = try connection.query("SELECT now() AS now").first?.decode("now") else {
            throw PostgresError(kind: .decoding, message: "SELECT now() returned no row")
        }
        return now
    }

    public func schedules() throws -> [ScheduleRecord] {
        try connection.query("SELECT \(unescaped: Self.scheduleColumns) FROM ferry.schedules ORDER BY id")
            .map(Self.schedule)
    }

    public func schedule(id: String) throws -> ScheduleRecord? {
        try connection.query("SELECT \(unescaped: Self.scheduleColumns) FROM ferry.schedules WHERE id = \(id)")
            .first.map(Self.schedule)
    }

    /// Creates the missing schedules and updates the changed ones (keeping `paused`); an unchanged one is
    /// not written. Returns how many were created or updated.
    @discardableResult
    public func upsertSchedules(_ definitions: [ScheduleDefinition], actor: String) throws -> Int {
        try connection.query("""
            WITH wanted AS (
                SELECT * FROM unnest(\(definitions.map(\.id))::text[], \(definitions.map(\.workflow))::text[],
                    \(definitions.map(\.cron))::text[], \(definitions.map(\.timeZone))::text[],
                    \(definitions.map(\.input.jsonText))::jsonb[], \(definitions.map { $0.concurrencyKey ?? "" })::text[],
                    \(definitions.map(\.nextFireAt.postgresText!))::timestamptz[])
                    AS w (id, workflow, cron, time_zone, input, concurrency_key, next_fire_at)
            ), upserted AS (
                INSERT INTO ferry.schedules AS s (id, workflow, cron, time_zone, input, concurrency_key, next_fire_at)
                SELECT id, workflow, cron, time_zone, input, nullif(concurrency_key, ''), next_fire_at FROM wanted
                ON CONFLICT (id) DO UPDATE
                SET workflow = excluded.workflow, cron = excluded.cron, time_zone = excluded.time_zone,
                    input = excluded.input, concurrency_key = excluded.concurrency_key, retired_at = NULL, updated_at = now(),
                    next_fire_at = CASE
                        WHEN (s.cron, s.time_zone) IS DISTINCT FROM (excluded.cron, excluded.time_zone) OR s.retired_at IS NOT NULL
                        THEN excluded.next_fire_at ELSE s.next_fire_at END
                WHERE (s.workflow, s.cron, s.time_zone, s.input, s.concurrency_key, s.retired_at IS NULL)
                    IS DISTINCT FROM (excluded.workflow, excluded.cron, excluded.time_zone, excluded.input, excluded.concurrency_key, true)
                RETURNING s.id, s.cron, s.time_zone, s.next_fire_at, (s.xmax = 0) AS inserted
            )
            INSERT INTO ferry.events (kind, actor, detail)
            SELECT CASE WHEN inserted THEN 'schedule.created' ELSE 'schedule.updated' END, \(actor),
                jsonb_build_object('schedule_id', id, 'cron', cron, 'time_zone', time_zone, 'next_fire_at', next_fire_at)
            FROM upserted
            """).affectedRows
    }

    /// Retires every active schedule not in `keeping`. Returns how many were retired.
    @discardableResult
    public func retireSchedules(keeping ids: [String], actor: String) throws -> Int {
        try connection.query("""
            WITH retired AS (
                UPDATE ferry.schedules SET retired_at = now(), updated_at = now()
                WHERE retired_at IS NULL AND id <> ALL(\(ids)::text[])
                RETURNING id
            )
            INSERT INTO ferry.events (kind, actor, detail)
            SELECT 'schedule.retired', \(actor), jsonb_build_object('schedule_id', id) FROM retired
            """).affectedRows
    }

    /// Locks the due schedule (among `ids`) that has waited longest, skipping any another worker holds.
    /// Call it in a transaction: the lock lasts until the fire is recorded and committed.
    public func lockDueSchedule(among ids: [String], at now: Date) throws -> ScheduleRecord? {
        try connection.query("""
            SELECT \(unescaped: Self.scheduleColumns) FROM ferry.schedules
            WHERE NOT paused AND retired_at IS NULL AND next_fire_at <= \(now) AND id = ANY(\(ids)::text[])
            ORDER BY next_fire_at, id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            """).first.map(Self.schedule)
    }

    /// A run of this schedule still in flight, if any.
    public func inFlightRun(scheduleID: String) throws -> UUID? {
        try connection.query("""
            SELECT id FROM ferry.runs WHERE schedule_id = \(scheduleID) AND status IN ('pending', 'running', 'waiting')
            """).first?.decode("id")
    }

    /// Records a fire of a locked schedule and moves it on to `nextFireAt`.
    public func recordFire(scheduleID: String, firedFor fireTime: Date, nextFireAt: Date, event: ScheduleEvent, actor: String) throws {
        try connection.execute("""
            WITH fired AS (
                UPDATE ferry.schedules SET last_fire_at = \(fireTime), next_fire_at = \(nextFireAt), updated_at = now()
                WHERE id = \(scheduleID)
                RETURNING id
            )
            INSERT INTO ferry.events (run_id, kind, actor, detail)
            SELECT \(event.runID), \(event.kind), \(actor), \(event.detail.jsonText)::jsonb FROM fired
            """)
    }

    /// Records an operator's trigger of a schedule (the schedule itself does not change).
    public func recordTrigger(_ event: ScheduleEvent, actor: String) throws {
        try connection.execute("""
            INSERT INTO ferry.events (run_id, kind, actor, detail)
            VALUES (\(event.runID), \(event.kind), \(actor), \(event.detail.jsonText)::jsonb)
            """)
    }

    /// Pauses an active schedule. False if it does not exist or is already paused.
    public func pauseSchedule(id: String, actor: String) throws -> Bool {
        try connection.execute("""
            WITH paused AS (
                UPDATE ferry.schedules SET paused = true, updated_at = now() WHERE id = \(id) AND NOT paused RETURNING id
            )
            INSERT INTO ferry.events (kind, actor, detail)
            SELECT 'schedule.paused', \(actor), jsonb_build_object('schedule_id', id) FROM paused
            """) == 1
    }

    /// Resumes a paused schedule at `nextFireAt`, computed from its `cron` and `timeZone`: false if it is
    /// not paused, or its cron or zone changed since they were read.
    public func resumeSchedule(id: String, cron: String, timeZone: String, nextFireAt: Date, actor: String) throws -> Bool {
        try connection.execute("""
            WITH resumed AS (
                UPDATE ferry.schedules SET paused = false, next_fire_at = \(nextFireAt), updated_at = now()
                WHERE id = \(id) AND paused AND cron = \(cron) AND time_zone = \(timeZone)
                RETURNING id, next_fire_at
            )
            INSERT INTO ferry.events (kind, actor, detail)
            SELECT 'schedule.resumed', \(actor), jsonb_build_object('schedule_id', id, 'next_fire_at', next_fire_at) FROM resumed
            """) == 1
    }

    private static func schedule(_ row: PostgresRow) throws -> ScheduleRecord {
        ScheduleRecord(
            id: try row.decode("id"), workflow: try row.decode("workflow"), cron: try row.decode("cron"),
            timeZone: try row.decode("time_zone"), paused: try row.decode("paused"),
            nextFireAt: try row.decode("next_fire_at"), lastFireAt: try row.decode("last_fire_at"),
            retiredAt: try row.decode("retired_at"))
    }
}
