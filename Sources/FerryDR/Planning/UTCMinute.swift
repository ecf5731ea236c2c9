import Foundation

/// The two ways Ferry writes a moment, both UTC, to the minute (seconds are dropped, not rounded).
enum UTCMinute {
    /// `202611251300`, as in snapshot identifiers.
    static func compact(_ date: Date) -> String {
        let parts = fields(date)
        return parts.year + parts.month + parts.day + parts.hour + parts.minute
    }

    /// The start of the minute `date` falls in.
    static func truncate(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60)
    }

    /// `2026-11-25T13:00Z`, as in tags and messages.
    static func iso8601(_ date: Date) -> String {
        let parts = fields(date)
        return "\(parts.year)-\(parts.month)-\(parts.day)T\(parts.hour):\(parts.minute)Z"
    }

    private static func fields(_ date: Date) -> (year: String, month: String, day: String, hour: String, minute: String) {
        let wall = WallMinute(secondsSince1970: Int(date.timeIntervalSince1970.rounded(.down)), offset: 0)
        let (year, month, day) = wall.day.components
        let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return (String(year), twoDigits(month), twoDigits(day), twoDigits(wall.minuteOfDay / 60), twoDigits(wall.minuteOfDay % 60))
    }
}
