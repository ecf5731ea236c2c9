import Foundation
import Testing
@testable import FerryAWS

/// Ferry's signer against botocore's (Tests/FerryAWSTests/botocore_signer.py) on the same inputs.
@Suite struct SigV4SignerTests {
    struct Case: Encodable {
        var method: String, host: String, path: String
        var query: [[String]], headers: [[String]], body: String
        var region: String, service: String, time: Int
        var access_key: String, secret_key: String, token: String?
        var presign: Bool, expires: Int
    }

    struct Result: Decodable { var authorization: String?; var url: String? }

    static let awkwardValues = [
        "", "plain", "with space", "two  spaces", "tilde~", "plus+sign", "%2F", "slash/inside", "é", "日本語",
        "a=b&c=d", "star*", "quote'\"", "emoji😀", "percent%", "semi;colon", ",comma",
    ]
    static let wirePathSegments = ["", ".", "..", "%2F", "a~b", "a+b", "x%20y", PercentEncoding.encode("é s")]

    func generatedCases(count: Int, presign: Bool) -> [Case] {
        var rng = SeededGenerator(seed: presign ? 7 : 42)
        return (0..<count).map { index in
            func pick(_ values: [String]) -> String { values[Int(rng.next() % UInt64(values.count))] }
            let pathSegments = (0..<Int(rng.next() % 4)).map { _ in
                rng.next() % 2 == 0 ? pick(Self.wirePathSegments) : PercentEncoding.encode(pick(Self.awkwardValues))
            }
            var query: [[String]] = []
            for position in 0..<Int(rng.next() % 5) {
                // Presigning in botocore keeps one value per key: give keys there unique names.
                let key = presign ? "k\(position)\(pick(["", " x", "~", "é"]))" : pick(Self.awkwardValues)
                query.append([key, pick(Self.awkwardValues)])
            }
            var headers: [[String]] = [["Content-Type", "application/x-www-form-urlencoded"]]
            if !presign {
                headers.append(["X-Amz-Target", "TrentService.DescribeKey"])
                headers.append(["X-Custom", "  padded   value  "])
                if rng.next() % 2 == 0 { headers.append(["X-Custom", "repeated"]) }
                headers.append(["User-Agent", "ferry/test"])
            }
            return Case(
                method: presign ? "GET" : pick(["GET", "POST"]),
                host: pick(["rds.us-east-1.amazonaws.com", "127.0.0.1:5000", "kms.eu-west-1.amazonaws.com"]),
                path: "/" + pathSegments.joined(separator: "/"),
                query: query, headers: headers,
                body: presign ? "" : "Action=DescribeDBSnapshots&Version=2014-10-31&Value=\(index)",
                region: pick(["us-east-1", "eu-west-1", "ap-southeast-2"]), service: pick(["rds", "kms", "sts", "sns"]),
                time: 1_700_000_000 + Int(rng.next() % 100_000_000),
                access_key: "AKIDEXAMPLE", secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                token: rng.next() % 2 == 0 ? nil : "FQoGZXIvYXdzE+/session=token",
                presign: presign, expires: 3600
            )
        }
    }

    func botocore(_ cases: [Case]) throws -> [Result] {
        try PythonTool.run("botocore_signer.py", input: cases, as: [Result].self)
    }

    func request(_ c: Case) -> SignableRequest {
        SignableRequest(method: c.method, host: c.host, path: c.path, query: c.query.map { ($0[0], $0[1]) },
                        headers: c.headers.map { ($0[0], $0[1]) }, body: Array(c.body.utf8))
    }

    func credentials(_ c: Case) -> AWSCredentials {
        AWSCredentials(accessKeyID: c.access_key, secretAccessKey: c.secret_key, sessionToken: c.token, source: "test")
    }

    @Test func headerSignaturesMatchBotocore() throws {
        let cases = generatedCases(count: 300, presign: false)
        for (c, expected) in zip(cases, try botocore(cases)) {
            let signer = SigV4Signer(service: c.service, region: c.region)
            let added = signer.authorizationHeaders(for: request(c), credentials: credentials(c),
                                                    date: Date(timeIntervalSince1970: TimeInterval(c.time)))
            let authorization = added.first { $0.0 == "Authorization" }?.1
            #expect(authorization == expected.authorization, "path \(c.path) query \(c.query)")
            #expect(added.contains { $0.0 == "X-Amz-Security-Token" } == (c.token != nil))
        }
    }

    @Test func presignedSignaturesMatchBotocore() throws {
        let cases = generatedCases(count: 200, presign: true)
        for (c, expected) in zip(cases, try botocore(cases)) {
            let signer = SigV4Signer(service: c.service, region: c.region)
            let url = signer.presignedURL(for: request(c), scheme: "http", credentials: credentials(c),
                                          date: Date(timeIntervalSince1970: TimeInterval(c.time)), expires: c.expires)
            #expect(signature(in: url) == signature(in: expected.url ?? ""), "path \(c.path) query \(c.query)")
            #expect(queryItems(url) == queryItems(expected.url ?? ""))
        }
    }

    @Test func amzDateIsUTC() {
        let date = AmzDate(Date(timeIntervalSince1970: 1_795_000_000))
        #expect(date.full == "20261118T110640Z")
        #expect(date.day == "20261118")
    }

    @Test func credentialsDescriptionHidesSecrets() {
        let creds = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN", source: "env")
        #expect(!"\(creds)".contains("SECRET") && !"\(creds)".contains("TOKEN"))
        #expect(!String(reflecting: creds).contains("SECRET"))
    }

    func signature(in url: String) -> String? {
        url.components(separatedBy: "X-Amz-Signature=").last
    }

    func queryItems(_ url: String) -> Set<String> {
        Set((url.split(separator: "?", maxSplits: 1).last ?? "").split(separator: "&").map(String.init))
    }
}

/// SplitMix64: reproducible cases, so a failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
