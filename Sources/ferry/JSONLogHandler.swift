import FerryEngine
import Foundation
import Logging

/// `--log-format json`: one JSON object per line on stderr with `time` (UTC, milliseconds), `level`,
/// `message`, `logger`, and the logger's metadata as top-level keys (`run_id`, `workflow`, `step`,
/// `database`, `worker_id`, `error`, … wherever they apply). JSON escaping keeps every value on its line.
/// What is logged is the same as in text: never a secret (credentials, signatures and passwords are kept
/// out of log metadata where they arise, in FerryAWS and FerryPostgres).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Keys of each line that metadata cannot replace.
    static let reservedKeys: Set<String> = ["time", "level", "message", "logger"]

    func log(event: LogEvent) {
        FileHandle.standardError.write(Data(Self.line(
            time: Date(), level: event.level, message: event.message.description, label: label,
            metadata: metadata.merging(event.metadata ?? [:]) { $1 }).utf8))
    }

    /// One line, newline included. Keys sorted, so lines are stable to read and to test.
    static func line(time: Date, level: Logger.Level, message: String, label: String, metadata: Logger.Metadata) -> String {
        var object: [String: JSONValue] = [:]
        for (key, value) in metadata where !reservedKeys.contains(key) { object[key] = json(value) }
        object["time"] = .string(time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        object["level"] = .string(level.rawValue)
        object["message"] = .string(message)
        object["logger"] = .string(label)
        return JSONValue.object(object).jsonText + "\n"
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }
}
