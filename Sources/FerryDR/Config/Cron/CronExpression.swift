import Foundation

/// The five fields of a cron expression, in order.
public enum CronField: String, Sendable, Hashable, CaseIterable {
    case minute
    case hour
    case dayOfMonth = "day-of-month"
    case month
    case dayOfWeek = "day-of-week"

    /// Allowed numbers; day-of-week accepts 7 as another Sunday.
    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    var names: [String] {
        switch self {
        case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        case .minute, .hour, .dayOfMonth: []
        }
    }
}

/// Why a cron expression was refused, naming the field at fault when there is one.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    public let field: CronField?
    public let message: String

    init(_ field: CronField?, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { message }
}

/// A parsed standard (Vixie) cron expression: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a number, a name (months `jan`–`dec`, days `sun`–`sat`, any case), a range `a-b`,
/// any of those with a step (`*/15`, `1-30/10`, and `5/20` meaning `5-max/20`), or a comma-separated list
/// of them. Day-of-week 0 and 7 are both Sunday. `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly`
/// and `@yearly` (`@annually`) stand for their usual expressions.
///
/// Day-of-month and day-of-week follow Vixie cron: when both are restricted, a day matches if EITHER
/// matches (`0 3 1 * mon` runs on the 1st and on every Monday); when either field starts with `*`, a day
/// must match both. As in Vixie cron, a field counts as unrestricted whenever it starts with `*`, so
/// `*/2` in day-of-month still combines with day-of-week by AND.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let text: String
    let minutes: [Int]
    let hours: [Int]
    private let daysOfMonth: Set<Int>
    private let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    private let daysOfWeek: Set<Int>
    private let dayOfMonthStartsWithStar: Bool
    private let dayOfWeekStartsWithStar: Bool

    private static let macros = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    public init(parsing text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self.text = trimmed
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let macro = Self.macros[trimmed.lowercased()] else {
                throw CronError(nil, "unknown macro \(trimmed) (expected @hourly, @daily, @weekly, @monthly or @yearly)")
            }
            expanded = macro
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(nil, "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        minutes = try Self.values(of: fields[0], for: .minute).sorted()
        hours = try Self.values(of: fields[1], for: .hour).sorted()
        daysOfMonth = try Self.values(of: fields[2], for: .dayOfMonth)
        months = try Self.values(of: fields[3], for: .month)
        daysOfWeek = Set(try Self.values(of: fields[4], for: .dayOfWeek).map { $0 % 7 })
        dayOfMonthStartsWithStar = fields[2].hasPrefix("*")
        dayOfWeekStartsWithStar = fields[4].hasPrefix("*")
        guard firstMatchingDay(from: CivilDay(number: 0), through: CivilDay(number: CivilDay.daysInGregorianCycle)) != nil
        else {
            throw CronError(.dayOfMonth, "day-of-month never occurs in the chosen months (such as 30 February)")
        }
    }

    public var description: String { text }

    /// Whether the schedule fires on this day (month, day-of-month and day-of-week rules).
    func matches(_ day: CivilDay) -> Bool {
        let date = day.components
        guard months.contains(date.month) else { return false }
        let dayOfMonthMatches = daysOfMonth.contains(date.day)
        let dayOfWeekMatches = daysOfWeek.contains(day.weekday)
        if dayOfMonthStartsWithStar || dayOfWeekStartsWithStar {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    /// The first matching day in `start...end`, walking forward (or backward when `end < start`).
    func firstMatchingDay(from start: CivilDay, through end: CivilDay) -> CivilDay? {
        let step = end.number >= start.number ? 1 : -1
        return stride(from: start.number, through: end.number, by: step).lazy.map(CivilDay.init(number:)).first(where: matches)
    }

    private static func values(of field: String, for kind: CronField) throws(CronError) -> Set<Int> {
        var result = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            result.formUnion(try values(ofItem: String(item), for: kind))
        }
        return result
    }

    private static func values(ofItem item: String, for kind: CronField) throws(CronError) -> Set<Int> {
        let name = kind.rawValue
        guard !item.isEmpty else { throw CronError(kind, "\(name) has an empty list item") }
        let parts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw CronError(kind, "\(name) item \"\(item)\" has more than one step") }
        var step = 1
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parsed > 0 else {
                throw CronError(kind, "\(name) step \"\(parts[1])\" must be a positive number")
            }
            step = parsed
        }
        let bounds: ClosedRange<Int>
        if parts[0] == "*" {
            bounds = kind.range
        } else {
            let ends = parts[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard ends.count <= 2 else { throw CronError(kind, "\(name) range \"\(parts[0])\" is malformed") }
            let low = try value(of: ends[0], for: kind)
            let high = ends.count == 2 ? try value(of: ends[1], for: kind) : (parts.count == 2 ? kind.range.upperBound : low)
            guard low <= high else { throw CronError(kind, "\(name) range \(parts[0]) goes backwards") }
            bounds = low...high
        }
        return Set(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
    }

    private static func value(of text: String, for kind: CronField) throws(CronError) -> Int {
        let range = kind.range
        if let index = kind.names.firstIndex(of: text.lowercased()) {
            return kind == .month ? index + 1 : index
        }
        guard let number = Int(text) else {
            let names = kind.names.isEmpty ? "" : " or a name like \(kind.names[0])"
            throw CronError(kind, "\(kind.rawValue) \"\(text)\" is not a number\(names)")
        }
        guard range.contains(number) else {
            throw CronError(kind, "\(kind.rawValue) must be \(range.lowerBound)-\(range.upperBound)")
        }
        return number
    }
}
