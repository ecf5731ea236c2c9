public import FerryEngine
import FerryPostgres
public import Foundation

/// A schedule's id names what it fires: `backup:<database>` (the backup cycle) or `drill:<database>`.
public struct ScheduleID: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case backup
        case drill

        public var workflow: String { self == .backup ? BackupCycle.name : RestoreWorkflow.drillName }
    }

    public var kind: Kind
    public var database: String

    public init(kind: Kind, database: String) {
        self.kind = kind
        self.database = database
    }

    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])) else { return nil }
        let database = String(text[text.index(after: colon)...])
        guard !database.isEmpty else { return nil }
        self.init(kind: kind, database: database)
    }

    public var description: String { "\(kind.rawValue):\(database)" }
}

/// The input of a backup schedule (`ferry.schedules.input`): the database, its kind, and its tags that the
/// configuration's `tagged` entries look at, as discovery last saw them. Only these tags, so that a change
/// to an unrelated tag does not rewrite the schedule.
public struct BackupScheduleInput: Sendable, Equatable {
    public var database: String
    /// nil in a schedule written before Ferry recorded it.
    public var kind: DatabaseKind?
    public var tags: [String: String]

    public init(database: String, kind: DatabaseKind?, tags: [String: String]) {
        self.database = database
        self.kind = kind
        self.tags = tags
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["database": .string(database), "tags": .object(tags.mapValues(JSONValue.string))]
        if let kind { object["kind"] = .string(kind.rawValue) }
        return .object(object)
    }
}

/// Keeps `ferry.schedules` in step with the protected databases and fires what is due. Any number of
/// workers may do this at once: each due fire is taken by one of them, under a row lock, in the
/// transaction that starts its run; the unique (schedule, fire time) index is the backstop.
public struct DRScheduler: Sendable {
    /// The actor of the audit events the workers' scheduler writes.
    public static let actor = "scheduler"

    public let runtime: DRRuntime
    public let catalog: WorkflowCatalog

    public init(runtime: DRRuntime, catalog: WorkflowCatalog) {
        self.runtime = runtime
        self.catalog = catalog
    }

    /// One backup schedule per protected database, and a drill schedule for each that has `drill_schedule`.
    /// A backup schedule's input also records the database's kind and the tags the configuration's `tagged`
    /// entries look at (`BackupScheduleInput`), so that `ferry status` can match it against the
    /// configuration without discovering it in the primary region.
    public static func definitions(for selection: DatabaseSelection, after now: Date) -> [ScheduleDefinition] {
        selection.protected.flatMap { protected in
            let database = protected.database.identifier
            let backupInput = BackupScheduleInput(database: database, kind: protected.database.kind,
                                                  tags: selection.selectorTags(of: protected.database))
            let backup = definition(ScheduleID(kind: .backup, database: database), protected.settings.schedule, after: now,
                                    input: backupInput.json, concurrencyKey: DRRuntime.backupConcurrencyKey(database))
            let drill = protected.settings.drillSchedule.map {
                definition(ScheduleID(kind: .drill, database: database), $0, after: now,
                           input: ["database": .string(database)], concurrencyKey: nil)
            }
            return [backup] + (drill.map { [$0] } ?? [])
        }
    }

    private static func definition(
        _ id: ScheduleID, _ cron: CronSchedule, after now: Date, input: JSONValue, concurrencyKey: String?
    ) -> ScheduleDefinition {
        ScheduleDefinition(
            id: id.description, workflow: id.kind.workflow, cron: cron.expression.text, timeZone: cron.timeZoneName,
            input: input, concurrencyKey: concurrencyKey, nextFireAt: cron.nextFire(after: now))
    }

    /// Creates and updates the schedules `selection` asks for and retires the others.
    public static func sync(_ selection: DatabaseSelection, store: RunStore, now: Date) throws {
        let definitions = definitions(for: selection, after: now)
        try store.upsertSchedules(definitions, actor: actor)
        try store.retireSchedules(keeping: definitions.map(\.id), actor: actor)
    }

    /// Fires every schedule of a database in `selection` that is due at `now`, each in a transaction of
    /// its own. A schedule down for several slots fires once, for the latest slot. Returns what was recorded.
    @discardableResult
    public func fireDue(_ selection: DatabaseSelection, store: RunStore, now: Date) throws -> [ScheduleEvent] {
        let ids = Self.definitions(for: selection, after: now).map(\.id)
        var events: [ScheduleEvent] = []
        while let event = try store.connection.transaction({ () -> ScheduleEvent? in
            guard let schedule = try store.lockDueSchedule(among: ids, at: now) else { return nil }
            let cron = try Self.cron(of: schedule)
            let fireTime = cron.latestFire(atOrBefore: now)
            let event = try start(schedule, selection: selection, at: fireTime, store: store, actor: Self.actor, kind: "schedule.fired")
            try store.recordFire(scheduleID: schedule.id, firedFor: fireTime, nextFireAt: cron.nextFire(after: now),
                                 event: event, actor: Self.actor)
            return event
        }) {
            events.append(event)
        }
        return events
    }

    /// Starts the schedule's run now, for an operator; the skip rule applies. Returns the recorded event.
    public func trigger(_ id: String, store: RunStore, actor: String, now: Date) throws -> ScheduleEvent {
        let schedule = try Self.existing(id, store: store)
        if schedule.retiredAt != nil { throw DRError(message: "schedule \(id) is retired: its database is no longer protected") }
        let event = try start(schedule, selection: try runtime.selectDatabases(), at: now, store: store, actor: actor,
                              kind: "schedule.triggered")
        try store.recordTrigger(event, actor: actor)
        return event
    }

    public static func pause(_ id: String, store: RunStore, actor: String) throws {
        guard try store.pauseSchedule(id: id, actor: actor) else {
            _ = try existing(id, store: store)
            throw DRError(message: "schedule \(id) is already paused")
        }
    }

    /// Resumes a paused schedule at its next fire after `now`: the fires it missed while paused do not run.
    /// Returns that next fire.
    public static func resume(_ id: String, store: RunStore, actor: String, now: Date) throws -> Date {
        let schedule = try existing(id, store: store)
        guard schedule.paused else { throw DRError(message: "schedule \(id) is not paused") }
        let next = try cron(of: schedule).nextFire(after: now)
        guard try store.resumeSchedule(id: id, cron: schedule.cron, timeZone: schedule.timeZone, nextFireAt: next, actor: actor) else {
            throw DRError(message: "schedule \(id) changed while resuming it; try again")
        }
        return next
    }

    /// Starts the run a schedule owes for `fireTime`, or finds why not. An error of the launch itself (not
    /// of the database) is recorded as `schedule.failed`, so that one broken schedule does not stop the others.
    private func start(
        _ schedule: ScheduleRecord, selection: DatabaseSelection, at fireTime: Date, store: RunStore, actor: String, kind: String
    ) throws -> ScheduleEvent {
        var detail: [String: JSONValue] = ["schedule_id": .string(schedule.id), "scheduled_for": .string(UTCMinute.iso8601(fireTime))]
        guard let id = ScheduleID(schedule.id),
              let protected = selection.protected.first(where: { $0.database.identifier == id.database }) else {
            throw DRError(message: "schedule \(schedule.id) is not one of a protected database")
        }
        if let inFlight = try store.inFlightRun(scheduleID: schedule.id) {
            detail["in_flight_run_id"] = .string(inFlight.lowercasedString)
            return ScheduleEvent(kind: "schedule.skipped", runID: nil, detail: .object(detail))
        }
        do {
            let outcome = switch id.kind {
            case .backup:
                try runtime.startBackupCycle(of: protected, scheduledFor: fireTime, store: store, catalog: catalog,
                                             scheduleID: schedule.id, actor: actor)
            case .drill:
                try runtime.startRestore(
                    runtime.drillPlan(of: protected.database.identifier, kind: protected.database.kind,
                                      catalog: RestorePointCatalog(connection: store.connection)),
                    targetID: nil, drill: true, store: store, catalog: catalog, scheduleID: schedule.id, scheduledFor: fireTime, actor: actor)
            }
            switch outcome {
            case .created(let run), .existing(let run):
                detail["existing"] = .bool(outcome == .existing(run))
                return ScheduleEvent(kind: kind, runID: run, detail: .object(detail))
            case .skipped(let inFlight):
                detail["in_flight_run_id"] = .string(inFlight.lowercasedString)
                return ScheduleEvent(kind: "schedule.skipped", runID: nil, detail: .object(detail))
            }
        } catch where !(error is PostgresError) {
            detail["error"] = .string("\(error)")
            return ScheduleEvent(kind: "schedule.failed", runID: nil, detail: .object(detail))
        }
    }

    static func existing(_ id: String, store: RunStore) throws -> ScheduleRecord {
        guard let schedule = try store.schedule(id: id) else {
            let known = try store.schedules().map(\.id).joined(separator: ", ")
            throw DRError(message: "no schedule \(id) (known: \(known.isEmpty ? "none; run `ferry schedules sync`" : known))")
        }
        return schedule
    }

    static func cron(of schedule: ScheduleRecord) throws -> CronSchedule {
        guard let zone = TimeZone(identifier: schedule.timeZone) else {
            throw DRError(message: "schedule \(schedule.id): unknown time zone \(schedule.timeZone)")
        }
        do {
            return CronSchedule(try CronExpression(parsing: schedule.cron), timeZone: zone)
        } catch {
            throw DRError(message: "schedule \(schedule.id): \(error)")
        }
    }
}
