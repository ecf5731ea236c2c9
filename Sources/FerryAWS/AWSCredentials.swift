public import Foundation

/// An access key pair, optionally temporary (session token and expiry), and which provider supplied it.
///
/// `description` and `debugDescription` show only the access key id and the source: the secret and the
/// session token never reach a log line or an error message.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?
    public let expiration: Date?
    /// The provider that supplied these credentials, e.g. `environment`, `shared-credentials-file`.
    public let source: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// Whether these credentials expire within `margin` of `now` (permanent credentials never do).
    public func expires(within margin: TimeInterval, of now: Date) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) <= margin
    }

    public var description: String {
        "AWSCredentials(accessKeyID: \(accessKeyID), source: \(source)\(sessionToken == nil ? "" : ", temporary"))"
    }

    public var debugDescription: String { description }
}
