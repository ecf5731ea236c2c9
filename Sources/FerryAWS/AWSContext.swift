public import Foundation
public import Logging

/// What every client shares: one credential chain, one endpoint resolver, the retry policy, timeouts and
/// a logger. `AWSContext` is `Sendable`; the clients it makes are not: make one client per thread.
///
///     let aws = AWSContext.fromEnvironment(logger: logger)
///     let primary = try aws.rds(region: "eu-west-1")
///     let dr = try aws.rds(region: "eu-central-1")
public struct AWSContext: Sendable {
    public var credentials: any CredentialProvider
    public var endpoints: EndpointResolver
    public var retry: RetryPolicy
    public var timeouts: HTTPTimeouts
    public var logger: Logger
    /// The clock used to sign requests.
    public var now: @Sendable () -> Date

    public init(credentials: any CredentialProvider, endpoints: EndpointResolver = EndpointResolver(),
                retry: RetryPolicy = RetryPolicy(), timeouts: HTTPTimeouts = HTTPTimeouts(),
                logger: Logger = Logger(label: "ferry.aws"), now: @escaping @Sendable () -> Date = { Date() }) {
        self.credentials = credentials
        self.endpoints = endpoints
        self.retry = retry
        self.timeouts = timeouts
        self.logger = logger
        self.now = now
    }

    /// The default credential chain and endpoints from the process environment and `~/.aws`, plus the
    /// endpoint overrides of Ferry's configuration (service id → URL).
    public static func fromEnvironment(endpointOverrides: [String: String] = [:], logger: Logger = Logger(label: "ferry.aws")) -> AWSContext {
        let environment = ProcessInfo.processInfo.environment
        let endpoints = EndpointResolver(overrides: endpointOverrides, environment: environment)
        let chain = DefaultCredentialChain(environment: environment, endpoints: endpoints, logger: logger)
        return AWSContext(credentials: chain, endpoints: endpoints, logger: logger)
    }

    /// The region from `AWS_REGION` or `AWS_DEFAULT_REGION`, or the profile's `region` in `~/.aws/config`.
    public static func defaultRegion(environment: [String: String]? = nil) -> String? {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let region = (environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"])?.nonEmpty { return region }
        let files = SharedConfigFiles(environment: environment)
        return try? files.profile(files.selectedProfile)["region"]
    }

    public func rds(region: String) throws -> RDSClient { RDSClient(try connection(service: "rds", region: region), context: self) }
    public func kms(region: String) throws -> KMSClient { KMSClient(try connection(service: "kms", region: region)) }
    public func sns(region: String) throws -> SNSClient { SNSClient(try connection(service: "sns", region: region)) }
    public func sts(region: String) throws -> STSClient { STSClient(try connection(service: "sts", region: region)) }
    /// CloudWatch: its endpoint and signing name are `monitoring` (`AWS_ENDPOINT_URL_MONITORING`).
    public func cloudWatch(region: String) throws -> CloudWatchClient {
        CloudWatchClient(try connection(service: "monitoring", region: region))
    }

    func connection(service: String, region: String, signed: Bool = true) throws -> ServiceConnection {
        guard EndpointResolver.isValidRegion(region) else { throw AWSError.configuration("not an AWS region name: \(region)") }
        return try ServiceConnection(
            service: service, region: region, endpoint: try endpoints.endpoint(service: service, region: region),
            credentials: signed ? credentials : nil, transport: CurlTransport(timeouts: timeouts), retry: retry,
            logger: logger, now: now)
    }
}
