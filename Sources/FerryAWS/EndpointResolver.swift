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

    /// Whether `region` has the shape of an AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`):
    /// a two-letter prefix, one or two lower-case words, a number. Only the shape, so that a region launched
    /// after this release is still accepted; it also keeps the name safe to put into a host name.
    public static func isValidRegion(_ region: String) -> Bool {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        let isLowerWord = { (part: Substring) in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isLowercase } }
        guard parts.count >= 3, parts.count <= 4, parts[0].count == 2, parts.dropLast().allSatisfy(isLowerWord),
              let number = parts.last, !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        return true
    }
}
