import Foundation
import Logging
import Synchronization
@testable import FerryAWS

/// An `HTTPTransport` that answers from a script and records what it was sent.
final class ScriptedTransport: HTTPTransport {
    var script: [Result<HTTPResponse, AWSError>]
    private(set) var requests: [HTTPRequest] = []

    init(_ script: [Result<HTTPResponse, AWSError>]) { self.script = script }

    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        requests.append(request)
        guard !script.isEmpty else { throw AWSError(kind: .transport, code: .connectionFailed, message: "script exhausted") }
        return try script.removeFirst().get()
    }

    var bodies: [String] { requests.map { String(decoding: $0.body, as: UTF8.self) } }

    static func xml(_ status: Int, _ body: String) -> Result<HTTPResponse, AWSError> {
        .success(HTTPResponse(status: status, headers: [("Content-Type", "text/xml")], body: Array(body.utf8)))
    }

    static func error(_ status: Int, code: String, message: String = "") -> Result<HTTPResponse, AWSError> {
        xml(status, "<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error><RequestId>req-1</RequestId></ErrorResponse>")
    }
}

/// Records the delays a retry loop asked for instead of sleeping.
final class SleepRecorder: Sendable {
    private let delays = Mutex<[Duration]>([])
    var recorded: [Duration] { delays.withLock { $0 } }
    func record(_ delay: Duration) { delays.withLock { $0.append(delay) } }
}

/// Collects every log line (message and metadata) so tests can look for leaked secrets.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            log.lines.withLock { $0.append("\(event.message) \(event.metadata ?? [:]) \(metadata)") }
        }
    }
}

enum Scripted {
    static let secretCredentials = AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "SECRET-KEY-VALUE",
                                                  sessionToken: "SESSION-TOKEN-VALUE", source: "test")

    static func context(logger: Logger = Logger(label: "test"), sleeps: SleepRecorder = SleepRecorder(), budget: Int = 500) -> AWSContext {
        AWSContext(credentials: StaticCredentialProvider(secretCredentials),
                   endpoints: EndpointResolver(environment: [:]),
                   retry: RetryPolicy(maxAttempts: 3, budgetCapacity: budget, sleep: { sleeps.record($0) }, random: { 0.5 }),
                   logger: logger, now: { Date(timeIntervalSince1970: 1_795_000_000) })
    }

    static func rds(_ transport: ScriptedTransport, context: AWSContext = context(), region: String = "us-west-2") throws -> RDSClient {
        let connection = try ServiceConnection(
            service: "rds", region: region, endpoint: try context.endpoints.endpoint(service: "rds", region: region),
            credentials: context.credentials, transport: transport, retry: context.retry, logger: context.logger, now: context.now)
        return RDSClient(connection, context: context)
    }
}
