import FerryTestSupport
import Foundation
import Testing
@testable import FerryAWS

/// Issue 12: an endpoint that answers garbage (`hostile_endpoint.py` on loopback) makes a clear
/// malformed-response error: no crash on deep XML, no endless paging, no unbounded body in memory.
@Suite struct HostileEndpointTests {
    func rds(_ endpoint: LoopbackToolProcess, sleeps: SleepRecorder = SleepRecorder()) throws -> RDSClient {
        var context = Scripted.context(sleeps: sleeps)
        context.endpoints = EndpointResolver(overrides: ["rds": endpoint.url], environment: [:])
        context.timeouts = HTTPTimeouts(connect: .seconds(2), total: .seconds(20))
        return try context.rds(region: "us-west-2")
    }

    func requests(_ endpoint: LoopbackToolProcess) throws -> Int {
        let response = try CurlTransport().send(HTTPRequest(method: "GET", url: endpoint.url + "/stats"))
        return try #require(try JSONDecoder().decode([String: Int].self, from: Data(response.body))["requests"])
    }

    @Test func deeplyNestedXMLIsRefusedNotACrash() throws {
        let deep = Array(String(repeating: "<a>", count: 200_000).utf8) + Array(String(repeating: "</a>", count: 200_000).utf8)
        let error = try #require(throws: AWSError.self) { try XMLValue.parse(deep) }
        #expect(error.kind == .malformedResponse)
        #expect(error.message.contains("deeper than 64 levels"))
        // As deep as allowed still parses.
        let limit = XMLValue.maximumDepth
        let allowed = Array((String(repeating: "<a>", count: limit) + "x" + String(repeating: "</a>", count: limit)).utf8)
        #expect(try XMLValue.parse(allowed).name == "a")
    }

    @Test func oversizedDocumentIsRefusedBeforeParsing() throws {
        let huge = Array("<a>".utf8) + [UInt8](repeating: 32, count: XMLValue.maximumBytes) + Array("</a>".utf8)
        let error = try #require(throws: AWSError.self) { try XMLValue.parse(huge) }
        #expect(error.kind == .malformedResponse)
        #expect(error.message.contains("larger than 8 MiB"))
    }

    @Test func deepAnswerFromTheEndpointIsAMalformedResponse() throws {
        let endpoint = try LoopbackToolProcess("hostile_endpoint.py", arguments: ["--mode", "deep"])
        let error = try #require(throws: AWSError.self) { try rds(endpoint).describeDBSnapshots() }
        #expect(error.kind == .malformedResponse)
        #expect(error.operation == "rds:DescribeDBSnapshots")
        #expect(error.message.contains("deeper than 64 levels"))
        #expect(error.classification == .terminal)
    }

    @Test func endlessMarkersStopAfterAThousandPages() throws {
        let endpoint = try LoopbackToolProcess("hostile_endpoint.py", arguments: ["--mode", "markers"])
        let error = try #require(throws: AWSError.self) { try rds(endpoint).describeDBSnapshots() }
        #expect(error.kind == .malformedResponse)
        #expect(error.description.contains("rds:DescribeDBSnapshots"))
        #expect(error.message.contains("still returned a Marker after 1000 pages (0 items); stopping pagination"))
        #expect(try requests(endpoint) == QueryProtocol.maximumPages)
    }

    @Test func hugeBodyIsCutOffAndRefused() throws {
        let endpoint = try LoopbackToolProcess("hostile_endpoint.py", arguments: ["--mode", "huge"])
        let error = try #require(throws: AWSError.self) { try rds(endpoint).describeDBSnapshots() }
        #expect(error.kind == .malformedResponse)
        #expect(error.message.contains("larger than 8 MiB"))
        #expect(try requests(endpoint) == 1)  // not retried
    }

    /// The crash the issue saw: `ferry aws whoami` against the deep answer now exits 1 with one line.
    @Test func whoamiAgainstDeepXMLExitsWithOneLine() throws {
        let endpoint = try LoopbackToolProcess("hostile_endpoint.py", arguments: ["--mode", "deep"])
        let result = try FerryProcess.run(["aws", "whoami", "--region", "us-east-1"], environment: [
            "AWS_ENDPOINT_URL": endpoint.url, "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "hostile-secret",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null",
        ])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("MalformedResponse") && result.stderr.contains("deeper than 64 levels"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
