import FerryEngine
import Foundation
import FerryPrimitives

enum Output {
    /// One JSON document on stdout: sorted keys, ISO 8601 UTC times.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func timestamp(_ date: Date?) -> String {
        guard let date else { return "-" }
        return ISO8601.format(date, fractionDigits: 3)
    }

    /// Columns padded to their widest cell; control characters in cells are written out, so that a value
    /// (an AWS error, an actor) cannot forge a row or reach the terminal.
    static func printTable(header: [String], rows unescaped: [[String]]) {
        let rows = unescaped.map { $0.map(\.escapingControlCharacters) }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        for row in [header] + rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}
