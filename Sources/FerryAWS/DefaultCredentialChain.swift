public import Foundation
public import Logging
import Synchronization

/// The credential chain of the AWS SDKs, in their order: environment, a profile's assumed role, web
/// identity, the profile's static keys (shared files), container credentials, EC2 instance metadata.
///
/// Thread-safe and meant to be shared by every client. The first source that has credentials is kept;
/// temporary credentials are cached and refreshed `refreshMargin` before they expire. If a refresh fails
/// while the cached credentials are still valid, they keep being used (and the failure is logged).
/// Sources that make network calls (STS, metadata endpoints) are called outside the cache's lock.
public final class DefaultCredentialChain: CredentialProvider {
    private struct State {
        var chosen: (any CredentialSource)?
        var cached: AWSCredentials?
    }

    private let sources: [any CredentialSource]
    private let state = Mutex(State())
    /// Held by the one thread that is refreshing.
    private let refreshing = NSLock()
    private let logger: Logger
    private let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date

    public convenience init(environment: [String: String]? = nil, endpoints: EndpointResolver? = nil,
                            logger: Logger = Logger(label: "ferry.aws.credentials"), refreshMargin: TimeInterval = 300) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let context = CredentialSourceContext(environment: environment, endpoints: endpoints ?? EndpointResolver(environment: environment),
                                              logger: logger)
        let files = SharedConfigFiles(environment: environment)
        self.init(sources: [
            EnvironmentCredentialSource(environment: environment),
            ProfileRoleCredentialSource(files: files, context: context),
            WebIdentityCredentialSource(context: context),
            ProfileKeysCredentialSource(files: files),
            ContainerCredentialSource(context: context),
            InstanceMetadataCredentialSource(context: context),
        ], logger: logger, refreshMargin: refreshMargin, now: { Date() })
    }

    init(sources: [any CredentialSource], logger: Logger, refreshMargin: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.sources = sources
        self.logger = logger
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// Cached credentials while they are more than `refreshMargin` from expiry. Inside the margin one
    /// thread refreshes while the others keep using the cached credentials until they actually expire;
    /// only when there are none left do they wait for the refresh.
    public func credentials() throws -> AWSCredentials {
        if let fresh = cached(validFor: refreshMargin) { return fresh }
        if refreshing.try() {
            defer { refreshing.unlock() }
            return try refresh()
        }
        if let stillValid = cached(validFor: 0) { return stillValid }
        refreshing.lock()
        defer { refreshing.unlock() }
        return try cached(validFor: refreshMargin) ?? refresh()
    }

    private func cached(validFor margin: TimeInterval) -> AWSCredentials? {
        let now = now()
        return state.withLock { state in state.cached.flatMap { $0.expires(within: margin, of: now) ? nil : $0 } }
    }

    /// Called with `refreshing` held: loads outside the state lock, so readers are never blocked by I/O.
    private func refresh() throws -> AWSCredentials {
        do {
            let fresh = try load()
            state.withLock { $0.cached = fresh }
            logger.debug("aws credentials loaded", metadata: ["credential_source": "\(fresh.source)", "access_key_id": "\(fresh.accessKeyID)"])
            return fresh
        } catch let error as AWSError {
            if let stillValid = cached(validFor: 0) {
                logger.warning("aws credentials refresh failed; using the cached ones until they expire",
                               metadata: ["error": "\(error)", "credential_source": "\(stillValid.source)"])
                return stillValid
            }
            throw error
        }
    }

    private func load() throws -> AWSCredentials {
        if let chosen = state.withLock({ $0.chosen }) {
            guard let fresh = try chosen.load() else { throw AWSError.credentials("the \(chosen.name) credentials are gone") }
            return fresh
        }
        for source in sources {
            if let found = try source.load() {
                state.withLock { $0.chosen = source }
                return found
            }
        }
        throw AWSError.credentials("no AWS credentials found (tried \(sources.map(\.name).joined(separator: ", ")))")
    }
}
