import Foundation

/// Durations written the way operators write them: one or more `<number><unit>` parts, largest unit first and
/// each unit at most once: `500ms`, `30s`, `5m`, `2h`, `7d`, `1h30m`, `1d12h`. Workflow files take every unit
/// and fractions (`1.5s`); the DR configuration takes fewer (`ConfigDuration`).
public enum DurationText {
    public enum Unit: String, CaseIterable, Sendable {
        case days = "d", hours = "h", minutes = "m", seconds = "s", milliseconds = "ms"

        public var seconds: Double {
            switch self {
            case .days: 86400
            case .hours: 3600
            case .minutes: 60
            case .seconds: 1
            case .milliseconds: 0.001
            }
        }
    }

    /// The number of seconds `text` stands for. `units` are the units allowed, largest first;
    /// `wholeNumbers` refuses `1.5h`; a part's number above `maximumAmount` is refused as too large; a
    /// total outside `bounds` is refused as out of range.
    public static func parse(
        _ text: String, units: [Unit] = Unit.allCases, wholeNumbers: Bool = false, maximumAmount: Double = .infinity,
        bounds: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude
    ) throws(DurationTextError) -> Double {
        let fail = { (problem: DurationTextError.Problem) in DurationTextError(text: text, units: units, problem: problem) }
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { throw fail(.empty) }
        var total = 0.0
        var nextUnitIndex = 0
        while !rest.isEmpty {
            let digits = rest.prefix { ($0.isASCII && $0.isNumber) || (!wholeNumbers && $0 == ".") }
            guard !digits.isEmpty, let amount = Double(digits) else { throw fail(.expectedNumber) }
            rest = rest.dropFirst(digits.count)
            // The longest unit that matches, so that `ms` wins over `m`.
            guard let unitIndex = units.indices.filter({ rest.hasPrefix(units[$0].rawValue) })
                .max(by: { units[$0].rawValue.count < units[$1].rawValue.count })
            else { throw fail(.expectedUnit) }
            guard unitIndex >= nextUnitIndex else { throw fail(.unitOrder) }
            guard amount <= maximumAmount else { throw fail(.tooLarge) }
            rest = rest.dropFirst(units[unitIndex].rawValue.count)
            total += amount * units[unitIndex].seconds
            nextUnitIndex = unitIndex + 1
        }
        guard total.isFinite else { throw fail(.tooLarge) }
        guard bounds.contains(total) else { throw fail(.outOfRange(bounds)) }
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

public struct DurationTextError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case empty, expectedNumber, expectedUnit, unitOrder, tooLarge
        /// The total is outside these bounds (in seconds).
        case outOfRange(ClosedRange<Double>)
    }

    public var text: String
    /// The units that were allowed, largest first.
    public var units: [DurationText.Unit]
    public var problem: Problem

    /// The reason, without the text: `"<text>": <description>` is how readers show it.
    public var description: String {
        let unitList = units.reversed().map(\.rawValue).joined(separator: ", ")
        return switch problem {
        case .empty: "is empty"
        case .expectedNumber: "expected a number followed by \(unitList)"
        case .expectedUnit: "a number needs a unit: \(unitList)"
        case .unitOrder: "units must go from largest to smallest, each at most once"
        case .tooLarge: "the number is too large"
        case .outOfRange(let bounds): "must be between \(DurationText.format(bounds.lowerBound)) and \(DurationText.format(bounds.upperBound))"
        }
    }
}
