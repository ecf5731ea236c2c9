import FerryTestSupport
import Foundation
import Testing
@testable import FerryAWS

/// The client against moto behind `fault_proxy.py`: it retries what it should and gives up cleanly.
@Suite(Moto.enabled) struct FaultInjectionTests {
    struct Stats: Decodable { var requests: Int; var faults: Int }

    func proxy(_ faults: [String]) throws -> LoopbackToolProcess {
        try LoopbackToolProcess("fault_proxy.py", arguments: ["--upstream", try #require(AWSTestEnvironment.endpoint), "--faults", faults.joined(separator: ",")])
    }

    func rds(through proxy: LoopbackToolProcess, maxAttempts: Int = 4, budget: Int = 500, sleeps: SleepRecorder = SleepRecorder()) throws -> RDSClient {
        var context = Moto.context(retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(20), budgetCapacity: budget,
                                                      sleep: { sleeps.record($0); Thread.sleep(forTimeInterval: $0.seconds) }))
        context.endpoints = EndpointResolver(overrides: ["rds": proxy.url], environment: [:])
        // Long enough for moto's slow first RDS request on a busy machine, shorter than the `slow:5` fault.
        context.timeouts = HTTPTimeouts(connect: .seconds(2), total: .seconds(3))
        return try context.rds(region: Moto.primaryRegion)
    }

    func stats(_ proxy: LoopbackToolProcess) throws -> Stats {
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: proxy.url + "/fault-proxy/stats"))
        return try JSONDecoder().decode(Stats.self, from: Data(response.body))
    }

    @Test(arguments: [["throttle", "html500", "xml503"], ["reset"], ["slow:5"], ["truncate"]])
    func retriesTransientFaultsAndSucceeds(faults: [String]) throws {
        let proxy = try proxy(faults)
        let sleeps = SleepRecorder()
        let rds = try rds(through: proxy, sleeps: sleeps)
        _ = try rds.describeDBInstances(identifier: nil)
        let seen = try stats(proxy)
        #expect(seen.faults == faults.count)
        #expect(seen.requests >= faults.count + 1)
        #expect(sleeps.recorded.count == faults.count)
    }

    @Test func givesUpAfterMaxAttemptsWithTheLastError() throws {
        let proxy = try proxy(Array(repeating: "throttle", count: 10))
        let error = try #require(throws: AWSError.self) { try rds(through: proxy, maxAttempts: 3).describeDBSnapshots() }
        #expect(error.code == "Throttling")
        #expect(error.classification == .retryable)
        #expect(error.requestID == "fault-proxy")
        #expect(try stats(proxy).requests == 3)
    }

    @Test func givesUpCleanlyWhenTheRetryBudgetIsSpent() throws {
        let proxy = try proxy(Array(repeating: "html500", count: 10))
        let sleeps = SleepRecorder()
        let rds = try rds(through: proxy, maxAttempts: 5, budget: 10, sleeps: sleeps)
        let first = try #require(throws: AWSError.self) { try rds.describeDBSnapshots() }
        #expect(first.httpStatus == 500)
        #expect(try stats(proxy).requests == 3)  // 10 tokens: two retries of 5
        let second = try #require(throws: AWSError.self) { try rds.describeDBSnapshots() }
        #expect(second.classification == .retryable)  // the workflow layer may try again later
        #expect(try stats(proxy).requests == 4)  // no retry left
        #expect(sleeps.recorded.count == 2)
    }

    @Test func terminalErrorsPassThroughWithoutRetry() throws {
        let proxy = try proxy([])
        let error = try #require(throws: AWSError.self) { try rds(through: proxy).deleteDBSnapshot(identifier: "no-such-snapshot") }
        #expect(error.code == .dbSnapshotNotFound)
        #expect(try stats(proxy).requests == 1)
    }
}
