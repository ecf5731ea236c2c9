import Foundation
import Testing
@testable import FerryAWS

/// The retry loop and budget of `ServiceConnection`, and the error classification the workflow layer uses.
@Suite struct RetryTests {
    static let deleted = ScriptedTransport.xml(200, "<DeleteDBSnapshotResponse><DeleteDBSnapshotResult><DBSnapshot><DBSnapshotIdentifier>s</DBSnapshotIdentifier><Status>deleted</Status></DBSnapshot></DeleteDBSnapshotResult></DeleteDBSnapshotResponse>")
    static let reset = Result<HTTPResponse, AWSError>.failure(AWSError(kind: .transport, code: .connectionFailed, message: "curl error 56: Connection reset by peer"))
    static let timeout = Result<HTTPResponse, AWSError>.failure(AWSError(kind: .transport, code: .timeout, message: "curl error 28: timed out"))

    @Test func throttlingAndServerErrorsAreRetriedWithBackoff() throws {
        let sleeps = SleepRecorder()
        let transport = ScriptedTransport([ScriptedTransport.error(400, code: "Throttling", message: "Rate exceeded"),
                                           ScriptedTransport.error(503, code: "ServiceUnavailable"), Self.deleted])
        let context = Scripted.context(sleeps: sleeps)
        let rds = try Scripted.rds(transport, context: context)
        #expect(try rds.deleteDBSnapshot(identifier: "s").status == "deleted")
        #expect(transport.requests.count == 3)
        // Full jitter with random() = 0.5: half of 500 ms, then half of 1 s.
        #expect(sleeps.recorded == [.milliseconds(250), .milliseconds(500)])
        #expect(rds.query.connection.budget.available == 500)  // a success gives back what its retries took
    }

    @Test func transportFailuresAreRetried() throws {
        let transport = ScriptedTransport([Self.reset, Self.timeout, Self.deleted])
        #expect(try Scripted.rds(transport).deleteDBSnapshot(identifier: "s").identifier == "s")
        #expect(transport.requests.count == 3)
    }

    @Test func terminalErrorsAreReturnedAtOnce() throws {
        let sleeps = SleepRecorder()
        let transport = ScriptedTransport([ScriptedTransport.error(404, code: "DBSnapshotNotFound"), Self.deleted])
        let error = try #require(throws: AWSError.self) {
            try Scripted.rds(transport, context: Scripted.context(sleeps: sleeps)).deleteDBSnapshot(identifier: "s")
        }
        #expect(error.code == .dbSnapshotNotFound)
        #expect(transport.requests.count == 1)
        #expect(sleeps.recorded.isEmpty)
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastError() throws {
        let transport = ScriptedTransport(Array(repeating: ScriptedTransport.error(400, code: "Throttling", message: "Rate exceeded"), count: 5))
        let error = try #require(throws: AWSError.self) { try Scripted.rds(transport).deleteDBSnapshot(identifier: "s") }
        #expect(error.code == "Throttling")
        #expect(error.isThrottling)
        #expect(error.classification == .retryable)
        #expect(transport.requests.count == 3)
    }

    @Test func stopsRetryingWhenTheBudgetIsSpent() throws {
        let sleeps = SleepRecorder()
        let failures = Array(repeating: ScriptedTransport.error(500, code: "InternalFailure"), count: 9)
        let transport = ScriptedTransport(failures)
        let rds = try Scripted.rds(transport, context: Scripted.context(sleeps: sleeps, budget: 12))
        _ = try? rds.deleteDBSnapshot(identifier: "s")  // two retries: 12 - 5 - 5 = 2 tokens left
        #expect(transport.requests.count == 3)
        _ = try? rds.deleteDBSnapshot(identifier: "s")  // budget spent: no retry at all
        #expect(transport.requests.count == 4)
        #expect(sleeps.recorded.count == 2)
        #expect(rds.query.connection.budget.available == 2)
    }

    @Test func backoffIsCappedFullJitter() {
        let policy = RetryPolicy(baseDelay: .milliseconds(500), maxDelay: .seconds(20), random: { 0.999 })
        #expect(policy.delay(beforeRetry: 0) < .milliseconds(500))
        #expect(policy.delay(beforeRetry: 10) < .seconds(20))
        #expect(policy.delay(beforeRetry: 10) > .seconds(19))
        #expect(RetryPolicy(random: { 0 }).delay(beforeRetry: 3) == .zero)
    }

    @Test(arguments: [
        ("Throttling", 400, AWSError.Classification.retryable), ("ThrottlingException", 400, .retryable),
        ("RequestLimitExceeded", 400, .retryable), ("TooManyRequestsException", 429, .retryable),
        ("InternalFailure", 500, .retryable), ("Anything", 502, .retryable),
        ("DBSnapshotAlreadyExists", 400, .terminal), ("DBSnapshotNotFound", 404, .terminal),
        ("InvalidDBInstanceState", 400, .terminal), ("SnapshotQuotaExceeded", 400, .terminal),
        ("KMSKeyNotAccessibleFault", 400, .terminal), ("AccessDenied", 403, .terminal),
    ])
    func classification(code: String, status: Int, expected: AWSError.Classification) {
        #expect(AWSError(kind: .service, code: AWSErrorCode(rawValue: code), message: "", httpStatus: status).classification == expected)
    }

    @Test func secretsReachNeitherLogsNorErrors() throws {
        let log = CapturedLog()
        let transport = ScriptedTransport([ScriptedTransport.error(400, code: "Throttling"), Self.reset, ScriptedTransport.error(403, code: "AccessDenied")])
        let rds = try Scripted.rds(transport, context: Scripted.context(logger: log.logger))
        let error = try #require(throws: AWSError.self) { try rds.deleteDBSnapshot(identifier: "s") }
        let authorization = try #require(transport.requests.first?.headers.first { $0.0 == "Authorization" }?.1)
        let signature = try #require(authorization.components(separatedBy: "Signature=").last)
        #expect(!log.text.isEmpty)
        for secret in [Scripted.secretCredentials.secretAccessKey, Scripted.secretCredentials.sessionToken!, signature, "Authorization"] {
            #expect(!log.text.contains(secret))
            #expect(!"\(error)".contains(secret))
            #expect(!String(reflecting: error).contains(secret))
        }
    }
}
