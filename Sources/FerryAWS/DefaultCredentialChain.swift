public import Foundation
public import Logging
import Synchronization

/// The credential chain of the AWS SDKs, in their order: environment, a profile's assumed role, web
/// identity, the profile's static keys (shared files), container credentials, EC2 instance metadata.
///
/// Thread-safe and meant to be shared by every client. The first source that has credentials is kept;
/// temporary credentials are cached and refreshed `refreshMargin` before they expire. If a refresh fails
/// while the cached credentials are still valid, they keep being used (and the failure is logged).
public final class DefaultCredentialChain: CredentialProvider {
    private struct State {
        var chosen: (any CredentialSource)?
        var cached: AWSCredentials?
    }

    private let sources: [any CredentialSource]
    private let state = Mutex(State())
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

    public func credentials() throws -> AWSCredentials {
        try state.withLock { state in
            let now = now()
            if let cached = state.cached, !cached.expires(within: refreshMargin, of: now) { return cached }
            do {
                let fresh = try load(&state)
                state.cached = fresh
                logger.debug("aws credentials loaded", metadata: ["credential_source": "\(fresh.source)", "access_key_id": "\(fresh.accessKeyID)"])
                return fresh
            } catch let error as AWSError {
                if let cached = state.cached, !cached.expires(within: 0, of: now) {
                    logger.warning("aws credentials refresh failed; using the cached ones until they expire",
                                   metadata: ["error": "\(error)", "credential_source": "\(cached.source)"])
                    return cached
                }
                throw error
            }
        }
    }

    private func load(_ state: inout State) throws -> AWSCredentials {
        if let chosen = state.chosen {
            guard let fresh = try chosen.load() else { throw AWSError.credentials("the \(chosen.name) credentials are gone") }
            return fresh
        }
        for source in sources {
            if let found = try source.load() {
                state.chosen = source
                return found
            }
        }
        throw AWSError.credentials("no AWS credentials found (tried \(sources.map(\.name).joined(separator: ", ")))")
    }
}
