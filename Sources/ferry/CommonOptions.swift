import ArgumentParser
import FerryEngine
import FerryPostgres
import Foundation
import Logging
import FerryDR
import FerryDRSchema

struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: "libpq URI or connection string (default: $FERRY_DATABASE_URL, else libpq's PG* variables).")
    var databaseURL: String?

    var resolvedURL: String {
        databaseURL ?? ProcessInfo.processInfo.environment["FERRY_DATABASE_URL"] ?? ""
    }

    func connect(applicationName: String = "ferry") throws -> PostgresConnection {
        try PostgresConnection(connectionString: resolvedURL, applicationName: applicationName)
    }

    /// A store on a database whose schema matches this binary.
    func store() throws -> RunStore {
        let connection = try connect()
        try Migrator(connection: connection, components: DRSchema.all).requireCurrentSchema()
        return RunStore(connection: connection)
    }
}

struct WorkflowOptions: ParsableArguments {
    @Option(name: .customLong("workflows"), help: "Folder of workflow definitions (default: $FERRY_WORKFLOWS, else ./workflows, else the installed ones).")
    var directory: String?

    var resolvedDirectory: String {
        if let directory { return directory }
        if let fromEnvironment = ProcessInfo.processInfo.environment["FERRY_WORKFLOWS"] { return fromEnvironment }
        let candidates = [
            FileManager.default.currentDirectoryPath + "/workflows",
            // An installed binary: <prefix>/bin/ferry with <prefix>/share/ferry/workflows.
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent().appendingPathComponent("../share/ferry/workflows").standardized.path,
            // A binary built from a checkout.
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../workflows").standardized.path,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }

    /// The workflow files, checked against `contracts` (by default, as declared, with no AWS access).
    func catalog(contracts: WorkflowContracts = DRWorkflows.declared) throws -> WorkflowCatalog {
        try WorkflowCatalog.load(directory: resolvedDirectory, contracts: contracts)
    }
}

struct ActorOption: ParsableArguments {
    @Option(help: "Who is acting, for the audit log (default: the OS user): 1-100 printable characters.")
    var actor: String = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()

    func validate() throws {
        guard (1...100).contains(actor.count), actor.hasNoControlCharacters, actor.trimmingCharacters(in: .whitespaces) == actor else {
            throw ValidationError("--actor must be 1-100 printable characters without control characters or surrounding spaces")
        }
    }
}

/// How log lines are written: `text` (swift-log's stderr lines, control characters written out) or `json`
/// (one object per line, see `JSONLogHandler`).
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "text or json: one JSON object per line (default: $FERRY_LOG_FORMAT, else text).")
    var logFormat: LogFormat?

    func validate() throws {
        _ = try resolvedFormat()
    }

    func resolvedFormat() throws -> LogFormat {
        if let logFormat { return logFormat }
        guard let fromEnvironment = ProcessInfo.processInfo.environment["FERRY_LOG_FORMAT"], !fromEnvironment.isEmpty else { return .text }
        guard let format = LogFormat(rawValue: fromEnvironment) else {
            throw ValidationError("FERRY_LOG_FORMAT must be text or json, not \"\(fromEnvironment.escapingControlCharacters)\"")
        }
        return format
    }
}

enum FerryLogging {
    /// Logs to stderr at $FERRY_LOG_LEVEL (default info), as `format` says.
    static func bootstrap(format: LogFormat) {
        let level = ProcessInfo.processInfo.environment["FERRY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            switch format {
            case .json:
                return JSONLogHandler(label: label, logLevel: level)
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return EscapingLogHandler(inner: handler)
            }
        }
    }
}

/// Writes out control characters in every log line's message and metadata (see
/// `String.escapingControlCharacters`): a value from AWS or an operator cannot forge a log line.
struct EscapingLogHandler: LogHandler {
    var inner: StreamLogHandler

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue.mapValues(Self.escaping) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(Self.escaping) }
    }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = "\(event.message.description.escapingControlCharacters)"
        escaped.metadata = event.metadata?.mapValues(Self.escaping)
        inner.log(event: escaped)
    }

    private static func escaping(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(text.escapingControlCharacters)
        case .stringConvertible(let convertible): .string(convertible.description.escapingControlCharacters)
        case .array(let values): .array(values.map(escaping))
        case .dictionary(let values): .dictionary(values.mapValues(escaping))
        }
    }
}

struct ConfigOptions: ParsableArguments {
    @Option(help: "Ferry's configuration file (default: $FERRY_CONFIG, else ./ferry.yaml).")
    var config: String?

    var path: String { FerryConfig.path(option: config, environment: ProcessInfo.processInfo.environment) }

    /// The configuration; every problem in it is reported at once.
    func load() throws -> FerryConfig {
        try FerryConfig.load(path: path)
    }

    func runtime() throws -> DRRuntime {
        DRRuntime(config: try load())
    }
}
