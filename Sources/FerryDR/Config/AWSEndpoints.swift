public import Foundation

/// The AWS services Ferry calls.
public enum AWSService: String, Sendable, Hashable, CaseIterable {
    case rds
    case sns
    case kms
    case sts

    /// The SDK-style variable that overrides this service's endpoint, e.g. `AWS_ENDPOINT_URL_RDS`.
    public var endpointEnvironmentVariable: String { "AWS_ENDPOINT_URL_\(rawValue.uppercased())" }
}

/// Endpoint overrides from the `endpoints` key of the configuration.
public struct AWSEndpoints: Sendable, Hashable {
    public static let globalEnvironmentVariable = "AWS_ENDPOINT_URL"

    public var overrides: [AWSService: URL]

    public init(overrides: [AWSService: URL] = [:]) {
        self.overrides = overrides
    }

    /// The endpoint to use for `service`, or `nil` for AWS's own. The configuration wins; then
    /// `AWS_ENDPOINT_URL_<SERVICE>`; then `AWS_ENDPOINT_URL` — the order AWS SDKs use for their variables.
    public func endpoint(for service: AWSService, environment: [String: String]) -> URL? {
        if let configured = overrides[service] { return configured }
        for variable in [service.endpointEnvironmentVariable, Self.globalEnvironmentVariable] {
            if let text = environment[variable], !text.isEmpty, let url = try? Self.validateURL(text) { return url }
        }
        return nil
    }

    /// An absolute http or https URL with a host.
    public static func validateURL(_ text: String) throws(InvalidValue) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else {
            throw InvalidValue("expected an http or https URL such as http://127.0.0.1:5000")
        }
        return url
    }
}

/// IANA time zone names (`Europe/Paris`, `America/New_York`, `UTC`). Abbreviations such as `EST` or
/// `CET` and fixed offsets such as `GMT+5` are refused: they hide daylight-saving rules or invert signs.
public enum ConfigTimeZone {
    public static func parse(_ text: String) throws(InvalidValue) -> TimeZone {
        guard text == "UTC" || text.contains("/"), let zone = TimeZone(identifier: text) else {
            throw InvalidValue("not an IANA time zone name (like Europe/Paris, America/New_York or UTC)")
        }
        return zone
    }
}
