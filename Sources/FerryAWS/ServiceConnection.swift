import Foundation
import Logging
import FerryPrimitives

/// Signs, sends and retries the requests of one service client in one region: the part every protocol
/// (Query, JSON) shares. Owns one transport (one curl handle), so it is used by one thread at a time.
final class ServiceConnection {
    let service: String
    let region: String
    let endpoint: String
    let credentials: (any CredentialProvider)?
    let transport: any HTTPTransport
    let retry: RetryPolicy
    let budget: RetryBudget
    let logger: Logger
    let now: @Sendable () -> Date
    private let host: String
    private let path: String

    /// `credentials` nil sends unsigned requests (STS AssumeRoleWithWebIdentity needs none).
    init(service: String, region: String, endpoint: String, credentials: (any CredentialProvider)?,
         transport: any HTTPTransport, retry: RetryPolicy, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) throws {
        guard let url = URL(string: endpoint), let scheme = url.scheme, let hostName = url.host else {
            throw AWSError.configuration("endpoint is not a URL: \(endpoint)")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        self.host = url.port.map { $0 == defaultPort ? hostName : "\(hostName):\($0)" } ?? hostName
        self.path = url.path.isEmpty ? "/" : url.path
        self.service = service
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.transport = transport
        self.retry = retry
        self.budget = RetryBudget(capacity: retry.budgetCapacity)
        self.logger = logger
        self.now = now
    }

    /// Sends a POST with `headers` and `body`, retrying what is retryable. `decodeError` turns a non-2xx
    /// response into the service's error. Returns the first 2xx response.
    func post(operation: String, headers: [(String, String)], body: [UInt8],
              decodeError: (HTTPResponse) -> AWSError) throws -> HTTPResponse {
        var attempt = 1
        var spent = 0
        while true {
            var error: AWSError
            AWSMetrics.called(service: service, action: operation)
            do {
                let response = try transport.send(try signedRequest(headers: headers, body: body))
                if (200..<300).contains(response.status) {
                    budget.refund(spent == 0 ? 1 : spent)
                    logger.debug("aws call", metadata: metadata(operation, attempt, response.status, requestID(response)))
                    return response
                }
                error = decodeError(response)
            } catch let failure as AWSError {
                error = failure
            }
            error.operation = "\(service):\(operation)"
            AWSMetrics.failed(service: service, code: error.code)
            let cost = error.code == .timeout ? retry.timeoutCost : retry.retryCost
            guard error.isRetryable, attempt < retry.maxAttempts else {
                logger.debug("aws call failed", metadata: metadata(operation, attempt, error.httpStatus, error.requestID, error))
                throw error
            }
            guard budget.acquire(cost) else {
                logger.warning("aws retry budget spent; not retrying", metadata: metadata(operation, attempt, error.httpStatus, error.requestID, error))
                throw error
            }
            spent += cost
            AWSMetrics.retried(service: service, code: error.code)
            let delay = retry.delay(beforeRetry: attempt - 1)
            logger.info("aws call will be retried", metadata: metadata(operation, attempt, error.httpStatus, error.requestID, error)
                .merging(["delay_ms": "\(Int(delay.seconds * 1000))"]) { $1 })
            retry.sleep(delay)
            attempt += 1
        }
    }

    private func signedRequest(headers: [(String, String)], body: [UInt8]) throws -> HTTPRequest {
        var request = SignableRequest(method: "POST", host: host, path: path, headers: headers, body: body)
        if let credentials {
            let current = try credentials.credentials()
            request.headers += SigV4Signer(service: service, region: region)
                .authorizationHeaders(for: request, credentials: current, date: now())
        }
        return HTTPRequest(method: "POST", url: endpoint + (endpoint.hasSuffix("/") || path != "/" ? "" : "/"),
                           headers: request.headers + [("User-Agent", ServiceConnection.userAgent)], body: body)
    }

    func requestID(_ response: HTTPResponse) -> String? {
        response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id")
    }

    private func metadata(_ operation: String, _ attempt: Int, _ status: Int?, _ requestID: String?,
                          _ error: AWSError? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["aws_operation": "\(service):\(operation)", "aws_region": "\(region)", "attempt": "\(attempt)"]
        if let status { metadata["http_status"] = "\(status)" }
        if let requestID { metadata["aws_request_id"] = "\(requestID)" }
        if let error { metadata["aws_error"] = "\(error.code)"; metadata["aws_error_message"] = "\(error.message)" }
        return metadata
    }

    /// No `region/...` token: moto would route by it.
    static let userAgent = "ferry/1.0"

    /// A short, printable excerpt of a body that was not what we expected, for an error message.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(160), as: UTF8.self)
            .map { $0.isNewline ? " " : $0 }
        return String(text) + (body.count > 160 ? "…" : "")
    }
}
