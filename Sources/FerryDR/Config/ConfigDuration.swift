import FerryEngine

/// Durations as the configuration writes them: `DurationText` with units `d` (24 hours), `h`, `m`, `s`
/// only, whole numbers of at most 100000 each, longer than zero. Examples: `90m`, `36h`, `7d`, `1d12h`, `30s`.
public enum ConfigDuration {
    public static func parse(_ text: String) throws(InvalidValue) -> Duration {
        let seconds: Double
        do {
            seconds = try DurationText.parse(text, units: [.days, .hours, .minutes, .seconds], wholeNumbers: true, maximumAmount: 100_000)
        } catch {
            switch error.problem {
            case .unitOrder, .tooLarge, .outOfRange: throw InvalidValue(error.description)
            case .empty, .expectedNumber, .expectedUnit:
                throw InvalidValue("expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)")
            }
        }
        guard seconds > 0 else { throw InvalidValue("must be longer than zero") }
        return .seconds(Int64(seconds))
    }
}
