/// Durations as the configuration writes them: one or more `<number><unit>` parts, largest unit first,
/// units `d` (24 hours), `h`, `m`, `s`. Examples: `90m`, `36h`, `7d`, `1d12h`, `30s`.
public enum ConfigDuration {
    private static let units: [(symbol: Character, seconds: Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    public static func parse(_ text: String) throws(InvalidValue) -> Duration {
        let shape = InvalidValue("expected a duration such as 90m, 36h, 7d or 1d12h (units d, h, m, s)")
        var seconds: Int64 = 0
        var digits = ""
        var nextUnitIndex = 0
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let unitIndex = units.firstIndex(where: { $0.symbol == character }), !digits.isEmpty else { throw shape }
            guard unitIndex >= nextUnitIndex else {
                throw InvalidValue("units must go from largest to smallest, each at most once")
            }
            guard let amount = Int64(digits), amount <= 100_000 else { throw InvalidValue("the number is too large") }
            seconds += amount * units[unitIndex].seconds
            digits = ""
            nextUnitIndex = unitIndex + 1
        }
        guard digits.isEmpty, nextUnitIndex > 0 else { throw shape }
        guard seconds > 0 else { throw InvalidValue("must be longer than zero") }
        return .seconds(seconds)
    }
}
