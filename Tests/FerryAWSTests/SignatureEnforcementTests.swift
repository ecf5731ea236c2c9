import FerryTestSupport
import Foundation
import Testing
@testable import FerryAWS

/// Ferry's signatures as a server that checks them sees them: moto with IAM enforced
/// (`moto_with_auth.py`) recomputes each signature with botocore and applies the caller's policy.
@Suite struct SignatureEnforcementTests {
    struct Keys: Decodable { var access_key_id: String; var secret_access_key: String }

    let server: LoopbackToolProcess
    let keys: Keys

    init() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-moto-keys-\(UUID().uuidString).json")
        server = try LoopbackToolProcess("moto_with_auth.py", arguments: ["--keys", file.path])
        keys = try JSONDecoder().decode(Keys.self, from: Data(contentsOf: file))
        try? FileManager.default.removeItem(at: file)
    }

    func context(secret: String? = nil) -> AWSContext {
        AWSContext(credentials: StaticCredentialProvider(AWSCredentials(
                       accessKeyID: keys.access_key_id, secretAccessKey: secret ?? keys.secret_access_key, source: "test")),
                   endpoints: EndpointResolver(environment: ["AWS_ENDPOINT_URL": server.url]),
                   retry: RetryPolicy(maxAttempts: 1))
    }

    @Test func signedRequestsAreAcceptedAndPolicyApplied() throws {
        let aws = context()
        #expect(try aws.sts(region: "us-east-1").getCallerIdentity().arn.hasSuffix(":user/ferry"))
        #expect(try aws.rds(region: "eu-west-1").describeDBSnapshots(DBSnapshotQuery(
            filters: [RDSFilter(name: "snapshot-type", values: ["manual"])])).isEmpty)

        let denied = try #require(throws: AWSError.self) {
            try aws.rds(region: "eu-west-1").createDBSnapshot(identifier: "s", instanceIdentifier: "db1", tags: ["k": "v w"])
        }
        #expect(denied.httpStatus == 403)
        #expect(denied.classification == .terminal)
        #expect(denied.code != "SignatureDoesNotMatch")
    }

    @Test func aWrongSecretIsRefusedAsASignatureMismatch() throws {
        let error = try #require(throws: AWSError.self) {
            try context(secret: "not-the-secret").rds(region: "us-east-1").describeDBSnapshots()
        }
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.classification == .terminal)
        #expect(!"\(error)".contains("not-the-secret"))
    }
}
