public import Foundation

/// A cron expression read on the wall clock of a time zone (an IANA name such as `Europe/Paris`).
///
/// Daylight-saving time, and any other change of the zone's offset:
/// - A wall time that does not exist (skipped when clocks go forward, e.g. 02:30 on the spring-forward
///   night in Europe/Paris) fires at the moment the clocks jump (03:00 local). Several skipped times fire
///   once, together: nothing is lost and nothing doubles.
/// - A wall time that happens twice (clocks go back, e.g. 02:30 on the autumn night in Europe/Paris)
///   fires once, at its first occurrence. The repeated hour does not fire again.
///
/// Fire times are instants (`Date`), always at a whole wall-clock minute. A year is searched in
/// milliseconds; every expression that parsed fires at least once in any 400 years, so `nextFire` and
/// `latestFire` always find one.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: CronExpression
    public let timeZone: TimeZone

    public init(_ expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
    }

    /// The zone's IANA name. Foundation on Linux names UTC "GMT"; operators wrote UTC, so that is shown.
    public var timeZoneName: String { timeZone.identifier == "GMT" ? "UTC" : timeZone.identifier }

    /// `0 3 * * * (Europe/Paris)`.
    public var description: String { "\(expression) (\(timeZoneName))" }

    /// The first fire time strictly after `date`.
    public func nextFire(after date: Date) -> Date {
        let after = date.timeIntervalSince1970
        let seconds = Int(after.rounded(.down))
        let current = WallMinute(secondsSince1970: seconds, offset: offset(atSecond: seconds))
        return firstFire(from: WallMinute(value: current.value + 1), forward: true) { $0 > after }
    }

    /// The last fire time at or before `date`: the run a scheduler owes after being down, taken once.
    public func latestFire(atOrBefore date: Date) -> Date {
        let now = date.timeIntervalSince1970
        let seconds = Int(now.rounded(.down))
        // A wall time later than `now`'s own can still map to an instant at or before `now` (the first pass
        // of a repeated hour), so start from the latest wall clock any nearby offset shows.
        let nearbyOffsets = [-2 * 86_400, 0, 2 * 86_400].map { offset(atSecond: seconds + $0) }
        let start = WallMinute(secondsSince1970: seconds, offset: nearbyOffsets.max() ?? 0)
        return firstFire(from: start, forward: false) { $0 <= now }
    }

    /// The fire times in `(start, end]`, in order: after `start`, up to and including `end`.
    public func fireTimes(after start: Date, through end: Date) -> [Date] {
        var times: [Date] = []
        var fire = nextFire(after: start)
        while fire <= end {
            times.append(fire)
            fire = nextFire(after: fire)
        }
        return times
    }

    /// Walks the matching wall-clock minutes from `start` (inclusive), forward or backward, and returns
    /// the instant of the first one whose instant `accepts`.
    private func firstFire(from start: WallMinute, forward: Bool, accepts: (TimeInterval) -> Bool) -> Date {
        let step = forward ? 1 : -1
        let lastDay = CivilDay(number: start.day.number + step * (CivilDay.daysInGregorianCycle + 1))
        let minutesOfDay = expression.hours.flatMap { hour in expression.minutes.map { hour * 60 + $0 } }
        let candidates = forward ? minutesOfDay : minutesOfDay.reversed()
        var day = start.day
        while let matching = expression.firstMatchingDay(from: day, through: lastDay) {
            for minuteOfDay in candidates {
                if matching == start.day, forward ? minuteOfDay < start.minuteOfDay : minuteOfDay > start.minuteOfDay {
                    continue
                }
                let instant = instant(of: WallMinute(day: matching, minuteOfDay: minuteOfDay))
                if accepts(instant) { return Date(timeIntervalSince1970: instant) }
            }
            day = CivilDay(number: matching.number + step)
        }
        preconditionFailure("\(expression) parsed, so it fires within any 400 years")
    }

    /// The instant a wall-clock minute stands for: its first occurrence, or, inside a gap, the end of the gap.
    private func instant(of wall: WallMinute) -> TimeInterval {
        let wallSeconds = wall.secondsAsUTC
        let offsetBefore = offset(atSecond: wallSeconds - 86_400)
        let offsetAfter = offset(atSecond: wallSeconds + 86_400)
        let occurrences = Set([offsetBefore, offsetAfter])
            .map { wallSeconds - $0 }
            .filter { wallSeconds - offset(atSecond: $0) == $0 }
        if let first = occurrences.min() { return TimeInterval(first) }
        // A gap: clocks jumped from offsetBefore to offsetAfter. Find the first second of the new offset.
        var beforeJump = wallSeconds - offsetAfter
        var afterJump = wallSeconds - offsetBefore
        while afterJump - beforeJump > 1 {
            let middle = beforeJump + (afterJump - beforeJump) / 2
            if offset(atSecond: middle) == offsetBefore { beforeJump = middle } else { afterJump = middle }
        }
        return TimeInterval(afterJump)
    }

    private func offset(atSecond seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
