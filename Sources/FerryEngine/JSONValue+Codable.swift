import Foundation
import FerryPrimitives

extension JSONValue {
    /// The JSON of an `Encodable` value (dates as ISO 8601 to the second), for a run's input or a step's output.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        self = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(value))
    }

    /// This JSON read as a `Decodable` type (dates as ISO 8601, fractions and offsets allowed). A mismatch throws a `JSONValueError` that
    /// names the field and what is wrong with it (`"kind": not a valid value`).
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return date
        }
        do {
            return try decoder.decode(T.self, from: JSONEncoder().encode(self))
        } catch let error as DecodingError {
            throw JSONValueError(message: Self.explain(error))
        }
    }

    private static func explain(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the value" : "\"" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "\""
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(field(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context): return "\(field(context.codingPath)) is null"
        case .typeMismatch(let type, let context): return "\(field(context.codingPath)) is not \(describe(type))"
        case .dataCorrupted(let context): return "\(field(context.codingPath)) is not a valid value"
        @unknown default: return "\(error)"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "a list"
        case is [String: Any].Type: "an object"
        default: "a \(type)"
        }
    }
}
