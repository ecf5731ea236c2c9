import Foundation
import Testing
@testable import FerryDR

/// `DatabaseStatus`'s pure evaluation: age against the RPO, and the next fire.
struct RecoveryStatusTests {
    let protected = ProtectedDatabase(
        database: DiscoveredDatabase(kind: .instance, identifier: "orders", tags: [:]),
        settings: DatabaseSettings(schedule: CronSchedule(try! CronExpression(parsing: "0 3 * * *"), timeZone: .gmt),
                                   retention: RetentionRule(count: 2), recoveryPointObjective: .seconds(26 * 3_600)),
        ruleIndex: 0)
    let now = utc("2026-11-25T13:00Z")

    @Test(arguments: [
        // newest snapshot, protected since, breached
        (utc("2026-11-25T03:05Z"), nil, false),
        (utc("2026-11-24T10:59Z"), nil, true),
        (nil, utc("2026-11-25T01:00Z"), false),
        (nil, utc("2026-11-24T10:00Z"), true),
        (nil, nil, false),
    ] as [(Date?, Date?, Bool)])
    func theRPOIsBreachedWhenTheNewestSnapshotOrTheWaitIsOlder(newest: Date?, since: Date?, breached: Bool) {
        let status = DatabaseStatus(protected: protected, record: BackupRecord(newestSnapshotID: newest.map { _ in "ferry-orders-1" },
                                                                                newestSnapshotAt: newest, protectedSince: since), now: now)
        #expect(status.rpoBreached == breached)
        #expect(status.rpoSeconds == 93_600)
        #expect(status.ageSeconds == newest.map { now.timeIntervalSince($0) })
    }

    @Test func theNextFireIsTheSchedulersRowElseTheCron() {
        let fromCron = DatabaseStatus(protected: protected, record: BackupRecord(), now: now)
        #expect(fromCron.nextFireAt == utc("2026-11-26T03:00Z"))
        let scheduled = DatabaseStatus(protected: protected, record: BackupRecord(scheduledFire: .at(utc("2026-11-25T14:00Z"))), now: now)
        #expect(scheduled.nextFireAt == utc("2026-11-25T14:00Z"))
        #expect(DatabaseStatus(protected: protected, record: BackupRecord(scheduledFire: .paused), now: now).nextFireAt == nil)
    }

    @Test func aDatabaseNoEntryMatchesHasNoRPOAndARetiredScheduleNoNextFire() {
        let record = BackupRecord(newestSnapshotID: "ferry-orders-1", newestSnapshotAt: utc("2026-11-20T03:00Z"),
                                  protectedSince: utc("2026-11-01T00:00Z"))
        let unprotected = DatabaseStatus(database: protected.database, settings: nil, record: record, now: now)
        #expect(unprotected.rpoSeconds == nil && !unprotected.rpoBreached, "five days old, but no objective any more")
        #expect(unprotected.nextFireAt == nil)
        #expect(unprotected.newestSnapshotId == "ferry-orders-1")
        var retired = record
        retired.scheduledFire = .retired
        let status = DatabaseStatus(protected: protected, record: retired, now: now)
        #expect(status.nextFireAt == nil, "a retired schedule never fires")
        #expect(status.rpoBreached)
    }

    @Test func settingsComeFromTheFirstEntryMatchingWhatTheCatalogKnows() throws {
        let daily = CronSchedule(try CronExpression(parsing: "0 3 * * *"), timeZone: .gmt)
        let rules = [
            ProtectionRule(selector: DatabaseSelector(kind: .cluster, matcher: .pattern("orders*")),
                           settings: DatabaseSettings(schedule: daily, retention: RetentionRule(count: 1), recoveryPointObjective: .seconds(60))),
            ProtectionRule(selector: DatabaseSelector(matcher: .tagged(["dr": "true"])),
                           settings: DatabaseSettings(schedule: daily, retention: RetentionRule(count: 2), recoveryPointObjective: .seconds(120))),
        ]
        let tracked = TrackedDatabase.resolve(rules: rules, known: [
            DiscoveredDatabase(kind: .instance, identifier: "orders", tags: ["dr": "true"]),
            DiscoveredDatabase(kind: .cluster, identifier: "orders-aurora"),
            DiscoveredDatabase(kind: .instance, identifier: "gone", tags: ["dr": "false"]),
        ])
        #expect(tracked.map { $0.settings?.recoveryPointObjective } == [.seconds(120), .seconds(60), nil])
    }
}
