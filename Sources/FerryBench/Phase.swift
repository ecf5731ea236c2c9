import Foundation

/// One measured phase: the floor or Ferry with some worker processes.
struct Phase {
    var name: String
    var isFloor: Bool
    var steps: Int
    var seconds: Double
    var cost: Counters
    var claims: [Double]
    var checkpoints: [Double]

    var stepsPerSecond: Double { Double(steps) / seconds }

    /// The mean of the floor's steps/s, nil without a floor.
    static func floor(_ phases: [Phase]) -> Double? {
        let floors = phases.filter(\.isFloor).map(\.stepsPerSecond)
        return floors.isEmpty ? nil : floors.reduce(0, +) / Double(floors.count)
    }

    /// Each Ferry phase's steps/s as a share of the floor's, by phase name.
    static func sharesOfTheFloor(_ phases: [Phase]) -> [(String, Double)] {
        guard let floor = floor(phases) else { return [] }
        return phases.filter { !$0.isFloor }.map { ($0.name, $0.stepsPerSecond / floor) }
    }

    /// The phases side by side, a column each; Ferry's against the mean of the floor's.
    static func table(_ phases: [Phase]) -> String {
        let floor = floor(phases)
        func perStep(_ value: @escaping (Phase) -> Double, _ format: String) -> (Phase) -> String {
            { String(format: format, value($0) / Double($0.steps)) }
        }
        func percentiles(_ samples: @escaping (Phase) -> [Double]) -> (Phase) -> String {
            { phase in
                let sorted = samples(phase).sorted()
                guard !sorted.isEmpty else { return "-" }
                func at(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
                return String(format: "%.2f / %.2f / %.1f", at(0.5), at(0.99), sorted.last! * 1000)
            }
        }
        let rows: [(String, (Phase) -> String)] = [
            ("steps/s", { String(format: "%.0f", $0.stepsPerSecond) }),
            ("of the floor's steps/s", { phase in
                guard let floor, !phase.isFloor else { return "-" }
                return String(format: "%.0f %%", 100 * phase.stepsPerSecond / floor)
            }),
            ("client CPU µs/step", perStep({ $0.cost.clientCPU * 1e6 }, "%.0f")),
            ("server CPU µs/step", perStep({ $0.cost.serverCPU * 1e6 }, "%.0f")),
            ("commits/step", perStep({ Double($0.cost.commits) }, "%.3f")),
            ("WAL bytes/step", perStep({ Double($0.cost.walBytes) }, "%.0f")),
            ("WAL records/step", perStep({ Double($0.cost.walRecords) }, "%.1f")),
            ("WAL full pages/step", perStep({ Double($0.cost.walFullPages) }, "%.3f")),
            ("WAL writes/step", perStep({ Double($0.cost.walWrites) }, "%.3f")),
            ("WAL syncs/step", perStep({ Double($0.cost.walSyncs) }, "%.3f")),
            ("own claim ms p50/p99/max", percentiles(\.claims)),
            ("checkpoint ms p50/p99/max", percentiles(\.checkpoints)),
        ]
        let labelWidth = rows.map(\.0.count).max()!
        let cells = rows.map { row in phases.map { row.1($0) } }
        let widths = phases.indices.map { column in max(phases[column].name.count, cells.map { $0[column].count }.max()!) }
        func line(_ label: String, _ values: [String]) -> String {
            label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                + zip(values, widths).map { "  " + String(repeating: " ", count: $1 - $0.count) + $0 }.joined()
        }
        return ([line("", phases.map(\.name))] + zip(rows, cells).map { line($0.0, $1) }).joined(separator: "\n")
    }
}
