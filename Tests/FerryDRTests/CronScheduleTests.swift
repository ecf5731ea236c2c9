import Foundation
import Testing
@testable import FerryDR

@Suite struct CronScheduleTests {
    static func schedule(_ text: String, _ zone: String = "UTC") throws -> CronSchedule {
        CronSchedule(try CronExpression(parsing: text), timeZone: try #require(TimeZone(identifier: zone)))
    }

    @Test(arguments: [
        // UTC basics: strictly after, whole minutes.
        ("0 3 * * *", "UTC", "2026-11-25T13:00Z", "2026-11-26T03:00Z"),
        ("0 3 * * *", "UTC", "2026-11-25T02:59:59Z", "2026-11-25T03:00Z"),
        ("0 3 * * *", "UTC", "2026-11-25T03:00Z", "2026-11-26T03:00Z"),
        ("*/15 * * * *", "UTC", "2026-11-25T13:07:30Z", "2026-11-25T13:15Z"),
        ("0 0 29 2 *", "UTC", "2026-11-25T13:00Z", "2028-02-29T00:00Z"),
        ("0 0 1 1 *", "UTC", "2026-12-31T23:59Z", "2027-01-01T00:00Z"),
        // A time zone: 03:00 in Paris is 02:00 UTC in winter.
        ("0 3 * * *", "Europe/Paris", "2026-11-25T13:00Z", "2026-11-26T02:00Z"),
        // Skipped (Paris, 2026-03-29, 02:00 CET → 03:00 CEST): 02:30 fires when the clocks jump.
        ("30 2 * * *", "Europe/Paris", "2026-03-28T12:00Z", "2026-03-29T01:00Z"),
        ("30 2 * * *", "Europe/Paris", "2026-03-29T01:00Z", "2026-03-30T00:30Z"),
        // Repeated (Paris, 2026-10-25, 03:00 CEST → 02:00 CET): 02:30 fires once, the first time.
        ("30 2 * * *", "Europe/Paris", "2026-10-24T12:00Z", "2026-10-25T00:30Z"),
        ("30 2 * * *", "Europe/Paris", "2026-10-25T00:30Z", "2026-10-26T01:30Z"),
        // Inside the second pass of the repeated hour, what already fired does not fire again.
        ("*/30 * * * *", "America/New_York", "2026-11-01T06:10Z", "2026-11-01T07:00Z"),
    ])
    func nextFire(text: String, zone: String, after: String, expected: String) throws {
        #expect(try Self.schedule(text, zone).nextFire(after: utc(after)) == utc(expected))
    }

    @Test(arguments: [
        ("0 3 * * *", "UTC", "2026-11-25T13:00Z", "2026-11-25T03:00Z"),
        ("0 3 * * *", "UTC", "2026-11-25T03:00Z", "2026-11-25T03:00Z"),
        ("0 3 * * *", "UTC", "2026-11-25T02:59:59Z", "2026-11-24T03:00Z"),
        ("0 3 1 * *", "UTC", "2026-11-25T13:00Z", "2026-11-01T03:00Z"),
        ("0 3 * * *", "Europe/Paris", "2026-11-25T13:00Z", "2026-11-25T02:00Z"),
        // At 01:10 EST (second pass), the latest fire is 01:30 EDT, a wall time "later" than now's.
        ("*/30 * * * *", "America/New_York", "2026-11-01T06:10Z", "2026-11-01T05:30Z"),
        // The skipped 02:00 fired at 03:00 EDT.
        ("0 2 * * *", "America/New_York", "2026-03-08T07:30Z", "2026-03-08T07:00Z"),
    ])
    func latestFire(text: String, zone: String, now: String, expected: String) throws {
        #expect(try Self.schedule(text, zone).latestFire(atOrBefore: utc(now)) == utc(expected))
    }

    @Test func skippedTimesFireOnceWhenTheClocksJump() throws {
        // New York, 2026-03-08 02:00 EST → 03:00 EDT: 02:00 and 03:00 both fire at 07:00Z, once.
        let fires = try Self.schedule("0 * * * *", "America/New_York")
            .fireTimes(after: utc("2026-03-08T05:00Z"), through: utc("2026-03-08T09:00Z"))
        #expect(fires == ["2026-03-08T06:00Z", "2026-03-08T07:00Z", "2026-03-08T08:00Z", "2026-03-08T09:00Z"].map(utc))
    }

    @Test func repeatedTimesFireOnce() throws {
        // New York, 2026-11-01 02:00 EDT → 01:00 EST: 01:00 and 01:30 fire in EDT only.
        let fires = try Self.schedule("*/30 * * * *", "America/New_York")
            .fireTimes(after: utc("2026-11-01T04:45Z"), through: utc("2026-11-01T07:30Z"))
        #expect(fires == ["2026-11-01T05:00Z", "2026-11-01T05:30Z", "2026-11-01T07:00Z", "2026-11-01T07:30Z"].map(utc))
    }

    @Test func fireTimesAreAfterStartThroughEnd() throws {
        let fires = try Self.schedule("0 */6 * * *").fireTimes(after: utc("2026-11-25T00:00Z"), through: utc("2026-11-25T18:00Z"))
        #expect(fires == ["2026-11-25T06:00Z", "2026-11-25T12:00Z", "2026-11-25T18:00Z"].map(utc))
    }

    @Test func aMissedRunAfterDowntimeIsOneRun() throws {
        let schedule = try Self.schedule("0 * * * *")
        let downSince = utc("2026-11-25T08:30Z")
        let now = utc("2026-11-25T13:20Z")
        #expect(schedule.fireTimes(after: downSince, through: now).count == 5)
        #expect(schedule.latestFire(atOrBefore: now) == utc("2026-11-25T13:00Z"))
    }

    @Test func aRareScheduleIsFoundQuickly() throws {
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let schedule = try Self.schedule("0 0 29 2 mon", "Europe/Paris")
            #expect(schedule.nextFire(after: utc("2026-11-25T00:00Z")) > utc("2026-11-25T00:00Z"))
        }
        #expect(elapsed < .seconds(2))
    }
}
