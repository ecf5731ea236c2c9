/// An Amazon Resource Name: `arn:partition:service:region:account:resource`.
public struct ARN: Sendable, Hashable, CustomStringConvertible {
    /// The partitions AWS has: the commercial regions, China, GovCloud and the two isolated ones.
    public static let partitions: Set<String> = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"]

    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    public init(partition: String = "aws", service: String, region: String, account: String, resource: String) {
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resource = resource
    }

    /// `text` split into its six fields, or `nil` when it is not `arn:` and five more colon-separated fields.
    /// The fields are not checked: any of them may be empty.
    public init?(splitting text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        self.init(partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts[5])
    }

    public init(parsing text: String) throws {
        guard let arn = ARN(splitting: text), !arn.partition.isEmpty, !arn.service.isEmpty, !arn.resource.isEmpty else {
            throw AWSError.configuration("not an ARN: \(text)")
        }
        self = arn
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(account):\(resource)" }

    /// `arn:aws:rds:<region>:<account>:snapshot:<identifier>`
    public static func dbSnapshot(region: String, account: String, identifier: String, partition: String = "aws") -> ARN {
        ARN(partition: partition, service: "rds", region: region, account: account, resource: "snapshot:\(identifier)")
    }

    /// `arn:aws:rds:<region>:<account>:cluster-snapshot:<identifier>`
    public static func dbClusterSnapshot(region: String, account: String, identifier: String, partition: String = "aws") -> ARN {
        ARN(partition: partition, service: "rds", region: region, account: account, resource: "cluster-snapshot:\(identifier)")
    }
}
