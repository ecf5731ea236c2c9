import Foundation

/// Where each service's requests go. Precedence, as in the AWS SDKs: an override from Ferry's
/// configuration, then `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_RDS`), then `AWS_ENDPOINT_URL`,
/// then the regional AWS endpoint (`https://rds.eu-west-1.amazonaws.com`). `environment` defaults to the process's.
public struct EndpointResolver: Sendable {
    /// Per-service overrides from Ferry's configuration, keyed by service id (`rds`, `kms`, `sns`, `sts`).
    public var overrides: [String: String]
    private let environment: [String: String]

    public init(overrides: [String: String] = [:], environment: [String: String]? = nil) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        self.overrides = overrides
        let ignored = environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true"
        self.environment = ignored ? [:] : environment
    }

    /// The endpoint for `service` in `region`, without a trailing slash.
    public func endpoint(service: String, region: String) throws -> String {
        let variable = "AWS_ENDPOINT_URL_" + service.uppercased().replacingOccurrences(of: "-", with: "_")
        let configured = overrides[service] ?? environment[variable] ?? environment["AWS_ENDPOINT_URL"]
        if let configured, !configured.isEmpty {
            guard let url = URL(string: configured), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw AWSError.configuration("endpoint for \(service) is not an http(s) URL: \(configured)")
            }
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        guard Self.isValidRegion(region) else { throw AWSError.configuration("not an AWS region name: \(region)") }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(service).\(region).\(suffix)"
    }

    static func isValidRegion(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 32 && region.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
    }
}
