import FerryAWS
import FerryTestSupport
import Foundation
import Logging
import Testing

/// Clients for the moto server of `scripts/services.sh`.
enum Moto {
    static let primaryRegion = "us-east-1"
    static let drRegion = "us-west-2"

    static var enabled: ConditionTrait { .enabled(if: AWSTestEnvironment.isAvailable, Comment(rawValue: AWSTestEnvironment.skipMessage)) }

    /// Dummy credentials (moto accepts any), endpoints from the environment, retries that do not sleep long.
    static func context(retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(10), sleep: { Thread.sleep(forTimeInterval: $0.seconds) })) -> AWSContext {
        AWSContext(credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing", source: "test")),
                   endpoints: EndpointResolver(), retry: retry)
    }

    /// A small unencrypted (or encrypted, with `kmsKeyID`) PostgreSQL instance.
    static func makeInstance(_ rds: RDSClient, name: String, kmsKeyID: String? = nil, tags: [String: String] = [:]) throws -> DBInstance {
        try rds.createDBInstance(CreateDBInstanceRequest(
            instanceIdentifier: name, instanceClass: "db.t3.micro", engine: "postgres", allocatedStorage: 20,
            masterUsername: "ferry", masterUserPassword: "not-a-secret-1", storageEncrypted: kmsKeyID != nil, kmsKeyID: kmsKeyID,
            tags: tags))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
