/// Supplies credentials for signing. Implementations are shared across threads and must be thread-safe;
/// `credentials()` may block (file reads, HTTP to a metadata endpoint or STS).
public protocol CredentialProvider: Sendable {
    /// Current, unexpired credentials; throws `AWSError` of kind `.credentials` when there are none.
    func credentials() throws -> AWSCredentials
}

/// Fixed credentials, e.g. from Ferry's configuration or a test.
public struct StaticCredentialProvider: CredentialProvider {
    let value: AWSCredentials

    public init(_ credentials: AWSCredentials) { value = credentials }

    public func credentials() throws -> AWSCredentials { value }
}
