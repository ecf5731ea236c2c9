import Foundation
import Testing
@testable import FerryAWS

/// The cross-region copy request, PreSignedUrl included, against what botocore's RDS client would send
/// for the same call (Tests/FerryAWSTests/botocore_presigned_copy.py).
@Suite struct PresignedCopyTests {
    struct Case: Encodable {
        var operation: String
        var params: [String: Param]
        var region: String
        var time: Int
        var access_key: String, secret_key: String, token: String?
    }

    enum Param: Encodable {
        case text(String), flag(Bool), tags([[String: String]])
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let value): try container.encode(value)
            case .flag(let value): try container.encode(value)
            case .tags(let value): try container.encode(value)
            }
        }
    }

    struct Output: Decodable { var body: String }

    static let time = 1_795_000_000

    /// The form body as a set of decoded pairs, with PreSignedUrl replaced by the set of its query pairs.
    func normalized(_ body: String) -> (params: Set<String>, presigned: Set<String>, presignedBase: String) {
        var params = Set<String>(), presigned = Set<String>(), base = ""
        for pair in body.split(separator: "&") {
            // Form encoding: a space is `+`.
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts[0] == "PreSignedUrl" {
                let url = parts[1].split(separator: "?", maxSplits: 1)
                base = String(url[0])
                presigned = Set(url[1].split(separator: "&").map(String.init))
            } else {
                params.insert(parts.joined(separator: "="))
            }
        }
        return (params, presigned, base)
    }

    func ours(_ call: (RDSClient) throws -> Void, token: String?) throws -> String {
        let credentials = AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "secret/+key", sessionToken: token, source: "test")
        var context = Scripted.context()
        context.credentials = StaticCredentialProvider(credentials)
        context.now = { Date(timeIntervalSince1970: TimeInterval(Self.time)) }
        let transport = ScriptedTransport([ScriptedTransport.error(400, code: "Stop")])
        _ = try? call(try Scripted.rds(transport, context: context))
        return try #require(transport.bodies.first)
    }

    @Test(arguments: [nil, "session/token+="])
    func copyDBSnapshotMatchesBotocore(token: String?) throws {
        let source = "arn:aws:rds:eu-west-1:123456789012:snapshot:ferry-db1-202611251200"
        let theirs = try PythonTool.run("botocore_presigned_copy.py", input: Case(
            operation: "CopyDBSnapshot",
            params: ["SourceDBSnapshotIdentifier": .text(source), "TargetDBSnapshotIdentifier": .text("ferry-db1-202611251200"),
                     "KmsKeyId": .text("arn:aws:kms:us-west-2:123456789012:key/k"), "CopyTags": .flag(true),
                     "OptionGroupName": .text("dr-og"), "Tags": .tags([["Key": "ferry:run-id", "Value": "r 1"]]),
                     "SourceRegion": .text("eu-west-1")],
            region: "us-west-2", time: Self.time, access_key: "AKIDTEST", secret_key: "secret/+key", token: token), as: Output.self)
        let mine = try ours({ rds in
            _ = try rds.copyDBSnapshot(try .crossRegion(sourceARN: source, targetIdentifier: "ferry-db1-202611251200",
                                                        kmsKeyID: "arn:aws:kms:us-west-2:123456789012:key/k", copyTags: true,
                                                        tags: ["ferry:run-id": "r 1"], optionGroupName: "dr-og"))
        }, token: token)
        let (expected, actual) = (normalized(theirs.body), normalized(mine))
        #expect(actual.params == expected.params)
        #expect(actual.presignedBase == expected.presignedBase)
        #expect(actual.presigned == expected.presigned)
        #expect(!expected.presigned.isEmpty)
    }

    @Test func copyDBClusterSnapshotMatchesBotocore() throws {
        let source = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:ferry-c1"
        let theirs = try PythonTool.run("botocore_presigned_copy.py", input: Case(
            operation: "CopyDBClusterSnapshot",
            params: ["SourceDBClusterSnapshotIdentifier": .text(source), "TargetDBClusterSnapshotIdentifier": .text("ferry-c1"),
                     "KmsKeyId": .text("alias/dr"), "SourceRegion": .text("eu-west-1")],
            region: "us-east-1", time: Self.time, access_key: "AKIDTEST", secret_key: "secret/+key", token: nil), as: Output.self)
        let credentials = AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "secret/+key", source: "test")
        var context = Scripted.context()
        context.credentials = StaticCredentialProvider(credentials)
        let transport = ScriptedTransport([ScriptedTransport.error(400, code: "Stop")])
        _ = try? Scripted.rds(transport, context: context, region: "us-east-1")
            .copyDBClusterSnapshot(try .crossRegion(sourceARN: source, targetIdentifier: "ferry-c1", kmsKeyID: "alias/dr"))
        let (expected, actual) = (normalized(theirs.body), normalized(try #require(transport.bodies.first)))
        #expect(actual.params == expected.params)
        #expect(actual.presigned == expected.presigned)
    }
}
