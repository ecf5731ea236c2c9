import Foundation

/// Who the credentials belong to.
public struct CallerIdentity: Sendable, Equatable {
    public var account: String
    public var arn: String
    public var userID: String
}

/// AWS Security Token Service in one region. Not thread-safe: one thread at a time.
public final class STSClient {
    let query: QueryProtocol

    init(_ connection: ServiceConnection) {
        query = QueryProtocol(connection: connection, version: "2011-06-15")
    }

    public func getCallerIdentity() throws -> CallerIdentity {
        try query.call("GetCallerIdentity") { result in
            CallerIdentity(account: try result.requiredString("Account"), arn: try result.requiredString("Arn"),
                           userID: try result.requiredString("UserId"))
        }
    }

    public func assumeRole(roleARN: String, sessionName: String, externalID: String? = nil, duration: Int? = nil) throws -> AWSCredentials {
        var parameters = QueryParameters()
        parameters.set("RoleArn", roleARN)
        parameters.set("RoleSessionName", sessionName)
        parameters.set("DurationSeconds", duration)
        parameters.set("ExternalId", externalID)
        return try query.call("AssumeRole", parameters) { try Self.credentials(in: $0, source: "assume-role") }
    }

    /// Needs no credentials: make the client with `signed: false` (the token is the proof).
    public func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, webIdentityToken: String,
                                          duration: Int? = nil) throws -> AWSCredentials {
        var parameters = QueryParameters()
        parameters.set("RoleArn", roleARN)
        parameters.set("RoleSessionName", sessionName)
        parameters.set("WebIdentityToken", webIdentityToken)
        parameters.set("DurationSeconds", duration)
        return try query.call("AssumeRoleWithWebIdentity", parameters) { try Self.credentials(in: $0, source: "web-identity") }
    }

    static func credentials(in result: XMLValue, source: String) throws -> AWSCredentials {
        let credentials = try result.requiredChild("Credentials")
        guard let expiration = try credentials.date("Expiration") else {
            throw AWSError.malformed("<Credentials> has no <Expiration>")
        }
        return AWSCredentials(accessKeyID: try credentials.requiredString("AccessKeyId"),
                              secretAccessKey: try credentials.requiredString("SecretAccessKey"),
                              sessionToken: try credentials.requiredString("SessionToken"),
                              expiration: expiration, source: source)
    }
}

@available(*, unavailable, message: "a client owns a curl handle: use one per thread")
extension STSClient: Sendable {}
