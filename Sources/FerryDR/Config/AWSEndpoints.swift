public import Foundation

/// The AWS services Ferry calls.
public enum AWSService: String, Sendable, Hashable, CaseIterable {
    case rds
    case sns
    case kms
    case sts
    /// CloudWatch (its endpoint prefix and signing name).
    case monitoring
}

/// Endpoint overrides from the `endpoints` key of the configuration. `FerryAWS.EndpointResolver` applies
/// them before `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL` (`DRRuntime` hands them to `AWSContext`).
public struct AWSEndpoints: Sendable, Hashable {
    public var overrides: [AWSService: URL]

    public init(overrides: [AWSService: URL] = [:]) {
        self.overrides = overrides
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
