public import Foundation

/// Where the moto server of `scripts/services.sh` listens, for the AWS integration tests.
///
///     @Suite(.enabled(if: AWSTestEnvironment.isAvailable, AWSTestEnvironment.skipMessage))
public enum AWSTestEnvironment {
    /// `AWS_ENDPOINT_URL`, set by `ferry_services_start moto`.
    public static var endpoint: String? { ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    public static var isAvailable: Bool { endpoint != nil }

    public static let skipMessage =
        "AWS_ENDPOINT_URL is unset: run `source scripts/services.sh && ferry_services_start moto` (scripts/test does) to run the moto tests"

    /// A resource name no other test (or earlier run against the same moto) uses: `<prefix>-<8 hex digits>`.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(String(UInt32.random(in: .min ... .max), radix: 16))"
    }

    /// The directory of the AWS test tools (`Tests/FerryAWSTests`).
    public static var toolsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FerryAWSTests")
    }
}
