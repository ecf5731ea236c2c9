import FerryPrimitives

/// A calendar day in the proleptic Gregorian calendar, counted in days since 1970-01-01, with no time zone.
/// Schedules are matched on wall-clock days and minutes with this plain arithmetic; only turning a wall
/// time into an instant consults the time zone (see `CronSchedule`).
struct CivilDay: Hashable {
    /// Days since 1970-01-01.
    var number: Int

    /// Days in one 400-year Gregorian cycle, after which every calendar repeats.
    static let daysInGregorianCycle = 146_097

    init(number: Int) {
        self.number = number
    }

    init(year: Int, month: Int, day: Int) {
        number = CivilCalendar.days(year: year, month: month, day: day)
    }

    var components: (year: Int, month: Int, day: Int) { CivilCalendar.civil(days: number) }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    var weekday: Int {
        ((number % 7) + 7 + 4) % 7
    }
}

/// A wall-clock minute: minutes since 1970-01-01 00:00 on a clock that shows local time, no time zone.
struct WallMinute: Hashable {
    var value: Int

    init(value: Int) {
        self.value = value
    }

    init(day: CivilDay, minuteOfDay: Int) {
        value = day.number * 1_440 + minuteOfDay
    }

    /// The wall-clock minute containing `secondsSince1970` on a clock `offset` seconds ahead of UTC.
    init(secondsSince1970: Int, offset: Int) {
        value = Self.floorDivide(secondsSince1970 + offset, 60)
    }

    var day: CivilDay { CivilDay(number: Self.floorDivide(value, 1_440)) }
    var minuteOfDay: Int { value - day.number * 1_440 }
    /// Seconds since 1970 of this wall time read as if it were UTC.
    var secondsAsUTC: Int { value * 60 }

    private static func floorDivide(_ dividend: Int, _ divisor: Int) -> Int {
        let quotient = dividend / divisor
        return dividend % divisor < 0 ? quotient - 1 : quotient
    }
}
