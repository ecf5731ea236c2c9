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

    /// Howard Hinnant's `days_from_civil`.
    init(year: Int, month: Int, day: Int) {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        number = era * 146_097 + dayOfEra - 719_468
    }

    /// Howard Hinnant's `civil_from_days`.
    var components: (year: Int, month: Int, day: Int) {
        let shifted = number + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

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
