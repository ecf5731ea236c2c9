public import Foundation

/// A value that can be sent to PostgreSQL as a bind parameter, in the text format.
public protocol PostgresEncodable: Sendable {
    /// The parameter's text representation; `nil` sends SQL NULL.
    var postgresText: String? { get }
}

/// A SQL statement whose interpolated values become bind parameters (`$1`, `$2`, …), never SQL text.
///
///     let query: PostgresQuery = "SELECT * FROM ferry.runs WHERE id = \(runID) AND status = \(status)"
///
/// Raw SQL (an identifier, a fragment chosen by the code) goes in only through `unescaped:`.
public struct PostgresQuery: Sendable, Hashable, ExpressibleByStringInterpolation {
    public private(set) var sql: String
    public private(set) var parameters: [String?]

    public init(stringLiteral value: String) {
        sql = value
        parameters = []
    }

    public init(stringInterpolation: StringInterpolation) {
        sql = String(decoding: stringInterpolation.sql, as: UTF8.self)
        parameters = stringInterpolation.parameters
    }

    /// A statement written by the program itself, with its parameters already in `$n` form.
    public init(unsafeSQL sql: String, parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    /// Collects the SQL as UTF-8 bytes: appending to a byte array costs a fraction of appending to a
    /// String, and the engine's statements are a few kilobytes with twenty parameters, built for every step.
    public struct StringInterpolation: StringInterpolationProtocol {
        var sql: [UInt8] = []
        var parameters: [String?] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            parameters.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql.append(contentsOf: literal.utf8)
        }

        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            appendParameter(value.postgresText)
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            appendParameter(value?.postgresText)
        }

        private mutating func appendParameter(_ text: String?) {
            parameters.append(text)
            sql.append(UInt8(ascii: "$"))
            sql.append(contentsOf: String(parameters.count).utf8)
        }

        /// Text the program chose (never user input): inserted into the SQL as it is.
        public mutating func appendInterpolation(unescaped text: String) {
            sql.append(contentsOf: text.utf8)
        }

        /// A fragment that several statements share (a CTE, a subquery), with its parameters: they follow
        /// this statement's, and the fragment's `$n` are renumbered to match. A fragment holds no `$` but
        /// its parameters' (no dollar quoting).
        public mutating func appendInterpolation(fragment: PostgresQuery) {
            let offset = parameters.count
            parameters.append(contentsOf: fragment.parameters)
            var text = fragment.sql
            text.withUTF8 { bytes in
                var copied = 0
                var index = 0
                while index < bytes.count {
                    guard bytes[index] == UInt8(ascii: "$") else {
                        index += 1
                        continue
                    }
                    var end = index + 1
                    var number = 0
                    while end < bytes.count, bytes[end] >= UInt8(ascii: "0"), bytes[end] <= UInt8(ascii: "9") {
                        number = number * 10 + Int(bytes[end] - UInt8(ascii: "0"))
                        end += 1
                    }
                    if end > index + 1 {
                        sql.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...index]))
                        sql.append(contentsOf: String(number + offset).utf8)
                        copied = end
                    }
                    index = end
                }
                sql.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            }
        }
    }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Double: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "true" : "false" }
}

private let hexDigits = Array("0123456789abcdef".utf8)

extension UUID: PostgresEncodable {
    /// Lower-case hex with hyphens, written from the bytes (every fenced write sends one).
    public var postgresText: String? {
        var text = [UInt8]()
        text.reserveCapacity(36)
        withUnsafeBytes(of: uuid) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
                text.append(hexDigits[Int(byte >> 4)])
                text.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, which `timestamptz` reads exactly.
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Array: PostgresEncodable where Element == String {
    /// A `text[]` literal.
    public var postgresText: String? {
        "{" + map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
