public import Foundation

extension JSONValue {
    /// The JSON of an `Encodable` value (dates as ISO 8601), for a run's input or a step's output.
    public init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        self = try JSONDecoder().decode(JSONValue.self, from: encoder.encode(value))
    }

    /// This JSON read as a `Decodable` type (dates as ISO 8601).
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: JSONEncoder().encode(self))
    }
}
