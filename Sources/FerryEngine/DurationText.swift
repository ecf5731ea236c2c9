import Foundation

/// Durations written the way operators write them: `500ms`, `30s`, `5m`, `2h`, `7d`, or combined (`1h30m`).
public enum DurationText {
    public static func parse(_ text: String) throws(DurationTextError) -> Double {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { throw DurationTextError(text: text, reason: "is empty") }
        var total = 0.0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let value = Double(digits) else {
                throw DurationTextError(text: text, reason: "expected a number followed by ms, s, m, h or d")
            }
            rest = rest.dropFirst(digits.count)
            // "ms" is listed before "m", so it wins.
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }) else {
                throw DurationTextError(text: text, reason: "a number needs a unit: ms, s, m, h or d")
            }
            rest = rest.dropFirst(unit.suffix.count)
            total += value * unit.seconds
        }
        return total
    }

    /// The shortest exact text for a number of seconds (`90` → `1m30s`).
    public static func format(_ seconds: Double) -> String {
        if seconds < 1, seconds > 0 { return "\(Int((seconds * 1000).rounded()))ms" }
        var remaining = Int(seconds.rounded())
        if remaining == 0 { return "0s" }
        var text = ""
        for (suffix, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where remaining >= size {
            text += "\(remaining / size)\(suffix)"
            remaining %= size
        }
        return text
    }
}

public struct DurationTextError: Error, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "\"\(text)\": \(reason)" }
}
