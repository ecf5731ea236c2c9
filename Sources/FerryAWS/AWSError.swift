/// Every failure of an AWS call: a service error (code and message from AWS), a transport failure, a
/// response Ferry could not understand, or missing credentials/configuration.
///
/// `description` carries the operation, code, message, HTTP status and request id, and nothing secret:
/// no credentials, signatures, Authorization header or request body ever go into an `AWSError`.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// AWS answered with an error document (`code` is AWS's code).
        case service
        /// The connection failed, was reset, or the request timed out.
        case transport
        /// The response could not be understood (truncated, malformed, unexpected shape).
        case malformedResponse
        /// No credentials could be found, or a credential provider failed.
        case credentials
        /// Ferry's own configuration or arguments are wrong (bad endpoint URL, invalid parameter).
        case configuration
    }

    /// What the workflow layer does with an error: retry it later, or stop.
    public enum Classification: Sendable, Equatable { case retryable, terminal }

    public let kind: Kind
    public let code: AWSErrorCode
    public let message: String
    public let requestID: String?
    public let httpStatus: Int?
    /// `service:Operation`, e.g. `rds:CopyDBSnapshot`, when the error belongs to a call.
    public internal(set) var operation: String?

    public init(kind: Kind, code: AWSErrorCode, message: String, requestID: String? = nil, httpStatus: Int? = nil,
                operation: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.requestID = requestID
        self.httpStatus = httpStatus
        self.operation = operation
    }

    public var classification: Classification { isRetryable ? .retryable : .terminal }

    public var isThrottling: Bool { kind == .service && AWSErrorCode.throttling.contains(code) || httpStatus == 429 }

    /// The credentials were missing, refused or expired: every call fails until someone fixes them.
    /// (Access denied to one action is a policy problem, not this.)
    public var isCredentialFailure: Bool {
        kind == .credentials || (kind == .service && AWSErrorCode.credentialRefusals.contains(code))
    }

    public var isRetryable: Bool {
        switch kind {
        case .transport: return true
        case .malformedResponse, .credentials, .configuration: return (httpStatus ?? 0) >= 500
        case .service:
            return isThrottling || AWSErrorCode.transient.contains(code) || [500, 502, 503, 504].contains(httpStatus ?? 0)
        }
    }

    public var description: String {
        var text = "AWS error"
        if let operation { text += " in \(operation)" }
        text += ": \(code.rawValue)"
        if !message.isEmpty { text += ": \(message)" }
        if let httpStatus { text += " (HTTP \(httpStatus)" + (requestID.map { ", request id \($0))" } ?? ")") }
        return text
    }

    static func malformed(_ what: String, status: Int? = nil, requestID: String? = nil) -> AWSError {
        AWSError(kind: .malformedResponse, code: .malformedResponse, message: what, requestID: requestID, httpStatus: status)
    }

    static func configuration(_ what: String) -> AWSError {
        AWSError(kind: .configuration, code: .invalidConfiguration, message: what)
    }

    static func credentials(_ what: String) -> AWSError {
        AWSError(kind: .credentials, code: .credentialsUnavailable, message: what)
    }
}

/// An AWS error code (`DBSnapshotNotFound`), or one of Ferry's own for failures that have none.
public struct AWSErrorCode: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    // RDS, as spelled in botocore's model.
    public static let dbSnapshotAlreadyExists: Self = "DBSnapshotAlreadyExists"
    public static let dbSnapshotNotFound: Self = "DBSnapshotNotFound"
    public static let dbClusterSnapshotAlreadyExists: Self = "DBClusterSnapshotAlreadyExistsFault"
    public static let dbClusterSnapshotNotFound: Self = "DBClusterSnapshotNotFoundFault"
    public static let dbInstanceNotFound: Self = "DBInstanceNotFound"
    public static let dbInstanceAlreadyExists: Self = "DBInstanceAlreadyExists"
    public static let dbClusterNotFound: Self = "DBClusterNotFoundFault"
    public static let dbClusterAlreadyExists: Self = "DBClusterAlreadyExistsFault"
    public static let invalidDBInstanceState: Self = "InvalidDBInstanceState"
    public static let invalidDBClusterState: Self = "InvalidDBClusterStateFault"
    public static let invalidDBSnapshotState: Self = "InvalidDBSnapshotState"
    public static let invalidDBClusterSnapshotState: Self = "InvalidDBClusterSnapshotStateFault"
    /// Both "too many copies in progress into this region" and "the manual snapshot quota is used up": tell
    /// them apart with `RDSClient.describeAccountAttributes`, never by the message.
    public static let snapshotQuotaExceeded: Self = "SnapshotQuotaExceeded"
    public static let kmsKeyNotAccessible: Self = "KMSKeyNotAccessibleFault"
    public static let optionGroupNotFound: Self = "OptionGroupNotFoundFault"
    // KMS, SNS, STS.
    public static let kmsNotFound: Self = "NotFoundException"
    public static let snsNotFound: Self = "NotFound"
    public static let accessDenied: Self = "AccessDenied"
    // Ferry's own.
    public static let malformedResponse: Self = "MalformedResponse"
    public static let connectionFailed: Self = "ConnectionFailed"
    public static let timeout: Self = "Timeout"
    public static let invalidConfiguration: Self = "InvalidConfiguration"
    public static let credentialsUnavailable: Self = "CredentialsUnavailable"

    /// Throttling codes the AWS SDKs retry.
    static let throttling: Set<Self> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// The codes AWS answers a request with when its credentials are unknown, expired or invalid.
    static let credentialRefusals: Set<Self> = [
        "InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
        "SignatureDoesNotMatch", "InvalidSignatureException", "AuthFailure", "IncompleteSignature",
        "MissingAuthenticationToken", "InvalidAccessKeyId",
    ]
    /// Transient service-side codes the AWS SDKs retry.
    static let transient: Set<Self> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable",
        "InternalServerError", "KMSInternalException", "DependencyTimeoutException",
    ]
}
