import FerryDRSchema
import FerryEngine
import FerryPostgres
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// `ferry worker --http-port`: `/metrics` (Prometheus text), `/healthz` (the process is up) and `/readyz`
/// (PostgreSQL reachable and the schema current), served by Hummingbird on an event loop of its own. The
/// engine's threads never touch HTTP; the readiness check's blocking libpq calls run on a dispatch queue of
/// their own, not on Swift's shared executor.
final class OperationsServer: Sendable {
    /// The port the server listens on (the one the OS chose for `--http-port 0`).
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let services: ServiceGroup
    private let finished: DispatchSemaphore

    /// Bootstraps swift-metrics with a Prometheus registry: every counter, gauge and timer of FerryEngine,
    /// FerryAWS and FerryDR lands there. Once per process, before the first metric is recorded.
    private static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Steps take from milliseconds (a describe) to minutes (a create under throttling).
        factory.durationHistogramBuckets[EngineMetrics.stepDurationLabel] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Bootstraps the metrics (once per process, before the worker records any), starts listening on `port`
    /// (all interfaces; 0: any free port) and returns once it listens, or throws why it cannot.
    init(port: Int, readiness: Readiness, logger: Logger) throws {
        let registry = Self.bootstrapMetrics()
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let problem = await readiness.problem()
            return Response(status: problem == nil ? .ok : .serviceUnavailable,
                            headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: (problem ?? "ready") + "\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let listening = ListeningSignal()
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("0.0.0.0", port: port)),
            onServerRunning: { channel in listening.listened(port: channel.localAddress?.port) },
            eventLoopGroupProvider: .shared(group), logger: logger)
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await services.run()
            } catch {
                listening.failed(error)
            }
            finished.signal()
        }
        self.group = group
        self.services = services
        self.finished = finished
        do {
            self.port = try listening.wait(seconds: 30)
        } catch {
            Self.shutDown(services, finished: finished, group: group)
            throw error
        }
        logger.info("serving /metrics, /healthz and /readyz", metadata: ["http_port": "\(self.port)"])
    }

    /// Stops listening, lets requests in progress finish, and waits for the server to end.
    func stop() {
        Self.shutDown(services, finished: finished, group: group)
    }

    private static func shutDown(_ services: ServiceGroup, finished: DispatchSemaphore, group: MultiThreadedEventLoopGroup) {
        Task.detached { await services.triggerGracefulShutdown() }
        finished.wait()
        try? group.syncShutdownGracefully()
    }
}

/// `/readyz`: a new connection to PostgreSQL (2 s to connect, 2 s per statement) that finds the schema this
/// binary needs. A new connection each time, so that a database refusing new connections is not ready
/// even while connections made earlier still work. Checks run one at a time on their own queue.
struct Readiness: Sendable {
    let databaseURL: String
    private let queue = DispatchQueue(label: "ferry-readiness")

    init(databaseURL: String) {
        self.databaseURL = databaseURL
    }

    /// Nil when ready; else why not (no secret: connection errors are redacted by FerryPostgres).
    func problem() async -> String? {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: checkNow()) }
        }
    }

    private func checkNow() -> String? {
        do {
            let connection = try PostgresConnection(connectionString: databaseURL, applicationName: "ferry-readiness", connectTimeoutSeconds: 2)
            defer { connection.close() }
            try connection.executeScript(unsafeSQL: "SET statement_timeout = 2000")
            try Migrator(connection: connection, components: DRSchema.all).requireCurrentSchema()
            return nil
        } catch {
            return "not ready: \(error)"
        }
    }
}

/// Why the HTTP server could not start.
struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Tells `OperationsServer.init` that the server listens (and on which port), or why it never will.
private final class ListeningSignal: Sendable {
    private let outcome = Mutex<Result<Int, any Error>?>(nil)
    private let signal = DispatchSemaphore(value: 0)

    func listened(port: Int?) {
        settle(port.map { .success($0) } ?? .failure(ServerError( "the HTTP server listens on no port")))
    }

    func failed(_ error: any Error) {
        settle(.failure(ServerError( "cannot serve HTTP: \(error)")))
    }

    private func settle(_ result: Result<Int, any Error>) {
        let first = outcome.withLock { outcome in
            if case .some = outcome { return false }
            outcome = result
            return true
        }
        if first { signal.signal() }
    }

    func wait(seconds: Double) throws -> Int {
        guard signal.wait(timeout: .now() + seconds) == .success, let result = outcome.withLock({ $0 }) else {
            throw ServerError( "the HTTP server did not start listening within \(Int(seconds)) s")
        }
        return try result.get()
    }
}
