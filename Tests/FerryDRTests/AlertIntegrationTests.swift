import FerryAWS
import FerryEngine
import FerryPostgres
import FerryTestSupport
import Foundation
import Testing
@testable import FerryDR

/// Alerts end to end: the failed-run trigger, the outbox delivered by `ferry worker` through SNS (moto),
/// and RPO breaches alerted once per breach under an injected clock.
@Suite(.enabled(if: DRFixture.isAvailable, "\(DRFixture.skipMessage)"))
struct AlertIntegrationTests {
    @Test func aFailedCycleIsAlertedOnceNamingDatabaseStepErrorAndRun() throws {
        let fleet = try DRFixture()
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let fireTime = Date()
        // Someone else's snapshot under the cycle's name: the snapshot step fails for good.
        let names = SnapshotNames(prefix: "ferry", database: database, kind: .instance, scheduledFor: UTCMinute.truncate(fireTime))
        _ = try fleet.rds(DRFixture.primary).createDBSnapshot(identifier: names.source, instanceIdentifier: database, tags: ["owner": "dba"])
        let inbox = try fleet.subscribeInbox()
        let run = try fleet.runtime.startBackupCycle(
            of: try fleet.runtime.protectedDatabase(database), scheduledFor: fireTime, store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let workers = try fleet.startWorkers(2)
        defer { workers.forEach { #expect(FerryProcess.stop($0)) } }
        #expect(try fleet.waitForRuns([run]))
        #expect(try fleet.status(run)?.status == .failed)

        // (The configuration's billing cluster does not exist: the workers also alert about that, once.)
        #expect(try FerryProcess.waitUntil(seconds: 30) {
            try fleet.connection.query("SELECT 1 FROM ferry.alerts WHERE delivered_at IS NOT NULL AND kind = 'run_failed'").count == 1
        })
        let alerts = try fleet.connection.query("SELECT kind, run_id, database, attempts FROM ferry.alerts WHERE kind <> 'database_unmatched'")
        #expect(alerts.count == 1)
        #expect(try alerts.first?.decode("kind", as: String.self) == "run_failed")
        #expect(try alerts.first?.decode("run_id", as: String.self) == run.lowercasedString)
        #expect(try alerts.first?.decode("attempts", as: Int.self) == 1)
        let published = try fleet.published(inbox: inbox).filter { !$0.subject.hasPrefix("Ferry: configured database") }
        #expect(published.count == 1, "published once although two workers deliver")
        let message = try #require(published.first).message
        #expect(message.contains("backup-cycle of \(database)"))
        #expect(message.contains("at step snapshot"))
        #expect(message.contains("was not made by this run"))
        #expect(message.contains("ferry runs show \(run.lowercasedString)"))
        #expect(published.first?.subject == "Ferry backup-cycle failed: \(database)")
    }

    @Test func anRPOBreachAlertsOncePerBreach() throws {
        let fleet = try DRFixture()
        let sfx = fleet.suffix
        try fleet.makeInstance("orders-\(sfx)")
        try fleet.makeInstance("users-\(sfx)", tags: ["dr-test": sfx])
        let protected = try fleet.runtime.selectDatabases().protected.filter { $0.database.identifier.hasSuffix(sfx) }
        let orders = try #require(protected.first { $0.database.identifier == "orders-\(sfx)" })
        let run = try fleet.runtime.startBackupCycle(of: orders, scheduledFor: Date(), store: fleet.store, catalog: fleet.catalog, actor: "test").runID
        let workers = try fleet.startWorkers(1)
        #expect(try fleet.waitForRuns([run]))
        workers.forEach { #expect(FerryProcess.stop($0)) }
        #expect(try fleet.status(run)?.status == .succeeded)

        // The RPO is 26h. orders has a snapshot from now; users has none and is protected from now.
        let monitor = RPOMonitor(connection: fleet.connection)
        let start = Date()
        func check(hoursLater hours: Double) throws -> RPOCheckResult {
            try monitor.check(protected: protected, now: start.addingTimeInterval(hours * 3_600))
        }
        #expect(try check(hoursLater: 1) == RPOCheckResult())
        #expect(Set(try check(hoursLater: 27).opened) == ["orders-\(sfx)", "users-\(sfx)"])
        #expect(try check(hoursLater: 28) == RPOCheckResult(), "an open breach does not alert again")
        #expect(try check(hoursLater: 29) == RPOCheckResult())
        // A fresh snapshot of orders, as seen two hours after it was taken: orders recovers.
        #expect(try check(hoursLater: 2) == RPOCheckResult(opened: [], closed: ["orders-\(sfx)"]))
        #expect(try check(hoursLater: 30) == RPOCheckResult(opened: ["orders-\(sfx)"], closed: []), "a new breach alerts again")

        // Only the RPO alerts: the worker also queued one about the configuration's billing cluster, which
        // does not exist.
        try fleet.connection.execute("DELETE FROM ferry.alerts WHERE kind = 'database_unmatched'")
        let inbox = try fleet.subscribeInbox()
        let sns = try fleet.aws.sns(region: DRFixture.primary)
        #expect(try AlertDelivery.deliverDue(on: fleet.connection) {
            try sns.publish(topicARN: fleet.topicARN, message: $0.message, subject: $0.subject)
        } == 4)
        let published = try fleet.published(inbox: inbox)
        let subjects = published.map(\.subject)
        #expect(subjects.sorted() == [
            "Ferry RPO breached: orders-\(sfx)", "Ferry RPO breached: orders-\(sfx)", "Ferry RPO breached: users-\(sfx)",
            "Ferry RPO recovered: orders-\(sfx)",
        ])
        let breach = try #require(published.first { $0.subject == "Ferry RPO breached: orders-\(sfx)" }).message
        let copyID = try fleet.store.runInput(id: run).decode(as: BackupCycleInput.self).copyID
        #expect(breach.contains("objective of 1d2h") && breach.contains("\(copyID), is 1d3h"))
        #expect(breach.contains("ferry runs show \(run.lowercasedString)"))
        #expect(try AlertDelivery.deliverDue(on: fleet.connection) { _ in Issue.record("delivered twice") } == 0)
    }

    @Test func aFailedPublishIsRetriedLater() throws {
        let fleet = try DRFixture()
        let database = "orders-\(fleet.suffix)"
        try fleet.makeInstance(database)
        let protected = try fleet.runtime.protectedDatabase(database)
        let monitor = RPOMonitor(connection: fleet.connection)
        try monitor.check(protected: [protected], now: Date())
        #expect(try monitor.check(protected: [protected], now: Date().addingTimeInterval(27 * 3_600)).opened == [database])

        struct Refused: Error {}
        #expect(try AlertDelivery.deliverDue(on: fleet.connection) { _ in throw Refused() } == 0)
        let row = try #require(try fleet.connection.query("""
            SELECT attempts, last_error, delivered_at, next_attempt_at > now() + interval '20 seconds' AS backed_off FROM ferry.alerts
            """).first)
        #expect(try row.decode("attempts", as: Int.self) == 1)
        #expect(try row.decode("last_error", as: String.self).isEmpty == false)
        let deliveredAt: Date? = try row.decode("delivered_at")
        #expect(deliveredAt == nil)
        #expect(try row.decode("backed_off", as: Bool.self) == true)
        #expect(try AlertDelivery.deliverDue(on: fleet.connection) { _ in Issue.record("not due yet") } == 0)
    }
}
