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
}
