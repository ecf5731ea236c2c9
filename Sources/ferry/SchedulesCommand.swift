import ArgumentParser
import FerryDR
import FerryEngine
import Foundation

struct SchedulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules",
        abstract: "Lists, pauses, resumes and triggers the backup and drill schedules.",
        subcommands: [List.self, Pause.self, Resume.self, Trigger.self, Sync.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the schedules the workers fire.")

        @Flag(help: "One JSON document: {\"schedules\": [...]}.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let schedules = try database.store().schedules().map(ScheduleListing.init)
                if json {
                    try Output.printJSON(["schedules": schedules])
                    return
                }
                Output.printTable(header: ["SCHEDULE", "WORKFLOW", "DATABASE", "CRON", "TIME ZONE", "STATE", "NEXT FIRE", "LAST FIRE"],
                                  rows: schedules.map { schedule in
                    [schedule.id, schedule.workflow, schedule.database ?? "-", schedule.cron, schedule.timeZone, schedule.state,
                     Output.timestamp(schedule.nextFireAt), Output.timestamp(schedule.lastFireAt)]
                })
            }
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pauses a schedule: it does not fire until resumed.")

        @Argument(help: "The schedule's id (backup:DATABASE or drill:DATABASE).")
        var id: String

        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                try DRScheduler.pause(id, store: try database.store(), actor: actor.actor)
                print("paused \(id)")
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resumes a paused schedule at its next fire from now; the fires it missed while paused do not run.")

        @Argument(help: "The schedule's id (backup:DATABASE or drill:DATABASE).")
        var id: String

        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let store = try database.store()
                let next = try DRScheduler.resume(id, store: store, actor: actor.actor, now: try store.databaseNow())
                print("resumed \(id); next fire \(Output.timestamp(next))")
            }
        }
    }

    struct Trigger: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Starts a schedule's run now and prints its id; skipped if the database's previous run is still in flight.")

        @Argument(help: "The schedule's id (backup:DATABASE or drill:DATABASE).")
        var id: String

        @OptionGroup var actor: ActorOption
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var workflows: WorkflowOptions

        func run() throws {
            try reportingErrors {
                let store = try database.store()
                let scheduler = DRScheduler(runtime: try config.runtime(), catalog: try workflows.catalog())
                let event = try scheduler.trigger(id, store: store, actor: actor.actor, now: try store.databaseNow())
                if let run = event.runID {
                    print(run.lowercasedString)
                } else if let inFlight = event.detail["in_flight_run_id"]?.stringValue {
                    throw FailureExit(message: "skipped \(id): run \(inFlight) of the same database is still in flight")
                } else {
                    throw FailureExit(message: "\(id) did not start: \(event.detail["error"]?.stringValue ?? "no error recorded")")
                }
            }
        }
    }

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Brings the schedules in step with the protected databases now (the workers do it every 5 minutes).")

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let store = try database.store()
                let runtime = try config.runtime()
                let selection = try runtime.selectDatabases()
                try DRScheduler.sync(selection, store: store, now: try store.databaseNow())
                print("\(selection.protected.count) protected databases, \(try store.schedules().filter { $0.retiredAt == nil }.count) active schedules")
            }
        }
    }
}

/// A schedule as `ferry schedules list` shows it; JSON field names are the snake_case of these properties.
struct ScheduleListing: Encodable {
    var id: String
    var workflow: String
    var database: String?
    var cron: String
    var timeZone: String
    var paused: Bool
    var nextFireAt: Date
    var lastFireAt: Date?
    var retiredAt: Date?

    init(_ record: ScheduleRecord) {
        id = record.id
        workflow = record.workflow
        database = ScheduleID(record.id)?.database
        cron = record.cron
        timeZone = record.timeZone
        paused = record.paused
        nextFireAt = record.nextFireAt
        lastFireAt = record.lastFireAt
        retiredAt = record.retiredAt
    }

    var state: String { retiredAt != nil ? "retired" : paused ? "paused" : "active" }

    enum CodingKeys: String, CodingKey {
        case id, workflow, database, cron, paused
        case timeZone = "time_zone"
        case nextFireAt = "next_fire_at"
        case lastFireAt = "last_fire_at"
        case retiredAt = "retired_at"
    }
}
