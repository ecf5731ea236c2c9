import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Synchronization
import Testing
@testable import FerryDR

/// A fleet of two protected instances in moto: `orders-…` (daily backups at 03:00 UTC) and `drilled-…`
/// (the same, plus a drill every Sunday at 04:00 UTC), with their schedules synced at `syncedAt`.
struct ScheduledFleet {
    let fleet: DRFixture
    let scheduler: DRScheduler
    let selection: DatabaseSelection
    let orders: String
    let drilled: String

    init(syncedAt: Date) throws {
        let token = String(UInt32.random(in: .min ... .max), radix: 16)
        fleet = try DRFixture(extraConfig: """
              - tagged: {drill-test: "\(token)"}
                drill_schedule: "0 4 * * 0"
            """)
        orders = "orders-\(fleet.suffix)"
        drilled = "drilled-\(fleet.suffix)"
        try fleet.makeInstance(orders)
        try fleet.makeInstance(drilled, tags: ["drill-test": token])
        scheduler = DRScheduler(runtime: fleet.runtime, catalog: fleet.catalog)
        selection = try fleet.runtime.selectDatabases()
        try DRScheduler.sync(selection, store: fleet.store, now: syncedAt)
    }

    func schedule(_ id: String) throws -> ScheduleRecord { try #require(try fleet.store.schedule(id: id)) }

    func runs(of scheduleID: String) throws -> [RunSummary] {
        try fleet.store.listRuns(RunFilter(limit: 1000)).filter { $0.scheduleId == scheduleID }
    }

    /// The id of a schedule's only run.
    func onlyRun(of scheduleID: String) throws -> UUID {
        let runs = try runs(of: scheduleID)
        guard runs.count == 1, let id = UUID(uuidString: runs[0].id) else { throw DRError(message: "\(scheduleID): \(runs.count) runs") }
        return id
    }

    func events(_ kind: String, of scheduleID: String? = nil) throws -> [AuditEvent] {
        try fleet.store.events(runID: nil, since: nil, limit: 10_000).filter {
            $0.kind == kind && (scheduleID == nil || $0.detail["schedule_id"]?.stringValue == scheduleID)
        }
    }

    /// The environment `ferry` processes need for this fleet.
    var environment: [String: String] {
        ["FERRY_DATABASE_URL": fleet.databaseURL, "FERRY_WORKFLOWS": DRFixture.workflows, "FERRY_CONFIG": fleet.configPath,
         "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]
    }
}

/// `2026-11-DDTHH:00Z`.
func november(_ day: Int, _ hour: Int) -> Date {
    Date(timeIntervalSince1970: 1_793_491_200 + Double((day - 1) * 86_400 + hour * 3600))
}

@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct DRSchedulerIntegrationTests {
    @Test func syncKeepsTheSchedulesInStepWithTheFleet() throws {
        let fleet = try ScheduledFleet(syncedAt: november(20, 12))
        let backup = try fleet.schedule("backup:\(fleet.orders)")
        #expect(backup.workflow == "backup-cycle" && backup.cron == "0 3 * * *" && backup.timeZone == "UTC")
        #expect(backup.nextFireAt == november(21, 3))
        #expect(try fleet.schedule("backup:\(fleet.drilled)").nextFireAt == november(21, 3))
        let drill = try fleet.schedule("drill:\(fleet.drilled)")
        #expect(drill.workflow == "drill" && drill.nextFireAt == november(22, 4), "Sunday 22 November, 04:00")
        #expect(try fleet.fleet.store.schedule(id: "drill:\(fleet.orders)") == nil, "no drill_schedule, no drill schedule")
        #expect(try fleet.events("schedule.created").count == 3)

        // A later sync changes nothing: no event, the next fire and the pause stay.
        try DRScheduler.pause("backup:\(fleet.orders)", store: fleet.fleet.store, actor: "alice")
        try DRScheduler.sync(fleet.selection, store: fleet.fleet.store, now: november(24, 12))
        #expect(try fleet.events("schedule.updated").isEmpty)
        #expect(try fleet.schedule("backup:\(fleet.orders)").paused)
        #expect(try fleet.schedule("backup:\(fleet.drilled)").nextFireAt == november(21, 3))

        // A database no longer protected: its schedules are retired, and come back with a fresh next fire.
        var without = fleet.selection
        without.protected.removeAll { $0.database.identifier == fleet.drilled }
        try DRScheduler.sync(without, store: fleet.fleet.store, now: november(24, 12))
        #expect(try fleet.schedule("backup:\(fleet.drilled)").retiredAt != nil)
        #expect(try fleet.events("schedule.retired").count == 2)
        #expect(try fleet.scheduler.fireDue(without, store: fleet.fleet.store, now: november(25, 10)).isEmpty,
                "retired and paused schedules do not fire")
        try DRScheduler.sync(fleet.selection, store: fleet.fleet.store, now: november(25, 12))
        let back = try fleet.schedule("backup:\(fleet.drilled)")
        #expect(back.retiredAt == nil && back.nextFireAt == november(26, 3))
    }

    @Test func concurrentSchedulersFireEachSlotOnce() throws {
        let fleet = try ScheduledFleet(syncedAt: november(20, 12))
        let (scheduler, selection, url) = (fleet.scheduler, fleet.selection, fleet.fleet.databaseURL)
        let fired = Mutex<[ScheduleEvent]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            do {
                let store = RunStore(connection: try PostgresConnection(connectionString: url))
                let events = try scheduler.fireDue(selection, store: store, now: november(25, 10))
                fired.withLock { $0 += events }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(fired.withLock { $0.map(\.kind) } == ["schedule.fired", "schedule.fired", "schedule.fired"])
        for id in ["backup:\(fleet.orders)", "backup:\(fleet.drilled)", "drill:\(fleet.drilled)"] {
            #expect(try fleet.runs(of: id).count == 1, "\(id): one run")
            #expect(try fleet.events("schedule.fired", of: id).count == 1, "\(id): one fire recorded")
        }
    }

    @Test func missedSlotsFireOnceAfterDowntime() throws {
        let fleet = try ScheduledFleet(syncedAt: november(1, 12))
        let id = "backup:\(fleet.orders)"
        let store = fleet.fleet.store
        try fleet.scheduler.fireDue(fleet.selection, store: store, now: november(25, 10))
        try fleet.scheduler.fireDue(fleet.selection, store: store, now: november(25, 10))
        let runs = try fleet.runs(of: id)
        #expect(runs.count == 1, "24 missed slots, one run")
        #expect(runs.first?.scheduledFor == november(25, 3), "for the latest slot")
        let schedule = try fleet.schedule(id)
        #expect(schedule.lastFireAt == november(25, 3) && schedule.nextFireAt == november(26, 3))
        #expect(try fleet.events("schedule.fired", of: id).first?.runId == runs.first?.id)
    }

    @Test func aFireOverlappingTheDatabasesRunningCycleIsSkippedAndRecorded() throws {
        let fleet = try ScheduledFleet(syncedAt: november(24, 12))
        let store = fleet.fleet.store
        let id = "backup:\(fleet.orders)"
        try fleet.scheduler.fireDue(fleet.selection, store: store, now: november(25, 10))
        let first = try #require(try fleet.runs(of: id).first)
        // A manual cycle of the other database is in flight too: the launcher's concurrency key skips its fire.
        let drilled = try #require(fleet.selection.protected.first { $0.database.identifier == fleet.drilled })
        _ = try store.cancel(runID: try fleet.onlyRun(of: "backup:\(fleet.drilled)"), actor: "test")
        let manual = try fleet.fleet.runtime.startBackupCycle(of: drilled, scheduledFor: november(26, 1), store: store,
                                                              catalog: fleet.fleet.catalog, actor: "test").runID

        try fleet.scheduler.fireDue(fleet.selection, store: store, now: november(26, 10))
        #expect(try fleet.runs(of: id).count == 1, "no second cycle while the first is in flight")
        let skipped = try fleet.events("schedule.skipped", of: id)
        #expect(skipped.count == 1 && skipped.first?.detail["in_flight_run_id"]?.stringValue == first.id)
        #expect(try fleet.events("schedule.skipped", of: "backup:\(fleet.drilled)").first?.detail["in_flight_run_id"]?.stringValue
                == manual.lowercasedString)
        #expect(try fleet.schedule(id).nextFireAt == november(27, 3), "the skipped slot is not owed later")

        _ = try store.cancel(runID: try fleet.onlyRun(of: id), actor: "test")
        try fleet.scheduler.fireDue(fleet.selection, store: store, now: november(27, 10))
        #expect(try fleet.runs(of: id).map(\.scheduledFor) == [november(27, 3), november(25, 3)])
    }

    @Test func aDrillScheduleStartsADrill() throws {
        let fleet = try ScheduledFleet(syncedAt: november(20, 12))
        let id = "drill:\(fleet.drilled)"
        try fleet.scheduler.fireDue(fleet.selection, store: fleet.fleet.store, now: november(22, 4))
        let run = try #require(try fleet.runs(of: id).first)
        #expect(run.workflow == "drill" && run.scheduledFor == november(22, 4) && run.createdBy == DRScheduler.actor)
        let input = try fleet.fleet.store.runInput(id: try fleet.onlyRun(of: id))
        #expect(input["target_id"]?.stringValue == RestoreInput.drillIdentifier(database: fleet.drilled, at: november(22, 4)))
        #expect(try fleet.schedule(id).nextFireAt == november(29, 4))
    }

    @Test func operatorsListPauseResumeAndTriggerThroughTheCLI() throws {
        let fleet = try ScheduledFleet(syncedAt: november(20, 12))
        let store = fleet.fleet.store
        let id = "backup:\(fleet.orders)"
        let ferry = { (arguments: [String]) in try FerryProcess.run(arguments, environment: fleet.environment) }

        #expect(try ferry(["schedules", "sync"]).status == 0)
        let listed = try ferry(["schedules", "list", "--json"])
        let document = try JSONValue(parsing: listed.stdout)
        let schedules = try #require(document["schedules"]?.arrayValue)
        #expect(schedules.count == 3)
        let orders = try #require(schedules.first { $0["id"]?.stringValue == id })
        #expect(orders["database"]?.stringValue == fleet.orders && orders["workflow"]?.stringValue == "backup-cycle")
        #expect(orders["cron"]?.stringValue == "0 3 * * *" && orders["time_zone"]?.stringValue == "UTC")
        #expect(orders["paused"]?.boolValue == false && orders["next_fire_at"]?.stringValue == "2026-11-21T03:00:00.000Z")

        #expect(try ferry(["schedules", "pause", id, "--actor", "alice"]).status == 0)
        let again = try ferry(["schedules", "pause", id])
        #expect(again.status == 1 && again.stderr == "ferry: schedule \(id) is already paused\n")
        // Paused through many slots: none of them runs, before or after the resume.
        try fleet.fleet.connection.execute("UPDATE ferry.schedules SET next_fire_at = now() - interval '3 days' WHERE id = \(id)")
        let now = try store.databaseNow()
        try fleet.scheduler.fireDue(fleet.selection, store: store, now: now)
        #expect(try fleet.runs(of: id).isEmpty)
        #expect(try ferry(["schedules", "resume", id, "--actor", "bob"]).status == 0)
        #expect(try fleet.schedule(id).nextFireAt > now)
        try fleet.scheduler.fireDue(fleet.selection, store: store, now: now)
        #expect(try fleet.runs(of: id).isEmpty)

        let triggered = try ferry(["schedules", "trigger", id, "--actor", "carol"])
        #expect(triggered.status == 0, "\(triggered.stderr)")
        let run = try #require(try fleet.runs(of: id).first)
        #expect(triggered.stdout == run.id + "\n" && run.createdBy == "carol")
        let overlapping = try ferry(["schedules", "trigger", id, "--actor", "carol"])
        #expect(overlapping.status == 1)
        #expect(overlapping.stderr == "ferry: skipped \(id): run \(run.id) of the same database is still in flight\n")

        let unknown = try ferry(["schedules", "resume", "backup:nowhere"])
        #expect(unknown.status == 1 && unknown.stderr.hasPrefix("ferry: no schedule backup:nowhere (known: ") && unknown.stderr.split(separator: "\n").count == 1)
        #expect(try fleet.events("schedule.paused", of: id).map(\.actor) == ["alice"])
        #expect(try fleet.events("schedule.resumed", of: id).map(\.actor) == ["bob"])
        #expect(try fleet.events("schedule.triggered", of: id).map(\.runId) == [run.id])
        #expect(try fleet.events("schedule.skipped", of: id).map(\.actor) == ["carol"])
    }

    @Test func workersFireADueScheduleOnce() throws {
        let fleet = try ScheduledFleet(syncedAt: Date())
        let id = "backup:\(fleet.orders)"
        try fleet.fleet.connection.execute("UPDATE ferry.schedules SET next_fire_at = now() - interval '3 days' WHERE id = \(id)")
        let workers = try fleet.fleet.startWorkers(2)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try FerryProcess.waitUntil(seconds: 60) { try !fleet.events("schedule.fired", of: id).isEmpty })
        #expect(try fleet.runs(of: id).count == 1)
        #expect(try fleet.events("schedule.fired", of: id).count == 1)
        #expect(try fleet.schedule(id).nextFireAt > Date())
    }
}
