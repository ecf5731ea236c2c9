import FerryTestSupport
import Foundation
import Testing
@testable import FerryAWS

@Suite struct CurlTransportTests {
    @Test func keepsTheConnectionAliveBetweenRequests() throws {
        let server = try LoopbackToolProcess("fault_proxy.py", arguments: ["--upstream", "http://127.0.0.1:1"])
        let transport = CurlTransport()
        for expectedNewConnections in [1, 0, 0] {
            let response = try transport.send(HTTPRequest(method: "GET", url: server.url + "/fault-proxy/stats"))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(transport.connectionsOpenedByLastRequest == expectedNewConnections)
        }
    }

    @Test func refusedConnectionIsARetryableTransportError() throws {
        let error = try #require(throws: AWSError.self) { try CurlTransport().send(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/")) }
        #expect(error.kind == .transport)
        #expect(error.code == .connectionFailed)
        #expect(error.classification == .retryable)
    }

    @Test func slowServerHitsTheTotalTimeout() throws {
        let server = try LoopbackToolProcess("fault_proxy.py", arguments: ["--upstream", "http://127.0.0.1:1", "--faults", "slow:3"])
        let transport = CurlTransport(timeouts: HTTPTimeouts(connect: .seconds(1), total: .milliseconds(300)))
        let error = try #require(throws: AWSError.self) { try transport.send(HTTPRequest(method: "POST", url: server.url + "/")) }
        #expect(error.code == .timeout)
        #expect(error.classification == .retryable)
    }

    @Test func headerLineBreaksAreRefused() throws {
        let request = HTTPRequest(method: "GET", url: "http://127.0.0.1:1/", headers: [("Authorization", "token\r\nX-Evil: 1")])
        let error = try #require(throws: AWSError.self) { try CurlTransport().send(request) }
        #expect(error.kind == .configuration)
        #expect(!error.message.contains("token"))
    }
}
