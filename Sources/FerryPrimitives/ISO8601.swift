public import Foundation

/// The one codec of ISO 8601 timestamps (RFC 3339 profile), in UTC, without a formatter or calendar: what
/// JSON outputs and inputs, tags, tables and AWS answers use.
public enum ISO8601 {
    /// `2026-11-25T13:20:46Z`, or with `fractionDigits` (1-9) `2026-11-25T13:20:46.478Z`, rounded to the last
    /// digit written (as ISO8601DateFormatter does); without a fraction, to the second below.
    public static func format(_ date: Date, fractionDigits: Int = 0) -> String {
        let digits = min(max(fractionDigits, 0), 9)
        var scale = 1
        for _ in 0..<digits { scale *= 10 }
        let time = date.timeIntervalSince1970
        let scaled = digits == 0 ? Int(time.rounded(.down)) : Int((time * Double(scale)).rounded())
        let whole = Int((Double(scaled) / Double(scale)).rounded(.down))
        let fraction = scaled - whole * scale
        let day = Int((Double(whole) / 86_400).rounded(.down))
        let (year, month, dayOfMonth) = CivilCalendar.civil(days: day)
        let secondOfDay = whole - day * 86_400
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if digits > 0 { text += "." + pad(fraction, digits) }
        return text + "Z"
    }

    /// Parses `2026-11-25T13:20:46Z`, `…46.478Z`, `…46.478000+00:00`, `…46+0100`, `… 13:20:46.5+00` (a space
    /// for the `T`, as PostgreSQL writes it); nil for anything else or an impossible date.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
                guard let hours = number(index + 1..<index + 3) else { return nil }
                index += 3
                var minutes = 0
                if index < bytes.count {
                    if bytes[index] == UInt8(ascii: ":") { index += 1 }
                    guard let value = number(index..<index + 2) else { return nil }
                    minutes = value
                    index += 2
                }
                guard hours < 24, minutes < 60 else { return nil }
                offset = sign * (hours * 3600 + minutes * 60)
            default:
                return nil
            }
        }
        guard index == bytes.count, (1...12).contains(month), (1...CivilCalendar.daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61
        else { return nil }
        let seconds = CivilCalendar.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
